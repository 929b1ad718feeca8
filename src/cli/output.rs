//! What the client commands print: the API's JSON form (as YAML too) for programs, and aligned
//! tables for people. The JSON is the canonical protobuf mapping, made from the API's own
//! descriptors, so it is what grpcurl and the other languages' clients read and write.

use std::fmt::Write as _;
use std::sync::LazyLock;

use prost_reflect::{DescriptorPool, DynamicMessage, SerializeOptions};

use super::CliError;
use super::args::OutputFormat;
use crate::api::pb::FILE_DESCRIPTOR_SET;

/// The API's descriptors, compiled in: failing to decode them is a broken build.
static POOL: LazyLock<Result<DescriptorPool, String>> = LazyLock::new(|| {
    DescriptorPool::decode(FILE_DESCRIPTOR_SET).map_err(|error| error.to_string())
});

/// The descriptor of a message of the API, by its full name (`orchestrator.v1.ReviewCriteria`).
pub fn descriptor(name: &str) -> Result<prost_reflect::MessageDescriptor, CliError> {
    let pool = POOL
        .as_ref()
        .map_err(|error| CliError::Internal(error.clone()))?;
    pool.get_message_by_name(name)
        .ok_or_else(|| CliError::Internal(format!("no message {name} in the API")))
}

/// A message of the API in its JSON form, with proto field names (as plan files use them).
pub fn to_json<M: prost::Message>(message: &M, name: &str) -> Result<serde_json::Value, CliError> {
    let dynamic = DynamicMessage::decode(descriptor(name)?, message.encode_to_vec().as_slice())
        .map_err(|error| CliError::Internal(error.to_string()))?;
    let options = SerializeOptions::new().use_proto_field_name(true);
    dynamic
        .serialize_with_options(serde_json::value::Serializer, &options)
        .map_err(|error| CliError::Internal(error.to_string()))
}

/// Prints a message of the API as `format` asks: its JSON form as JSON or YAML, or the table
/// `table` draws for people.
pub fn print<M: prost::Message>(
    message: &M,
    name: &str,
    format: OutputFormat,
    table: impl FnOnce(&M) -> String,
) -> Result<(), CliError> {
    let rendered = match format {
        OutputFormat::Table => Ok(table(message)),
        OutputFormat::Json => serde_json::to_string_pretty(&to_json(message, name)?)
            .map(|text| text + "\n")
            .map_err(|error| error.to_string()),
        OutputFormat::Yaml => {
            serde_norway::to_string(&to_json(message, name)?).map_err(|error| error.to_string())
        }
    };
    emit(&rendered.map_err(CliError::Internal)?)
}

/// Writes to standard output. A reader that went away (`| head`) ends the output, not the
/// process with a panic, as `print!` would.
pub fn emit(text: &str) -> Result<(), CliError> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::Internal(
            format!("cannot write the output: {error}"),
        )),
        _ => Ok(()),
    }
}

/// Rows under a header, each column as wide as its widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|title| title.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    let header: Vec<String> = header.iter().map(|title| (*title).to_owned()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(&widths) {
            let _ = write!(line, "{cell:<width$}  ");
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// `label: value` lines with the values aligned, skipping empty values.
pub fn fields(pairs: &[(&str, String)]) -> String {
    let width = pairs
        .iter()
        .map(|(label, _)| label.len())
        .max()
        .unwrap_or(0)
        + 1;
    let mut text = String::new();
    for (label, value) in pairs.iter().filter(|(_, value)| !value.is_empty()) {
        let _ = writeln!(text, "{:<width$} {value}", format!("{label}:"));
    }
    text
}

/// A timestamp as RFC 3339 in UTC, to the second.
pub fn time(timestamp: Option<&prost_types::Timestamp>) -> String {
    timestamp
        .and_then(|t| chrono::DateTime::from_timestamp(t.seconds, 0))
        .map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// A duration of the API in seconds.
pub fn seconds(duration: Option<&prost_types::Duration>) -> Option<f64> {
    duration.map(|d| d.seconds as f64 + f64::from(d.nanos) / 1e9)
}

/// A duration in seconds, to the millisecond.
pub fn duration(duration: Option<&prost_types::Duration>) -> String {
    seconds(duration)
        .map(|seconds| format!("{seconds:.3}s"))
        .unwrap_or_default()
}

/// An enum value's name without its type's prefix (`ORCHESTRATION_STATE_APPROVED` → `APPROVED`).
pub fn enum_name(name: &'static str, prefix: &str) -> &'static str {
    name.strip_prefix(prefix).unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::pb;

    #[test]
    fn messages_print_in_the_api_json_form() {
        let result = pb::OrchestrationResult {
            orchestration_id: "o1".into(),
            state: pb::OrchestrationState::Approved as i32,
            total_duration: Some(prost_types::Duration {
                seconds: 1,
                nanos: 500_000_000,
            }),
            ..Default::default()
        };
        let json = to_json(&result, "orchestrator.v1.OrchestrationResult").unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "orchestration_id": "o1",
                "state": "ORCHESTRATION_STATE_APPROVED",
                "total_duration": "1.500s",
            })
        );
        let yaml = serde_norway::to_string(&json).unwrap();
        assert!(
            yaml.contains("state: ORCHESTRATION_STATE_APPROVED"),
            "{yaml}"
        );
    }

    #[test]
    fn tables_align_their_columns() {
        let text = table(
            &["ID", "STATE"],
            &[
                vec!["a".into(), "APPROVED".into()],
                vec!["longer-id".into(), "FAILED".into()],
            ],
        );
        assert_eq!(
            text,
            "ID         STATE\na          APPROVED\nlonger-id  FAILED\n"
        );
    }
}
