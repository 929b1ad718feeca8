//! The API's messages and enums as JSON, for the console's protobuf codec: the browser encodes
//! and decodes gRPC-Web messages from this instead of from generated code, so the console needs
//! no build step and cannot drift from the protos the server was built with.
//!
//! Shape: `{"messages": {"pkg.Name": {"fields": [{"name", "number", "type", "ref"?,
//! "repeated"?, "optional"?}], "map_entry"?}}, "enums": {"pkg.Name": {"NAME": n}},
//! "services": {"pkg.Service": {"Method": {"input", "output", "streaming"}}}}`.
//! `type` is the protobuf scalar type name (`string`, `uint64`, ...), `message` or `enum`
//! (then `ref` is the full name, without the leading dot).

use prost::Message as _;
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, EnumDescriptorProto, FileDescriptorSet};
use serde_json::{Map, Value, json};

/// The schema of every message and enum in `sets` (encoded `FileDescriptorSet`s).
pub fn from_descriptor_sets(sets: &[&[u8]]) -> Result<Value, prost::DecodeError> {
    let mut messages = Map::new();
    let mut enums = Map::new();
    let mut services = Map::new();
    for set in sets {
        let set = FileDescriptorSet::decode(*set)?;
        for file in &set.file {
            let package = file.package();
            for message in &file.message_type {
                add_message(package, message, &mut messages, &mut enums);
            }
            for enumeration in &file.enum_type {
                add_enum(package, enumeration, &mut enums);
            }
            for service in &file.service {
                let methods: Map<String, Value> = service
                    .method
                    .iter()
                    .map(|method| {
                        let shape = json!({
                            "input": method.input_type().trim_start_matches('.'),
                            "output": method.output_type().trim_start_matches('.'),
                            "streaming": method.server_streaming(),
                        });
                        (method.name().to_owned(), shape)
                    })
                    .collect();
                services.insert(full_name(package, service.name()), methods.into());
            }
        }
    }
    Ok(json!({ "messages": messages, "enums": enums, "services": services }))
}

fn full_name(scope: &str, name: &str) -> String {
    match scope {
        "" => name.to_owned(),
        scope => format!("{scope}.{name}"),
    }
}

fn add_message(
    scope: &str,
    message: &DescriptorProto,
    messages: &mut Map<String, Value>,
    enums: &mut Map<String, Value>,
) {
    let name = full_name(scope, message.name());
    for nested in &message.nested_type {
        add_message(&name, nested, messages, enums);
    }
    for enumeration in &message.enum_type {
        add_enum(&name, enumeration, enums);
    }
    let map_entry = message
        .options
        .as_ref()
        .is_some_and(|options| options.map_entry());
    let fields: Vec<Value> = message
        .field
        .iter()
        .map(|field| {
            let mut entry = Map::new();
            entry.insert("name".into(), field.name().into());
            entry.insert("number".into(), field.number().into());
            entry.insert("type".into(), type_name(field.r#type()).into());
            if !field.type_name().is_empty() {
                entry.insert(
                    "ref".into(),
                    field.type_name().trim_start_matches('.').into(),
                );
            }
            if field.label() == Label::Repeated {
                entry.insert("repeated".into(), true.into());
            }
            // Presence: proto3 `optional` and members of a oneof are sent only when set.
            if field.proto3_optional() || field.oneof_index.is_some() {
                entry.insert("optional".into(), true.into());
            }
            Value::Object(entry)
        })
        .collect();
    let mut schema = Map::new();
    schema.insert("fields".into(), fields.into());
    if map_entry {
        schema.insert("map_entry".into(), true.into());
    }
    messages.insert(name, Value::Object(schema));
}

fn add_enum(scope: &str, enumeration: &EnumDescriptorProto, enums: &mut Map<String, Value>) {
    let values: Map<String, Value> = enumeration
        .value
        .iter()
        .map(|value| (value.name().to_owned(), value.number().into()))
        .collect();
    enums.insert(full_name(scope, enumeration.name()), Value::Object(values));
}

fn type_name(field_type: Type) -> &'static str {
    match field_type {
        Type::Double => "double",
        Type::Float => "float",
        Type::Int64 => "int64",
        Type::Uint64 => "uint64",
        Type::Int32 => "int32",
        Type::Fixed64 => "fixed64",
        Type::Fixed32 => "fixed32",
        Type::Bool => "bool",
        Type::String => "string",
        Type::Group => "group",
        Type::Message => "message",
        Type::Bytes => "bytes",
        Type::Uint32 => "uint32",
        Type::Enum => "enum",
        Type::Sfixed32 => "sfixed32",
        Type::Sfixed64 => "sfixed64",
        Type::Sint32 => "sint32",
        Type::Sint64 => "sint64",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::pb;

    #[test]
    fn the_api_is_described_with_nested_maps_oneofs_and_imports() {
        let schema = from_descriptor_sets(&[pb::FILE_DESCRIPTOR_SET]).unwrap();
        let event = &schema["messages"]["orchestrator.v1.OrchestrationEvent"]["fields"];
        let task = event
            .as_array()
            .unwrap()
            .iter()
            .find(|field| field["name"] == "task")
            .unwrap();
        assert_eq!(
            task,
            &json!({"name": "task", "number": 11, "type": "message",
                    "ref": "orchestrator.v1.TaskUpdate", "optional": true})
        );
        let labels = &schema["messages"]["orchestrator.v1.OrchestrationSpec.LabelsEntry"];
        assert_eq!(labels["map_entry"], true);
        assert_eq!(
            schema["enums"]["orchestrator.v1.TaskState"]["TASK_STATE_SUCCEEDED"],
            4
        );
        let stream = &schema["services"]["orchestrator.v1.OrchestratorService"]["StreamStatus"];
        assert_eq!(
            stream,
            &json!({"input": "orchestrator.v1.StreamStatusRequest",
                    "output": "orchestrator.v1.StreamStatusResponse", "streaming": true})
        );
        // Imported well-known types are there for the codec too.
        assert!(schema["messages"]["google.protobuf.Struct"].is_object());
        assert!(schema["messages"]["google.protobuf.Timestamp"].is_object());
    }
}
