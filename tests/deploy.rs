//! The deployment files, checked without a cluster or a Docker engine: the image (Dockerfile,
//! .dockerignore), the Helm chart (charts/orchestrator) in both modes, its alert rules and its
//! Grafana dashboard. The tools (helm, kubernetes-validate, hadolint, promtool) are installed
//! by the tests themselves (tests/common/tools.rs); nothing here talks to a cluster.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde::Deserialize as _;
use serde_json::json;
use serde_norway::Value;

use common::process::{BINARY, printed};
use common::tools::{helm, promtool, python_tool};

/// The Kubernetes version the rendered objects are validated against: the oldest the chart
/// supports (Chart.yaml's kubeVersion). kubernetes-validate bundles the schemas of 1.25 to 1.37.
const KUBERNETES_VERSION: &str = "1.27.0";
const RELEASE: &str = "orch";
const NAMESPACE: &str = "apps";

#[derive(Clone, Copy, Debug)]
struct Mode {
    name: &'static str,
    /// The values file the tests render the mode with, in the chart's directory.
    values: &'static str,
}

const SQLITE: Mode = Mode {
    name: "sqlite",
    values: "ci/sqlite-values.yaml",
};
const COSMOS: Mode = Mode {
    name: "cosmos",
    values: "ci/cosmos-values.yaml",
};
const MODES: [Mode; 2] = [SQLITE, COSMOS];

/// Kinds from the Prometheus Operator's CRDs: kubernetes-validate has no schema for them, so
/// `monitoring_objects_match_the_files_beside_the_chart` checks them.
const CUSTOM_KINDS: [&str; 2] = ["ServiceMonitor", "PrometheusRule"];

/// The metrics contract (src/telemetry/metrics.rs): what dashboards and alerts may rely on.
const COUNTERS_AND_GAUGES: [&str; 12] = [
    "orchestrator_orchestrations_started_total",
    "orchestrator_orchestrations_completed_total",
    "orchestrator_orchestrations_in_flight",
    "orchestrator_task_attempts_total",
    "orchestrator_task_retries_total",
    "orchestrator_review_decisions_total",
    "orchestrator_pii_redactions_total",
    "orchestrator_store_errors_total",
    "orchestrator_leases_taken_over_total",
    "orchestrator_grpc_requests_total",
    "orchestrator_agent_tokens_total",
    "orchestrator_build_info",
];
const HISTOGRAMS: [&str; 6] = [
    "orchestrator_orchestration_duration_seconds",
    "orchestrator_task_duration_seconds",
    "orchestrator_review_duration_seconds",
    "orchestrator_event_log_commit_seconds",
    "orchestrator_event_log_batch_events",
    "orchestrator_grpc_request_duration_seconds",
];
const HISTOGRAM_SERIES: [&str; 3] = ["_bucket", "_sum", "_count"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn chart() -> PathBuf {
    root().join("charts/orchestrator")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Runs `command`; fails the test with its output unless it succeeds. Returns its stdout.
fn succeed(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}",
        output.status,
        printed(&output)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Helm with its state under target/ and no kubeconfig: nothing it does here reaches a cluster.
fn helm_command() -> Command {
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("helm-home");
    let mut command = Command::new(helm());
    command
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env("KUBECONFIG", home.join("no-kubeconfig"));
    command
}

/// `helm template` of the chart, with a values file of the chart's directory and more arguments.
fn template(values: Option<&str>, extra: &[&str]) -> Output {
    let mut command = helm_command();
    command.arg("template").arg(RELEASE).arg(chart()).args([
        "--namespace",
        NAMESPACE,
        "--kube-version",
        KUBERNETES_VERSION,
    ]);
    if let Some(values) = values {
        command.arg("--values").arg(chart().join(values));
    }
    command.args(extra);
    command.output().expect("run helm template")
}

/// The mode's rendered manifests.
fn render(mode: Mode) -> String {
    let output = template(Some(mode.values), &[]);
    assert!(
        output.status.success(),
        "helm template ({} mode) failed:\n{}",
        mode.name,
        printed(&output)
    );
    String::from_utf8(output.stdout).expect("UTF-8 manifests")
}

/// The objects of a multi-document YAML stream.
fn documents(yaml: &str) -> Vec<Value> {
    serde_norway::Deserializer::from_str(yaml)
        .map(|document| Value::deserialize(document).expect("helm renders valid YAML"))
        .filter(|document| !document.is_null())
        .collect()
}

fn all_of<'a>(objects: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objects.iter().filter(|o| o["kind"] == kind).collect()
}

/// The one object of `kind`.
fn the<'a>(objects: &'a [Value], kind: &str) -> &'a Value {
    let found = all_of(objects, kind);
    assert_eq!(found.len(), 1, "expected one {kind}, found {found:?}");
    found[0]
}

fn named<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} named {name}"))
}

fn fullname() -> String {
    format!("{RELEASE}-orchestrator")
}

