//! Writes `tests/data/malformed_requests.jsonl`, the hostile-input corpus for
//! `tests/malformed.rs`: requests no well-behaved client sends, to every method the server
//! answers.
//!
//! Run with `cargo run --example gen_malformed_corpus`. The output is deterministic (a
//! fixed-seed fastrand), so regenerating gives the same file.
//!
//! Each line: `{"name": "...", "path": "/pkg.Service/Method", "body_hex": "...",
//! "metadata": {"key": "value"}, "expect": "INVALID_ARGUMENT" | "RESOURCE_EXHAUSTED" | null}`;
//! `body_hex` is the raw HTTP/2 body (gRPC frames included, or not), `expect` the code the
//! server must answer with where there is only one right answer. Whatever the case, the answer
//! is never INTERNAL or UNKNOWN.

use std::io::Write as _;

use orchestrator::api::pb;
use prost::Message as _;
use serde::Serialize;

const PATHS: [&str; 15] = [
    "/orchestrator.v1.OrchestratorService/Orchestrate",
    "/orchestrator.v1.OrchestratorService/SubmitOrchestration",
    "/orchestrator.v1.OrchestratorService/StreamStatus",
    "/orchestrator.v1.OrchestratorService/GetOrchestration",
    "/orchestrator.v1.OrchestratorService/ListOrchestrations",
    "/orchestrator.v1.OrchestratorService/CancelOrchestration",
    "/orchestrator.v1.OrchestratorService/ResolveEscalation",
    "/orchestrator.v1.OrchestratorService/ListAgents",
    "/orchestrator.v1.ReviewCriteriaService/CreateReviewCriteria",
    "/orchestrator.v1.ReviewCriteriaService/GetReviewCriteria",
    "/orchestrator.v1.ReviewCriteriaService/ListReviewCriteria",
    "/orchestrator.v1.ReviewCriteriaService/UpdateReviewCriteria",
    "/orchestrator.v1.ReviewCriteriaService/DeleteReviewCriteria",
    "/orchestrator.v1.ReviewCriteriaService/EvaluateReview",
    "/grpc.health.v1.Health/Check",
];

#[derive(Serialize)]
struct Case {
    name: String,
    path: &'static str,
    body_hex: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    metadata: Vec<(String, String)>,
    expect: Option<&'static str>,
}

/// A gRPC frame: compression flag, big-endian length, the bytes.
fn frame(flag: u8, declared: u32, bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![flag];
    out.extend_from_slice(&declared.to_be_bytes());
    out.extend_from_slice(bytes);
    out
}

fn whole(bytes: &[u8]) -> Vec<u8> {
    frame(0, bytes.len() as u32, bytes)
}

fn random(rng: &mut fastrand::Rng, len: usize) -> Vec<u8> {
    (0..len).map(|_| rng.u8(..)).collect()
}

/// A `google.protobuf.Struct` nested `depth` levels deep, as task params.
fn nested_params(depth: usize) -> Vec<u8> {
    let mut value = prost_types::Value {
        kind: Some(prost_types::value::Kind::StringValue("leaf".into())),
    };
    for _ in 0..depth {
        let mut fields = std::collections::BTreeMap::new();
        fields.insert("k".to_owned(), value);
        value = prost_types::Value {
            kind: Some(prost_types::value::Kind::StructValue(prost_types::Struct {
                fields,
            })),
        };
    }
    let Some(prost_types::value::Kind::StructValue(params)) = value.kind else {
        return Vec::new();
    };
    pb::SubmitOrchestrationRequest {
        request_id: String::new(),
        spec: Some(pb::OrchestrationSpec {
            tasks: vec![pb::TaskSpec {
                id: "t".into(),
                agent: "mock".into(),
                params: Some(params),
                ..Default::default()
            }],
            ..Default::default()
        }),
    }
    .encode_to_vec()
}

/// Groups started and never ended, `depth` deep (wire type 3).
fn open_groups(depth: usize) -> Vec<u8> {
    std::iter::repeat_n(0x0bu8, depth).collect()
}

fn cases_for(path: &'static str, rng: &mut fastrand::Rng) -> Vec<Case> {
    let case = |name: &str, body: Vec<u8>, expect: Option<&'static str>| Case {
        name: name.to_owned(),
        path,
        body_hex: hex::encode(body),
        metadata: Vec::new(),
        expect,
    };
    let invalid = Some("INVALID_ARGUMENT");
    let exhausted = Some("RESOURCE_EXHAUSTED");
    let mut cases = vec![
        case("empty body", Vec::new(), invalid),
        case("a partial frame header", random(rng, 3), invalid),
        case(
            "a frame shorter than it says",
            frame(0, 100, &random(rng, 10)),
            invalid,
        ),
        case(
            "compressed flag without grpc-encoding",
            frame(1, 3, b"\x0a\x01a"),
            invalid,
        ),
        case(
            "an unknown compression flag",
            frame(7, 3, b"\x0a\x01a"),
            None,
        ),
        case(
            "a declared length over the limit",
            frame(0, 5 * 1024 * 1024, &random(rng, 64)),
            exhausted,
        ),
        case("random bytes in a frame", whole(&random(rng, 40)), None),
        case(
            "more random bytes in a frame",
            whole(&random(rng, 700)),
            None,
        ),
        case("a field number 0", whole(b"\x02\x01a"), invalid),
        case(
            "a varint of 11 bytes",
            whole(&[
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ]),
            invalid,
        ),
        case("a length past the end", whole(b"\x0a\x7fabc"), invalid),
        case(
            "a string that is not UTF-8",
            whole(b"\x0a\x03\xff\xfe\xfd"),
            None,
        ),
        case(
            "groups nested past the recursion limit",
            whole(&open_groups(200)),
            invalid,
        ),
        case("an empty message", whole(&[]), None),
        case(
            "two messages for a unary call",
            [whole(&[]), whole(&[])].concat(),
            None,
        ),
        case(
            "a frame and then garbage",
            [whole(&[]), random(rng, 2)].concat(),
            None,
        ),
        case("a Struct nested 40 deep", whole(&nested_params(40)), None),
        case("a Struct nested 10 deep", whole(&nested_params(10)), None),
        case(
            "a negative enum and unknown fields",
            whole(b"\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\xa8\x1f\x01"),
            None,
        ),
    ];
    let mut oversized = case("17 KiB of metadata", whole(&[]), exhausted);
    oversized
        .metadata
        .push(("x-padding".into(), "p".repeat(17 * 1024)));
    cases.push(oversized);
    cases
}

fn main() -> std::io::Result<()> {
    let mut rng = fastrand::Rng::with_seed(0x0bad_c0de);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/malformed_requests.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    let mut count = 0;
    for grpc_path in PATHS {
        for case in cases_for(grpc_path, &mut rng) {
            serde_json::to_writer(&mut out, &case)?;
            out.write_all(b"\n")?;
            count += 1;
        }
    }
    out.flush()?;
    eprintln!("wrote {count} requests to {}", path.display());
    Ok(())
}
