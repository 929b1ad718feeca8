//! The JSON Schema of plan files: schemas/plan.schema.json is what the plan types generate
//! today, every example plan points to it, and a real validator (Python's jsonschema, as
//! editors' YAML support applies the same rules) accepts them and refuses a misspelt field.

mod common;

use std::io::Write as _;
use std::process::Stdio;

use common::tools::python_tool;

const CHECKED_IN: &str = include_str!("../schemas/plan.schema.json");
const SCHEMA_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/plan.schema.json");
const PLANS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/plans");

#[test]
fn the_checked_in_schema_is_what_the_types_generate() {
    let generated = orchestrator::cli::plan::schema();
    let checked_in: serde_json::Value = serde_json::from_str(CHECKED_IN).unwrap();
    assert!(
        generated == checked_in,
        "schemas/plan.schema.json is stale: run `cargo run -- plan schema > schemas/plan.schema.json`"
    );
}

/// Each example plan as JSON, by file name.
fn example_plans() -> Vec<(String, serde_json::Value)> {
    let mut plans = Vec::new();
    for entry in std::fs::read_dir(PLANS).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            text.starts_with("# yaml-language-server: $schema=../../schemas/plan.schema.json\n"),
            "{name} does not name the schema on its first line"
        );
        plans.push((name, serde_norway::from_str(&text).unwrap()));
    }
    assert!(plans.len() >= 5, "{plans:?}");
    plans
}

const VALIDATE: &str = "\
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
validator = jsonschema.Draft7Validator(schema)
for name, plan in json.load(sys.stdin):
    for error in validator.iter_errors(plan):
        print(f'{name}: {error.json_path}: {error.message}')
";

/// The validator's complaints, one line each; empty when every plan is valid.
fn validate(plans: &[(String, serde_json::Value)]) -> String {
    let python = python_tool("python3");
    let mut child = std::process::Command::new(python)
        .args(["-c", VALIDATE, SCHEMA_PATH])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = serde_json::to_vec(plans).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_example_plans_validate_and_a_typo_does_not() {
    let plans = example_plans();
    assert_eq!(validate(&plans), "");

    // Durations the parser reads, the schema takes too.
    let (name, mut durations) = plans[0].clone();
    for (index, text) in ["1.5s", "2 millis", "1h 30m", "10 nanos", "250ms"]
        .iter()
        .enumerate()
    {
        assert!(humantime::parse_duration(text).is_ok(), "{text}");
        durations["tasks"][0]["timeout"] = serde_json::json!(text);
        assert_eq!(
            validate(&[(format!("{name} #{index}"), durations.clone())]),
            ""
        );
    }

    let (name, mut typo) = plans[0].clone();
    typo["tasks"][0]["dependson"] = serde_json::json!(["x"]);
    typo["tasks"][0]["timeout"] = serde_json::json!("soon");
    let complaints = validate(&[(name, typo)]);
    assert!(complaints.contains("dependson"), "{complaints}");
    assert!(complaints.contains("timeout"), "{complaints}");
}