/// The settings file of the settings ConfigMap.
fn settings_toml(objects: &[Value]) -> String {
    let config_map = named(objects, "ConfigMap", &format!("{}-settings", fullname()));
    config_map["data"]["settings.toml"]
        .as_str()
        .expect("settings.toml in the settings ConfigMap")
        .to_owned()
}

fn settings(objects: &[Value]) -> toml::Table {
    settings_toml(objects)
        .parse()
        .expect("the settings ConfigMap holds TOML")
}

/// A string setting by its path, if set.
fn setting<'a>(settings: &'a toml::Table, path: &[&str]) -> Option<&'a str> {
    let (first, rest) = path.split_first()?;
    let mut value = settings.get(*first)?;
    for key in rest {
        value = value.get(*key)?;
    }
    value.as_str()
}

/// The kind of the mode's workload.
fn pod_kind(mode: Mode) -> &'static str {
    match mode.name {
        "sqlite" => "StatefulSet",
        _ => "Deployment",
    }
}

/// The pod spec of the mode's workload.
fn pod_spec(objects: &[Value], mode: Mode) -> &Value {
    &the(objects, pod_kind(mode))["spec"]["template"]["spec"]
}

fn container(pod: &Value) -> &Value {
    let containers = pod["containers"].as_sequence().expect("containers");
    assert_eq!(containers.len(), 1, "one container: {containers:?}");
    &containers[0]
}

fn list<'a>(value: &'a Value, what: &str) -> &'a [Value] {
    value
        .as_sequence()
        .unwrap_or_else(|| panic!("{what} is not a list: {value:?}"))
}

/// A container environment variable's plain value.
fn env_value<'a>(container: &'a Value, name: &str) -> &'a str {
    list(&container["env"], "env")
        .iter()
        .find(|variable| variable["name"] == name)
        .and_then(|variable| variable["value"].as_str())
        .unwrap_or_else(|| panic!("no plain {name} in the container's env"))
}

fn seconds(duration: &str) -> u64 {
    duration
        .strip_suffix('s')
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{duration:?} is not whole seconds"))
}

/// `orchestrator serve --check-config` on a settings file, with no ORCHESTRATOR_* variable of
/// the calling shell.
fn check_config(settings: &str) -> Output {
    let file = tempfile::NamedTempFile::new().expect("temporary file");
    std::fs::write(file.path(), settings).expect("write the settings");
    let mut command = Command::new(BINARY);
    command
        .args(["serve", "--check-config", "--config"])
        .arg(file.path());
    for (key, _) in std::env::vars() {
        if key.starts_with("ORCHESTRATOR_") {
            command.env_remove(key);
        }
    }
    command
        .output()
        .expect("run orchestrator serve --check-config")
}

#[test]
fn the_chart_lints_in_both_modes() {
    for mode in MODES {
        let output = helm_command()
            .args(["lint", "--strict"])
            .arg(chart())
            .arg("--values")
            .arg(chart().join(mode.values))
            .output()
            .expect("run helm lint");
        assert!(
            output.status.success(),
            "helm lint ({} mode):\n{}",
            mode.name,
            printed(&output)
        );
    }
}

#[test]
fn every_rendered_object_is_valid_kubernetes() {
    let chart_yaml: Value = serde_norway::from_str(&read(&chart().join("Chart.yaml"))).unwrap();
    let (validated, _) = KUBERNETES_VERSION.rsplit_once('.').unwrap();
    assert_eq!(
        chart_yaml["kubeVersion"],
        format!(">={KUBERNETES_VERSION}-0"),
        "the tests validate against the oldest version the chart supports"
    );
    let validate = python_tool("kubernetes-validate");
    for mode in MODES {
        let rendered = render(mode);
        let objects = documents(&rendered);
        assert!(
            objects.len() >= 5,
            "{} mode rendered {objects:?}",
            mode.name
        );
        let file = tempfile::Builder::new()
            .suffix(".yaml")
            .tempfile()
            .expect("temporary file");
        std::fs::write(file.path(), rendered.as_bytes()).expect("write the manifests");
        let output = Command::new(validate.as_path())
            .args(["--strict", "--kubernetes-version", KUBERNETES_VERSION])
            .arg(file.path())
            .output()
            .expect("run kubernetes-validate");
        let report = printed(&output);
        assert!(
            output.status.success(),
            "kubernetes-validate ({} mode):\n{report}",
            mode.name
        );
        // It only warns about kinds it has no schema for: each object must say it passed.
        for object in &objects {
            let kind = object["kind"].as_str().expect("every object has a kind");
            let name = object["metadata"]["name"]
                .as_str()
                .expect("every object has a name");
            if CUSTOM_KINDS.contains(&kind) {
                continue;
            }
            let passed = format!(
                "passed for resource {}/{name} against version {validated}",
                kind.to_lowercase()
            );
            assert!(
                report.contains(&passed),
                "{kind} {name} ({} mode) was not validated:\n{report}",
                mode.name
            );
        }
        for warning in report.lines().filter(|line| line.starts_with("WARN")) {
            assert!(
                CUSTOM_KINDS
                    .iter()
                    .any(|kind| warning.contains(&format!("kind {kind} "))),
                "kubernetes-validate ({} mode) warned: {warning}",
                mode.name
            );
        }
    }
}

