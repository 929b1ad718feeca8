//! The agents the server calls, by name.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ClientTlsSettings;

/// One agent: its kind and the settings of that kind. Secrets are never written here: the
/// settings name the environment variable that holds them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum AgentSettings {
    /// Returns the rendered task input.
    Echo {
        #[serde(default = "enabled")]
        enabled: bool,
        #[serde(default)]
        description: String,
        #[serde(default)]
        max_concurrency: u32,
    },
    /// Deterministic behaviour from task params, for tests, demos and benchmarks.
    Mock {
        #[serde(default = "enabled")]
        enabled: bool,
        #[serde(default)]
        description: String,
        #[serde(default)]
        max_concurrency: u32,
    },
    /// POSTs JSON to `url`.
    Http {
        #[serde(default = "enabled")]
        enabled: bool,
        #[serde(default)]
        description: String,
        #[serde(default)]
        max_concurrency: u32,
        url: String,
        /// Extra request headers.
        #[serde(default)]
        headers: BTreeMap<String, String>,
        /// Environment variable holding a bearer token, sent as `Authorization: Bearer`.
        #[serde(default)]
        bearer_token_env: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tls: Option<ClientTlsSettings>,
    },
    /// OpenAI-compatible chat completions.
    Openai {
        #[serde(default = "enabled")]
        enabled: bool,
        #[serde(default)]
        description: String,
        #[serde(default)]
        max_concurrency: u32,
        /// `https://api.openai.com/v1`, `http://127.0.0.1:11434/v1` (Ollama), a vLLM server, or
        /// an Azure OpenAI resource (`https://<name>.openai.azure.com`).
        base_url: String,
        /// Required except for Azure deployments, whose deployment names the model.
        #[serde(default)]
        model: Option<String>,
        /// Environment variable holding the API key; unset for servers that need none.
        #[serde(default)]
        api_key_env: Option<String>,
        #[serde(default)]
        system_prompt: Option<String>,
        #[serde(default)]
        temperature: Option<f64>,
        #[serde(default)]
        max_tokens: Option<u32>,
        /// Azure OpenAI: the deployment; with it, `api_version` is required and the key goes in
        /// the `api-key` header.
        #[serde(default)]
        azure_deployment: Option<String>,
        #[serde(default)]
        api_version: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tls: Option<ClientTlsSettings>,
    },
    /// An external agent implementing `orchestrator.v1.AgentService`.
    Grpc {
        #[serde(default = "enabled")]
        enabled: bool,
        #[serde(default)]
        description: String,
        #[serde(default)]
        max_concurrency: u32,
        /// `http://host:port` (or `https://`, always TLS).
        endpoint: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tls: Option<ClientTlsSettings>,
    },
}

fn enabled() -> bool {
    true
}

impl AgentSettings {
    /// (enabled, description, max_concurrency), common to every kind.
    fn common(&self) -> (bool, &str, u32) {
        match self {
            AgentSettings::Echo {
                enabled,
                description,
                max_concurrency,
            }
            | AgentSettings::Mock {
                enabled,
                description,
                max_concurrency,
            }
            | AgentSettings::Http {
                enabled,
                description,
                max_concurrency,
                ..
            }
            | AgentSettings::Openai {
                enabled,
                description,
                max_concurrency,
                ..
            }
            | AgentSettings::Grpc {
                enabled,
                description,
                max_concurrency,
                ..
            } => (*enabled, description, *max_concurrency),
        }
    }

    pub fn enabled(&self) -> bool {
        self.common().0
    }

    pub fn description(&self) -> &str {
        self.common().1
    }

    /// Calls running at once across all orchestrations; 0 is unlimited.
    pub fn max_concurrency(&self) -> u32 {
        self.common().2
    }
}
