//! Third-party and own clients against the binary serving TLS with client certificates and
//! authentication: grpcurl (`-cacert`, `-cert`, `-key`), Python grpcio with ssl credentials,
//! and the CLI (`--server https://`, `--ca-cert`, `--client-cert`, `--client-key`, `--token`).

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::certs::{Ca, Files, Leaf};
use common::process::{ServerProcess, cli_command, printed};
use common::tools::python_tool;

/// A server with TLS, a client CA, and authentication by client certificate or API key.
struct Secured {
    files: Files,
    server: ServerProcess,
    /// Mapped to tenant acme with the submitter role.
    cert: (PathBuf, PathBuf),
    /// Signed by the client CA but mapped to no tenant.
    unmapped: (PathBuf, PathBuf),
    /// A viewer key of tenant acme.
    viewer_key: String,
}

impl Secured {
    async fn start() -> Self {
        let files = Files::new();
        let (server_ca, client_ca) = (Ca::new("server CA"), Ca::new("client CA"));
        let server_leaf = server_ca.server("orchestrator");
        files.write("ca.pem", &server_ca.cert_pem);
        let write_pair = |name: &str, leaf: &Leaf| {
            (
                files.write(&format!("{name}.pem"), &leaf.cert_pem),
                files.write(&format!("{name}.key"), &leaf.key_pem),
            )
        };
        let cert = write_pair(
            "billing",
            &client_ca.client("billing", &["spiffe://acme/billing"]),
        );
        let unmapped = write_pair("stranger", &client_ca.client("stranger", &[]));
        let (viewer_key, viewer_sha) = orchestrator::auth::api_key::generate().unwrap();
        let config = format!(
            r#"
[server]
reflection = "authenticated"

[server.tls]
cert_file = "{cert}"
key_file = "{key}"
client_ca_file = "{client_ca}"

[auth]
mode = "required"

[[auth.api_keys]]
name = "dashboard"
sha256 = "{viewer_sha}"
tenant = "acme"
roles = ["viewer"]

[[auth.client_certs]]
name = "uri:spiffe://acme/billing"
tenant = "acme"
roles = ["submitter"]
"#,
            cert = files.write("server.pem", &server_leaf.cert_pem).display(),
            key = files.write("server.key", &server_leaf.key_pem).display(),
            client_ca = files.write("client-ca.pem", &client_ca.cert_pem).display(),
        );
        let config_path = files.write("orchestrator.toml", &config);
        let server = ServerProcess::start(&["--config", config_path.to_str().unwrap()]).await;
        Self {
            files,
            server,
            cert,
            unmapped,
            viewer_key,
        }
    }

    fn ca(&self) -> PathBuf {
        self.files.path("ca.pem")
    }

    fn target(&self) -> String {
        format!("127.0.0.1:{}", self.server.addr.port())
    }
}

async fn grpcurl<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    tokio::process::Command::new(python_tool("grpcurl"))
        .args(args)
        .output()
        .await
        .expect("run grpcurl")
}