#[test]
fn sqlite_mode_is_one_replica_on_a_volume() {
    let objects = documents(&render(SQLITE));
    assert!(all_of(&objects, "Deployment").is_empty());
    assert!(all_of(&objects, "HorizontalPodAutoscaler").is_empty());
    let set = the(&objects, "StatefulSet");
    assert_eq!(set["spec"]["replicas"].as_u64(), Some(1));
    let claim = &list(&set["spec"]["volumeClaimTemplates"], "volumeClaimTemplates")[0];
    assert_eq!(claim["metadata"]["name"], "data");
    assert_eq!(claim["spec"]["resources"]["requests"]["storage"], "20Gi");
    let governing = named(
        &objects,
        "Service",
        set["spec"]["serviceName"].as_str().unwrap(),
    );
    assert_eq!(governing["spec"]["clusterIP"], "None");

    let pod = pod_spec(&objects, SQLITE);
    let container = container(pod);
    let settings = settings(&objects);
    assert_eq!(setting(&settings, &["storage", "backend"]), Some("sqlite"));
    let data_dir = setting(&settings, &["storage", "data_dir"]).unwrap();
    assert!(
        list(&container["volumeMounts"], "volumeMounts")
            .iter()
            .any(|m| m["name"] == "data" && m["mountPath"] == data_dir),
        "the claim is mounted at the data directory"
    );
    // No pod volume shadows the claim.
    assert!(
        !list(&pod["volumes"], "volumes")
            .iter()
            .any(|v| v["name"] == "data")
    );

    // TLS is off: readiness is the kubelet's gRPC probe on the gRPC port.
    let listen = setting(&settings, &["server", "listen"]).unwrap();
    let grpc_port: u64 = listen.rsplit_once(':').unwrap().1.parse().unwrap();
    assert_eq!(
        container["readinessProbe"]["grpc"]["port"].as_u64(),
        Some(grpc_port)
    );
    assert!(container["readinessProbe"]["httpGet"].is_null());
}

#[test]
fn cosmos_mode_is_replicas_sharing_secrets() {
    let objects = documents(&render(COSMOS));
    assert!(all_of(&objects, "StatefulSet").is_empty());
    let deployment = the(&objects, "Deployment");
    // The autoscaler owns the replica count.
    assert!(deployment["spec"]["replicas"].is_null());
    let autoscaler = the(&objects, "HorizontalPodAutoscaler");
    assert_eq!(autoscaler["spec"]["scaleTargetRef"]["kind"], "Deployment");
    assert_eq!(
        autoscaler["spec"]["scaleTargetRef"]["name"],
        deployment["metadata"]["name"]
    );
    assert_eq!(autoscaler["spec"]["minReplicas"].as_u64(), Some(3));

    let pod = pod_spec(&objects, COSMOS);
    let container = container(pod);
    let settings = settings(&objects);
    assert_eq!(setting(&settings, &["storage", "backend"]), Some("cosmos"));
    // The account key comes from the Secret, into the variable the settings name.
    let key_env = setting(&settings, &["storage", "cosmos", "key_env"]).unwrap();
    let key = list(&container["env"], "env")
        .iter()
        .find(|variable| variable["name"] == key_env)
        .unwrap_or_else(|| panic!("no {key_env} in the container's env"));
    assert_eq!(
        key["valueFrom"]["secretKeyRef"]["name"],
        "orchestrator-cosmos"
    );
    assert_eq!(key["valueFrom"]["secretKeyRef"]["key"], "account-key");
    // Every replica keys pseudonyms with the same secret.
    assert!(setting(&settings, &["review", "pseudonym_key_file"]).is_some());
    // The data directory is scratch space: the root filesystem is read-only.
    let data = list(&pod["volumes"], "volumes")
        .iter()
        .find(|v| v["name"] == "data")
        .expect("a data volume");
    assert!(data["emptyDir"].is_mapping(), "{data:?}");

    // TLS is on: the kubelet's gRPC probe cannot speak it, so readiness asks the admin port.
    assert!(setting(&settings, &["server", "tls", "cert_file"]).is_some());
    assert!(container["readinessProbe"]["grpc"].is_null());
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert_eq!(container["readinessProbe"]["httpGet"]["port"], "admin");
}

#[test]
fn pods_are_locked_down_and_agree_with_their_settings() {
    for mode in MODES {
        let objects = documents(&render(mode));
        let settings = settings(&objects);
        let pod = pod_spec(&objects, mode);
        let container = container(pod);
        let context = format!("{} mode", mode.name);

        assert_eq!(
            pod["securityContext"]["runAsNonRoot"].as_bool(),
            Some(true),
            "{context}"
        );
        assert!(
            pod["securityContext"]["runAsUser"]
                .as_u64()
                .is_some_and(|uid| uid != 0),
            "{context}"
        );
        let security = &container["securityContext"];
        assert_eq!(
            security["readOnlyRootFilesystem"].as_bool(),
            Some(true),
            "{context}"
        );
        assert_eq!(
            security["allowPrivilegeEscalation"].as_bool(),
            Some(false),
            "{context}"
        );
        assert_eq!(security["runAsNonRoot"].as_bool(), Some(true), "{context}");
        assert!(
            list(&security["capabilities"]["drop"], "capabilities.drop")
                .iter()
                .any(|c| c == "ALL"),
            "{context}"
        );
        assert!(container["resources"]["requests"].is_mapping(), "{context}");
        assert!(
            container["resources"]["limits"]["memory"].is_string(),
            "{context}"
        );

        // The settings file is the mounted ConfigMap.
        let args: Vec<&str> = list(&container["args"], "args")
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(
            args,
            [
                "serve",
                "--config",
                "/etc/orchestrator/config/settings.toml"
            ],
            "{context}"
        );
        let mounts = list(&container["volumeMounts"], "volumeMounts");
        let volumes = list(&pod["volumes"], "volumes");
        let settings_mount = mounts
            .iter()
            .find(|m| m["mountPath"] == "/etc/orchestrator/config")
            .expect("the settings are mounted");
        let settings_volume = volumes
            .iter()
            .find(|v| v["name"] == settings_mount["name"])
            .expect("the settings volume");
        assert_eq!(
            settings_volume["configMap"]["name"],
            format!("{}-settings", fullname()),
            "{context}"
        );

        // The image sets these variables, and variables override the file: the pod sets them
        // to what the file says.
        for (variable, path) in [
            ("ORCHESTRATOR_SERVER__LISTEN", ["server", "listen"]),
            (
                "ORCHESTRATOR_SERVER__ADMIN_LISTEN",
                ["server", "admin_listen"],
            ),
            ("ORCHESTRATOR_STORAGE__DATA_DIR", ["storage", "data_dir"]),
        ] {
            assert_eq!(
                Some(env_value(container, variable)),
                setting(&settings, &path),
                "{context}: {variable}"
            );
        }
        let data_dir = setting(&settings, &["storage", "data_dir"]).unwrap();
        for writable in [data_dir, "/tmp"] {
            assert!(
                mounts.iter().any(|m| m["mountPath"] == writable),
                "{context}: {writable} is not a volume, and the root filesystem is read-only"
            );
        }

        // The grace period covers the drain and the ~9 s after it.
        let drain = seconds(setting(&settings, &["server", "drain_timeout"]).unwrap());
        let grace = pod["terminationGracePeriodSeconds"].as_u64().unwrap();
        assert_eq!(grace, drain + 15, "{context}");

        // Liveness asks whether the process answers, on the admin port.
        assert_eq!(
            container["livenessProbe"]["httpGet"]["path"], "/healthz",
            "{context}"
        );
        assert_eq!(
            container["livenessProbe"]["httpGet"]["port"], "admin",
            "{context}"
        );

        // The Service: gRPC with appProtocol grpc on the listen port, and the admin port.
        let port_of =
            |address: &str| -> u64 { address.rsplit_once(':').unwrap().1.parse().unwrap() };
        let grpc_port = port_of(setting(&settings, &["server", "listen"]).unwrap());
        let admin_port = port_of(setting(&settings, &["server", "admin_listen"]).unwrap());
        let service = named(&objects, "Service", &fullname());
        let ports = list(&service["spec"]["ports"], "ports");
        let grpc = ports
            .iter()
            .find(|p| p["name"] == "grpc")
            .expect("a grpc port");
        assert_eq!(grpc["appProtocol"], "grpc", "{context}");
        assert_eq!(grpc["port"].as_u64(), Some(grpc_port), "{context}");
        let admin = ports
            .iter()
            .find(|p| p["name"] == "admin")
            .expect("an admin port");
        assert_eq!(admin["port"].as_u64(), Some(admin_port), "{context}");
        let container_ports = list(&container["ports"], "ports");
        for (name, port) in [("grpc", grpc_port), ("admin", admin_port)] {
            assert!(
                container_ports
                    .iter()
                    .any(|p| p["name"] == name && p["containerPort"].as_u64() == Some(port)),
                "{context}: container port {name}"
            );
        }

        // A PodDisruptionBudget over these pods.
        let budget = the(&objects, "PodDisruptionBudget");
        let pod_labels = &the(&objects, pod_kind(mode))["spec"]["template"]["metadata"]["labels"];
        for (key, value) in budget["spec"]["selector"]["matchLabels"]
            .as_mapping()
            .expect("matchLabels")
        {
            assert_eq!(&pod_labels[key.as_str().unwrap()], value, "{context}");
        }

        // Every file the settings name is in a directory mounted from a Secret that provides
        // it (TLS, client CA, JWKS, pseudonym key).
        let files: [&[&str]; 5] = [
            &["server", "tls", "cert_file"],
            &["server", "tls", "key_file"],
            &["server", "tls", "client_ca_file"],
            &["auth", "jwt", "jwks_file"],
            &["review", "pseudonym_key_file"],
        ];
        for path in files {
            let Some(file) = setting(&settings, path) else {
                continue;
            };
            let file = Path::new(file);
            let mount = mounts
                .iter()
                .find(|m| m["mountPath"].as_str().map(Path::new) == file.parent())
                .unwrap_or_else(|| {
                    panic!("{context}: {} is in no mounted directory", file.display())
                });
            let volume = volumes
                .iter()
                .find(|v| v["name"] == mount["name"])
                .expect("the mount's volume");
            let file_name = file.file_name().unwrap().to_str().unwrap();
            assert!(
                list(&volume["secret"]["items"], "secret items")
                    .iter()
                    .any(|item| item["path"] == file_name),
                "{context}: the Secret volume {volume:?} does not provide {}",
                file.display()
            );
        }
    }
}