impl Secured {
    /// grpcurl trusting the server's CA and presenting `pair`, then `args`.
    async fn grpcurl_as(&self, pair: &(PathBuf, PathBuf), args: &[&str]) -> Output {
        let ca = self.ca();
        let mut all = vec![
            "-cacert",
            ca.to_str().unwrap(),
            "-cert",
            pair.0.to_str().unwrap(),
            "-key",
            pair.1.to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        grpcurl(&all).await
    }
}

#[tokio::test]
async fn grpcurl_with_a_client_certificate() {
    let secured = Secured::start().await;
    let (ca, target) = (secured.ca(), secured.target());
    let mapped = &secured.cert;

    let listed = secured.grpcurl_as(mapped, &[&target, "list"]).await;
    assert!(listed.status.success(), "{}", printed(&listed));
    assert!(printed(&listed).contains("orchestrator.v1.OrchestratorService"));

    let plan = r#"{"spec": {"tasks": [{"id": "facts", "agent": "mock", "params": {"output": "Revenue grew."}}]}}"#;
    let ran = secured
        .grpcurl_as(
            mapped,
            &[
                "-d",
                plan,
                &target,
                "orchestrator.v1.OrchestratorService/Orchestrate",
            ],
        )
        .await;
    assert!(ran.status.success(), "{}", printed(&ran));
    assert!(
        printed(&ran).contains("ORCHESTRATION_STATE_APPROVED"),
        "{}",
        printed(&ran)
    );

    // Health stays open to a client with a certificate and no credentials beyond it...
    let health = secured
        .grpcurl_as(mapped, &[&target, "grpc.health.v1.Health/Check"])
        .await;
    assert!(printed(&health).contains("SERVING"), "{}", printed(&health));
    // ...but without a client certificate there is no connection at all.
    let refused = grpcurl(&["-cacert", ca.to_str().unwrap(), &target, "list"]).await;
    assert!(!refused.status.success(), "{}", printed(&refused));
    // And plaintext is not served.
    let plaintext = grpcurl(&["-plaintext", &target, "list"]).await;
    assert!(!plaintext.status.success(), "{}", printed(&plaintext));
}

#[tokio::test]
async fn grpcurl_with_an_unmapped_certificate_needs_a_key() {
    let mut secured = Secured::start().await;
    let target = secured.target();
    let list_agents = "orchestrator.v1.OrchestratorService/ListAgents";
    let with_key = |key: &str| format!("authorization: Bearer {key}");

    // Reflection needs credentials too: grpcurl cannot even learn the method.
    let refused = secured
        .grpcurl_as(&secured.unmapped, &[&target, list_agents])
        .await;
    assert!(!refused.status.success());
    assert!(
        printed(&refused).contains("Unauthenticated"),
        "{}",
        printed(&refused)
    );
    assert!(
        printed(&refused).contains("client certificate: cn:stranger is not mapped to a tenant"),
        "{}",
        printed(&refused)
    );

    let header = with_key(&secured.viewer_key);
    let listed = secured
        .grpcurl_as(&secured.unmapped, &["-H", &header, &target, list_agents])
        .await;
    assert!(listed.status.success(), "{}", printed(&listed));
    assert!(
        printed(&listed).contains("\"echo\""),
        "{}",
        printed(&listed)
    );

    // A wrong key: refused, and logged with its fingerprint, never the key.
    let header = with_key(&format!("{}x", secured.viewer_key));
    let refused = secured
        .grpcurl_as(&secured.unmapped, &["-H", &header, &target, list_agents])
        .await;
    assert!(
        printed(&refused).contains("API key: unknown API key"),
        "{}",
        printed(&refused)
    );

    // Both refusals are in the log at info, with who tried but no credential.
    let first = secured
        .server
        .wait_for_log(|entry| entry["message"] == "authentication failed")
        .await;
    assert_eq!(first["level"], "INFO", "{first}");
    assert_eq!(first["who"], "certificate cn:stranger", "{first}");
    let second = secured
        .server
        .wait_for_log(|entry| {
            entry["message"] == "authentication failed"
                && entry["who"]
                    .as_str()
                    .is_some_and(|who| who.starts_with("api key sha256:"))
        })
        .await;
    assert_eq!(second["reason"], "API key: unknown API key", "{second}");
    let seen = secured.server.seen.join("\n");
    assert!(
        !seen.contains(&secured.viewer_key),
        "a key in the log: {seen}"
    );
}

/// Calls health and ListAgents with grpcio's ssl credentials; prints what happened.
const GRPCIO_CLIENT: &str = r#"
import sys, grpc
target, ca, cert, key, token = sys.argv[1:6]
read = lambda path: open(path, "rb").read() if path else None
credentials = grpc.ssl_channel_credentials(
    root_certificates=read(ca), private_key=read(key), certificate_chain=read(cert))
with grpc.secure_channel(target, credentials) as channel:
    try:
        health = channel.unary_unary("/grpc.health.v1.Health/Check")(b"", timeout=10)
        print("health", health.hex())
        metadata = [("authorization", "Bearer " + token)] if token else []
        agents = channel.unary_unary("/orchestrator.v1.OrchestratorService/ListAgents")(
            b"", metadata=metadata, timeout=10)
        print("agents", b"echo" in agents and b"mock" in agents)
    except grpc.RpcError as error:
        print("error", error.code().name, error.details())
"#;

async fn grpcio(secured: &Secured, cert: Option<&(PathBuf, PathBuf)>, token: &str) -> String {
    let script = secured.files.write("client.py", GRPCIO_CLIENT);
    let ca = secured.ca();
    let (cert, key) = cert
        .map(|(cert, key)| (cert.display().to_string(), key.display().to_string()))
        .unwrap_or_default();
    let output = tokio::process::Command::new(python_tool("python"))
        .arg(script)
        .args([
            secured.target(),
            ca.display().to_string(),
            cert,
            key,
            token.to_owned(),
        ])
        .output()
        .await
        .expect("run python");
    printed(&output)
}

#[tokio::test]
async fn python_grpcio_with_ssl_credentials() {
    let secured = Secured::start().await;
    let mapped = grpcio(&secured, Some(&secured.cert), "").await;
    // SERVING is field 1 = 1.
    assert!(mapped.contains("health 0801"), "{mapped}");
    assert!(mapped.contains("agents True"), "{mapped}");

    let unmapped_with_key = grpcio(&secured, Some(&secured.unmapped), &secured.viewer_key).await;
    assert!(
        unmapped_with_key.contains("agents True"),
        "{unmapped_with_key}"
    );

    let unmapped = grpcio(&secured, Some(&secured.unmapped), "").await;
    assert!(unmapped.contains("error UNAUTHENTICATED"), "{unmapped}");

    let no_cert = grpcio(&secured, None, &secured.viewer_key).await;
    assert!(no_cert.contains("error UNAVAILABLE"), "{no_cert}");
}

fn cli(args: &[&str]) -> Output {
    cli_command().args(args).output().expect("run the CLI")
}

#[tokio::test]
async fn the_cli_speaks_tls_with_a_client_certificate_and_never_falls_back() {
    let secured = Secured::start().await;
    let server = format!("https://{}", secured.target());
    let ca = secured.ca();
    let (cert, key) = (&secured.cert.0, &secured.cert.1);
    let plan = "examples/plans/research-report.yaml";

    let mtls = [
        "--server",
        &server,
        "--ca-cert",
        ca.to_str().unwrap(),
        "--client-cert",
        cert.to_str().unwrap(),
        "--client-key",
        key.to_str().unwrap(),
    ];
    let ran = cli(&[&["run", plan, "--follow"][..], &mtls].concat());
    assert_eq!(ran.status.code(), Some(0), "{}", printed(&ran));
    assert!(printed(&ran).contains("APPROVED"), "{}", printed(&ran));

    // The viewer key may watch but not submit.
    let denied = cli(&[&["run", plan, "--token", &secured.viewer_key][..], &mtls].concat());
    assert_eq!(denied.status.code(), Some(2), "{}", printed(&denied));
    assert!(
        printed(&denied).contains("PermissionDenied")
            && printed(&denied).contains("needs the role submitter"),
        "{}",
        printed(&denied)
    );

    // Without the CA the server's certificate is not trusted: no silent plaintext, no success.
    let untrusted = cli(&["run", plan, "--server", &server]);
    assert_eq!(untrusted.status.code(), Some(2), "{}", printed(&untrusted));
    assert!(
        printed(&untrusted).contains("TLS failed")
            && printed(&untrusted).contains("give --ca-cert"),
        "{}",
        printed(&untrusted)
    );
    // http:// against the TLS port does not work either, and says what it may be.
    let plain = cli(&[
        "run",
        plan,
        "--server",
        &format!("http://{}", secured.target()),
    ]);
    assert_eq!(plain.status.code(), Some(2), "{}", printed(&plain));
    assert!(
        printed(&plain).contains("not a gRPC server")
            && printed(&plain).contains("TLS server given as http://"),
        "{}",
        printed(&plain)
    );
    // Without a client certificate the server refuses the handshake.
    let anonymous = cli(&[
        "run",
        plan,
        "--server",
        &server,
        "--ca-cert",
        ca.to_str().unwrap(),
    ]);
    assert_eq!(anonymous.status.code(), Some(2), "{}", printed(&anonymous));
    assert!(
        printed(&anonymous).contains("TLS failed"),
        "{}",
        printed(&anonymous)
    );
    // Without a scheme, TLS files mean https://.
    let target = secured.target();
    let mut bare = mtls;
    bare[1] = &target;
    let ran_bare = cli(&[&["run", plan][..], &bare].concat());
    assert_eq!(ran_bare.status.code(), Some(0), "{}", printed(&ran_bare));
    // TLS files with an http:// address are a mistake, said so.
    let mixed = cli(&[
        "run",
        plan,
        "--server",
        &format!("http://{}", secured.target()),
        "--ca-cert",
        ca.to_str().unwrap(),
    ]);
    assert_eq!(mixed.status.code(), Some(2), "{}", printed(&mixed));
    assert!(
        printed(&mixed).contains("use https://"),
        "{}",
        printed(&mixed)
    );
}