#[test]
fn the_rendered_settings_pass_check_config() {
    let mut cases: Vec<(String, String)> = MODES
        .iter()
        .map(|mode| {
            (
                format!("{} mode", mode.name),
                settings_toml(&documents(&render(*mode))),
            )
        })
        .collect();
    // Authentication off, said to be deliberate.
    let insecure = template(
        None,
        &["--set", "auth.mode=off", "--set", "server.insecure=true"],
    );
    assert!(insecure.status.success(), "{}", printed(&insecure));
    let insecure = String::from_utf8(insecure.stdout).unwrap();
    cases.push((
        "authentication off, server.insecure".into(),
        settings_toml(&documents(&insecure)),
    ));

    for (case, settings) in &cases {
        let output = check_config(settings);
        assert!(
            output.status.success(),
            "orchestrator serve --check-config refused the settings of {case}:\n{}\n--- settings:\n{settings}",
            printed(&output)
        );
    }
    // The check is real: the same files with authentication off (and server.insecure unset)
    // are refused, naming the setting.
    for (case, settings) in &cases[..2] {
        let broken = settings.replace("mode = \"required\"", "mode = \"off\"");
        assert_ne!(&broken, settings, "{case}: no auth.mode line to change");
        let output = check_config(&broken);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{case} with auth.mode off was not refused:\n{}",
            printed(&output)
        );
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("auth.mode"),
            "{}",
            printed(&output)
        );
    }
}

#[test]
fn the_chart_refuses_what_the_server_would() {
    let cosmos_without_pseudonym_key = [
        "--set",
        "mode=cosmos",
        "--set",
        "storage.cosmos.endpoint=https://account.documents.azure.com:443/",
        "--set",
        "storage.cosmos.existingSecret=cosmos",
    ];
    let cases: [(Option<&str>, &[&str], &str); 6] = [
        // The defaults: listening on 0.0.0.0, authentication must be an explicit choice.
        (None, &[], "auth.mode is \"required\" but no credential"),
        (None, &["--set", "auth.mode=off"], "server.insecure=true"),
        (
            Some(COSMOS.values),
            &["--set", "review.pseudonymKey.existingSecret="],
            "review.pseudonymKey.existingSecret",
        ),
        (
            Some(SQLITE.values),
            &cosmos_without_pseudonym_key,
            "review.pseudonymKey.existingSecret",
        ),
        (
            Some(SQLITE.values),
            &["--set", "autoscaling.enabled=true"],
            "autoscaling needs mode cosmos",
        ),
        // values.schema.json
        (Some(SQLITE.values), &["--set", "mode=mysql"], "/mode"),
    ];
    for (values, extra, expected) in cases {
        let output = template(values, extra);
        assert!(
            !output.status.success(),
            "helm template {values:?} {extra:?} rendered:\n{}",
            printed(&output)
        );
        assert!(
            printed(&output).contains(expected),
            "helm template {values:?} {extra:?} did not say {expected:?}:\n{}",
            printed(&output)
        );
    }
}

#[test]
fn the_notes_say_how_to_try_it() {
    for (mode, line) in [
        (
            SQLITE,
            "grpcurl -plaintext 127.0.0.1:50051 grpc.health.v1.Health/Check",
        ),
        (COSMOS, "grpcurl -cacert ca.pem"),
    ] {
        // A client-side dry run renders NOTES.txt (`helm template` does not) without a cluster.
        let output = helm_command()
            .args(["install", RELEASE])
            .arg(chart())
            .args(["--namespace", NAMESPACE, "--dry-run=client", "--values"])
            .arg(chart().join(mode.values))
            .output()
            .expect("run helm install --dry-run=client");
        let all = printed(&output);
        assert!(output.status.success(), "{} mode:\n{all}", mode.name);
        let (_, notes) = all
            .split_once("NOTES:")
            .unwrap_or_else(|| panic!("{} mode: no NOTES in\n{all}", mode.name));
        assert!(
            notes.contains(line),
            "{} mode: {line:?} not in\n{notes}",
            mode.name
        );
        assert!(
            notes.contains("terminationGracePeriodSeconds is"),
            "{notes}"
        );
    }
}

#[test]
fn monitoring_objects_match_the_files_beside_the_chart() {
    let objects = documents(&render(COSMOS));
    let settings = settings(&objects);

    let monitor = the(&objects, "ServiceMonitor");
    assert_eq!(monitor["apiVersion"], "monitoring.coreos.com/v1");
    let endpoints = list(&monitor["spec"]["endpoints"], "endpoints");
    assert_eq!(endpoints.len(), 1);
    assert_eq!(endpoints[0]["port"], "admin");
    assert_eq!(endpoints[0]["path"], "/metrics");
    // It selects the Service whose port of that name is the admin listener's.
    let service = named(&objects, "Service", &fullname());
    for (key, value) in monitor["spec"]["selector"]["matchLabels"]
        .as_mapping()
        .expect("matchLabels")
    {
        assert_eq!(&service["metadata"]["labels"][key.as_str().unwrap()], value);
    }
    let admin_listen = setting(&settings, &["server", "admin_listen"]).unwrap();
    let admin_port: u64 = admin_listen.rsplit_once(':').unwrap().1.parse().unwrap();
    assert!(
        list(&service["spec"]["ports"], "ports")
            .iter()
            .any(|p| p["name"] == "admin" && p["port"].as_u64() == Some(admin_port))
    );

    let rule = the(&objects, "PrometheusRule");
    assert_eq!(rule["apiVersion"], "monitoring.coreos.com/v1");
    let file: Value =
        serde_norway::from_str(&read(&chart().join("alerts/orchestrator.rules.yaml"))).unwrap();
    assert!(!list(&file["groups"], "groups").is_empty());
    assert_eq!(rule["spec"]["groups"], file["groups"]);

    let dashboard = named(&objects, "ConfigMap", &format!("{}-dashboard", fullname()));
    let rendered: serde_json::Value =
        serde_json::from_str(dashboard["data"]["orchestrator.json"].as_str().unwrap())
            .expect("the dashboard ConfigMap holds JSON");
    let file: serde_json::Value =
        serde_json::from_str(&read(&chart().join("dashboards/orchestrator.json"))).unwrap();
    assert_eq!(rendered, file);
}

#[test]
fn the_image_is_the_release_binary_run_by_an_unprivileged_user() {
    let dockerfile = root().join("Dockerfile");
    succeed(Command::new(python_tool("hadolint")).arg(dockerfile.as_path()));
    let stages = stages(&read(&dockerfile));
    assert!(stages.len() >= 2, "a multi-stage build: {stages:?}");
    let build = &stages[0];
    let build_name = build.name.as_deref().expect("the build stage is named");
    assert!(
        build.instructions.iter().any(|i| i.keyword == "RUN"
            && i.args.contains("cargo build")
            && i.args.contains("--release")
            && i.args.contains("--locked")),
        "the build stage builds the release binary: {build:?}"
    );
    // Every workspace member's sources reach the build, or `cargo build --locked` fails there
    // and nowhere else (no test here runs a Docker engine).
    let copied: Vec<&str> = build
        .instructions
        .iter()
        .filter(|i| i.keyword == "COPY")
        .flat_map(|i| i.args.split_whitespace())
        .collect();
    for member in ["src", "crates", "build.rs", "proto", "Cargo.lock"] {
        assert!(
            copied.contains(&member),
            "the build stage does not copy {member}: {copied:?}"
        );
    }

    let runtime = stages.last().unwrap();
    assert!(
        runtime.base.contains("distroless") || runtime.base.contains("slim"),
        "the runtime base is slim or distroless: {}",
        runtime.base
    );
    let copy = runtime
        .instructions
        .iter()
        .find(|i| {
            i.keyword == "COPY"
                && i.args.contains(&format!("--from={build_name} "))
                && i.args.contains("/target/release/orchestrator ")
        })
        .unwrap_or_else(|| panic!("no COPY of the release binary from {build_name}: {runtime:?}"));
    let binary = copy.args.split_whitespace().next_back().unwrap();
    let entrypoint = last(runtime, "ENTRYPOINT");
    let entrypoint: Vec<String> =
        serde_json::from_str(&entrypoint.args).expect("ENTRYPOINT in exec form");
    assert_eq!(entrypoint[0], binary, "the entrypoint is the copied binary");

    // Numeric, so that Kubernetes' runAsNonRoot can verify it, and not root.
    let user = last(runtime, "USER");
    let uid = user.args.trim().split(':').next().unwrap();
    let uid: u64 = uid.parse().unwrap_or_else(|_| {
        panic!(
            "USER {} is not numeric: runAsNonRoot cannot verify a name",
            user.args
        )
    });
    assert_ne!(uid, 0, "the image runs as root");

    let env: Vec<(&str, &str)> = runtime
        .instructions
        .iter()
        .filter(|i| i.keyword == "ENV")
        .flat_map(|i| i.args.split_whitespace())
        .map(|pair| pair.split_once('=').expect("ENV in KEY=VALUE form"))
        .collect();
    let env_of = |key: &str| {
        env.iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("the image sets no {key}"))
    };
    assert_eq!(env_of("ORCHESTRATOR_SERVER__LISTEN"), "0.0.0.0:50051");
    assert_eq!(env_of("ORCHESTRATOR_SERVER__ADMIN_LISTEN"), "0.0.0.0:9464");
    let data_dir = env_of("ORCHESTRATOR_STORAGE__DATA_DIR");
    let volumes: Vec<String> =
        serde_json::from_str(&last(runtime, "VOLUME").args).expect("VOLUME in JSON form");
    assert!(
        volumes.iter().any(|v| v == data_dir),
        "the data directory {data_dir} is a volume: {volumes:?}"
    );

    // The chart runs the image's user, on the image's data directory.
    let values: Value = serde_norway::from_str(&read(&chart().join("values.yaml"))).unwrap();
    assert_eq!(
        values["podSecurityContext"]["runAsUser"].as_u64(),
        Some(uid)
    );
    assert_eq!(values["storage"]["dataDir"], data_dir);

    // The build context leaves target/ out (many GB).
    let ignore = read(&root().join(".dockerignore"));
    assert!(
        ignore
            .lines()
            .any(|line| line.trim().trim_end_matches('/') == "target"),
        ".dockerignore:\n{ignore}"
    );
}

#[derive(Debug)]
struct Instruction {
    keyword: String,
    args: String,
}

#[derive(Debug)]
struct Stage {
    base: String,
    name: Option<String>,
    instructions: Vec<Instruction>,
}

/// A Dockerfile's instructions, continuation lines joined, comments left out.
fn instructions(dockerfile: &str) -> Vec<Instruction> {
    let mut instructions = Vec::new();
    let mut current = String::new();
    for line in dockerfile.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(continued) = line.strip_suffix('\\') {
            current.push_str(continued);
            current.push(' ');
            continue;
        }
        current.push_str(line);
        current.push(' ');
        let (keyword, args) = current
            .split_once(char::is_whitespace)
            .expect("an instruction");
        instructions.push(Instruction {
            keyword: keyword.to_uppercase(),
            // A trailing space, so that a path can be matched whole with "path ".
            args: format!("{} ", args.trim()),
        });
        current.clear();
    }
    instructions
}

/// The build stages, each from its FROM on.
fn stages(dockerfile: &str) -> Vec<Stage> {
    let mut stages: Vec<Stage> = Vec::new();
    for instruction in instructions(dockerfile) {
        if instruction.keyword == "FROM" {
            let words: Vec<&str> = instruction
                .args
                .split_whitespace()
                .filter(|w| !w.starts_with("--"))
                .collect();
            let name = match words.as_slice() {
                [_, as_, name] if as_.eq_ignore_ascii_case("as") => Some(name.to_string()),
                _ => None,
            };
            stages.push(Stage {
                base: words[0].to_owned(),
                name,
                instructions: Vec::new(),
            });
        } else if let Some(stage) = stages.last_mut() {
            stage.instructions.push(instruction);
        }
    }
    stages
}

/// The stage's last instruction of a kind (the one that counts for USER, ENTRYPOINT, ...).
fn last<'a>(stage: &'a Stage, keyword: &str) -> &'a Instruction {
    stage
        .instructions
        .iter()
        .rfind(|i| i.keyword == keyword)
        .unwrap_or_else(|| panic!("no {keyword} in {stage:?}"))
}

/// Every series of the contract: counters and gauges by name, histograms by their series.
fn contract_series() -> BTreeSet<String> {
    let mut series: BTreeSet<String> = COUNTERS_AND_GAUGES.iter().map(|m| m.to_string()).collect();
    for histogram in HISTOGRAMS {
        for suffix in HISTOGRAM_SERIES {
            series.insert(format!("{histogram}{suffix}"));
        }
    }
    series
}

/// The orchestrator metric names a PromQL expression uses.
fn metrics_used(expr: &str) -> BTreeSet<&str> {
    expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|token| token.starts_with("orchestrator_"))
        .collect()
}

/// Fails unless `expr` uses orchestrator metrics, and only those of the contract.
fn assert_uses_the_contract(expr: &str, what: &str) {
    let contract = contract_series();
    let used = metrics_used(expr);
    assert!(
        !used.is_empty(),
        "{what} uses no orchestrator metric: {expr}"
    );
    for metric in used {
        assert!(
            contract.contains(metric),
            "{what} uses {metric}, which is not a contract series (histograms only as _bucket, _sum, _count): {expr}"
        );
    }
}

#[test]
fn promtool_accepts_the_alert_rules_and_their_tests() {
    let promtool = promtool();
    let alerts = chart().join("alerts");
    let checked = succeed(
        Command::new(promtool.as_path())
            .args(["check", "rules"])
            .arg(alerts.join("orchestrator.rules.yaml")),
    );
    assert!(checked.contains("SUCCESS"), "{checked}");
    // Each alert fires on what it should and not on its look-alikes.
    succeed(
        Command::new(promtool.as_path())
            .args(["test", "rules"])
            .arg(alerts.join("orchestrator.rules.test.yaml")),
    );

    let file: Value =
        serde_norway::from_str(&read(&alerts.join("orchestrator.rules.yaml"))).unwrap();
    let mut names = BTreeSet::new();
    for group in list(&file["groups"], "groups") {
        for rule in list(&group["rules"], "rules") {
            let name = rule["alert"].as_str().expect("alerting rules only");
            names.insert(name);
            assert_uses_the_contract(rule["expr"].as_str().unwrap(), name);
            assert!(rule["for"].is_string(), "{name} has no `for`");
            assert!(
                ["warning", "critical"]
                    .contains(&rule["labels"]["severity"].as_str().unwrap_or("")),
                "{name} has no severity"
            );
            for annotation in ["summary", "description"] {
                assert!(
                    rule["annotations"][annotation].is_string(),
                    "{name} has no {annotation}"
                );
            }
        }
    }
    for expected in [
        "OrchestratorGrpcErrorRateHigh",
        "OrchestratorTaskLatencyP99High",
        "OrchestratorStoreErrors",
        "OrchestratorOrchestrationsStuck",
    ] {
        assert!(names.contains(expected), "no {expected} in {names:?}");
    }
}

/// Every panel, those inside rows included.
fn panels<'a>(list: &'a serde_json::Value, into: &mut Vec<&'a serde_json::Value>) {
    for panel in list.as_array().map(Vec::as_slice).unwrap_or(&[]) {
        into.push(panel);
        panels(&panel["panels"], into);
    }
}

#[test]
fn the_dashboard_queries_contract_metrics_in_valid_promql() {
    let dashboard: serde_json::Value =
        serde_json::from_str(&read(&chart().join("dashboards/orchestrator.json")))
            .expect("the dashboard is JSON");
    assert!(dashboard["title"].is_string() && dashboard["uid"].is_string());
    let variables: Vec<&str> = dashboard["templating"]["list"]
        .as_array()
        .expect("template variables")
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    for variable in ["datasource", "namespace", "job"] {
        assert!(
            variables.contains(&variable),
            "no ${variable}: {variables:?}"
        );
    }

    let mut all = Vec::new();
    panels(&dashboard["panels"], &mut all);
    let mut queries: Vec<(String, &str)> = Vec::new();
    for panel in &all {
        let title = panel["title"].as_str().unwrap_or("?");
        for target in panel["targets"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            let expr = target["expr"]
                .as_str()
                .unwrap_or_else(|| panic!("panel {title:?} has a target without expr"));
            queries.push((format!("panel {title:?}"), expr));
        }
    }
    assert!(queries.len() >= 10, "{queries:?}");
    for (what, expr) in &queries {
        assert_uses_the_contract(expr, what);
    }
    // Every metric of the contract is on the dashboard.
    let used: BTreeSet<&str> = queries
        .iter()
        .flat_map(|(_, expr)| metrics_used(expr))
        .collect();
    for metric in COUNTERS_AND_GAUGES.iter().chain(HISTOGRAMS.iter()) {
        assert!(
            used.iter().any(|u| u
                .strip_prefix(*metric)
                .is_some_and(|rest| rest.is_empty() || HISTOGRAM_SERIES.contains(&rest))),
            "the dashboard does not show {metric}"
        );
    }

    // Every query parses: promtool checks them as recording rules, with Grafana's variables
    // filled in.
    let rules: Vec<serde_json::Value> = queries
        .iter()
        .enumerate()
        .map(|(index, (_, expr))| {
            let expr = expr
                .replace("$__rate_interval", "5m")
                .replace("$namespace", ".*")
                .replace("$job", ".*");
            json!({ "record": format!("dashboard:query_{index}"), "expr": expr })
        })
        .collect();
    let file = tempfile::Builder::new()
        .suffix(".json")
        .tempfile()
        .expect("temporary file");
    let groups = json!({ "groups": [{ "name": "dashboard", "rules": rules }] });
    std::fs::write(file.path(), groups.to_string()).expect("write the rules");
    succeed(
        Command::new(promtool())
            .args(["check", "rules"])
            .arg(file.path()),
    );
}
