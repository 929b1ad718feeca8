//! The agents a task may name, built from the settings, each behind its own tower stack.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::builtin::{self, EchoAgent, MockAgent};
use super::grpc::GrpcAgent;
use super::http::HttpAgent;
use super::openai::{ApiKey, OpenAiAgent};
use super::{Agent, RegisteredAgent};
use crate::config::{AgentSettings, ClientTlsSettings};
use crate::secrets::redact_url;
use crate::tls::client::ClientTls;

#[derive(Debug, thiserror::Error)]
pub enum AgentConfigError {
    #[error("agent {name:?}: {reason}")]
    Invalid { name: String, reason: String },
}

fn invalid(name: &str, reason: impl Into<String>) -> AgentConfigError {
    AgentConfigError::Invalid {
        name: name.to_owned(),
        reason: reason.into(),
    }
}

/// A secret named by its environment variable; a named variable that is unset is a mistake
/// worth stopping for.
fn secret(name: &str, variable: &str) -> Result<String, AgentConfigError> {
    std::env::var(variable).map_err(|_| {
        invalid(
            name,
            format!("the environment variable {variable} is not set"),
        )
    })
}

/// A URL from the settings; errors show it with its credentials and query values hidden.
fn parse_url(name: &str, field: &str, url: &str) -> Result<reqwest::Url, AgentConfigError> {
    let shown = redact_url(url);
    let parsed =
        reqwest::Url::parse(url).map_err(|e| invalid(name, format!("{field} {shown:?}: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid(
            name,
            format!("{field} {shown:?} must be http:// or https://"),
        ));
    }
    Ok(parsed)
}

/// The agent's TLS material; TLS settings on a plain `http://` URL are a mistake, not a wish
/// for plaintext.
fn client_tls(
    name: &str,
    url: &reqwest::Url,
    settings: Option<&ClientTlsSettings>,
) -> Result<Option<ClientTls>, AgentConfigError> {
    let Some(settings) = settings else {
        return Ok(None);
    };
    if url.scheme() != "https" {
        return Err(invalid(
            name,
            format!(
                "tls is set but {:?} is not https://",
                redact_url(url.as_str())
            ),
        ));
    }
    ClientTls::from_settings(settings)
        .map(Some)
        .map_err(|e| invalid(name, format!("tls: {e}")))
}

/// The shared client, or one of the agent's own when it has TLS settings.
fn http_client(
    name: &str,
    shared: &reqwest::Client,
    tls: Option<&ClientTls>,
) -> Result<reqwest::Client, AgentConfigError> {
    match tls {
        None => Ok(shared.clone()),
        Some(tls) => tls
            .reqwest(client_builder())
            .map_err(|e| invalid(name, format!("tls: {e}")))?
            .build()
            .map_err(|e| invalid(name, format!("tls: {e}"))),
    }
}

fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().pool_idle_timeout(std::time::Duration::from_secs(90))
}

fn build(
    name: &str,
    settings: &AgentSettings,
    client: &reqwest::Client,
) -> Result<Arc<dyn Agent>, AgentConfigError> {
    Ok(match settings {
        AgentSettings::Echo { .. } => Arc::new(EchoAgent),
        AgentSettings::Mock { .. } => Arc::new(MockAgent),
        AgentSettings::Http {
            url,
            headers,
            bearer_token_env,
            tls,
            ..
        } => {
            let url = parse_url(name, "url", url)?;
            let tls = client_tls(name, &url, tls.as_ref())?;
            let client = http_client(name, client, tls.as_ref())?;
            let mut header_map = reqwest::header::HeaderMap::new();
            for (key, value) in headers {
                let key = reqwest::header::HeaderName::from_bytes(key.as_bytes())
                    .map_err(|e| invalid(name, format!("header {key:?}: {e}")))?;
                let mut value = reqwest::header::HeaderValue::from_str(value)
                    .map_err(|e| invalid(name, format!("header {key}: {e}")))?;
                // Configured headers often carry keys: out of HTTP/2 compression tables and
                // Debug output.
                value.set_sensitive(true);
                header_map.insert(key, value);
            }
            if let Some(variable) = bearer_token_env {
                let token = secret(name, variable)?;
                let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))
                    .map_err(|_| {
                        invalid(
                            name,
                            format!("{variable} holds characters a header cannot carry"),
                        )
                    })?;
                value.set_sensitive(true);
                header_map.insert(reqwest::header::AUTHORIZATION, value);
            }
            Arc::new(HttpAgent::new(client, url, header_map))
        }
        AgentSettings::Openai {
            base_url,
            model,
            api_key_env,
            system_prompt,
            temperature,
            max_tokens,
            azure_deployment,
            api_version,
            tls,
            ..
        } => {
            let base = base_url.trim_end_matches('/');
            let key = api_key_env
                .as_deref()
                .map(|variable| secret(name, variable))
                .transpose()?;
            let (url, key) = match azure_deployment {
                Some(deployment) => {
                    let version = api_version
                        .as_deref()
                        .ok_or_else(|| invalid(name, "azure_deployment needs api_version"))?;
                    let url = format!(
                        "{base}/openai/deployments/{deployment}/chat/completions?api-version={version}"
                    );
                    (url, key.map_or(ApiKey::None, ApiKey::Azure))
                }
                None => {
                    if model.is_none() {
                        return Err(invalid(
                            name,
                            "model is required (except for azure_deployment)",
                        ));
                    }
                    (
                        format!("{base}/chat/completions"),
                        key.map_or(ApiKey::None, ApiKey::Bearer),
                    )
                }
            };
            if let Some(t) = temperature
                && !(0.0..=2.0).contains(t)
            {
                return Err(invalid(name, format!("temperature {t} is outside [0, 2]")));
            }
            let url = parse_url(name, "base_url", &url)?;
            let tls = client_tls(name, &url, tls.as_ref())?;
            Arc::new(OpenAiAgent {
                client: http_client(name, client, tls.as_ref())?,
                url,
                key,
                model: model.clone(),
                system_prompt: system_prompt.clone(),
                temperature: *temperature,
                max_tokens: *max_tokens,
            })
        }
        AgentSettings::Grpc { endpoint, tls, .. } => {
            let url = parse_url(name, "endpoint", endpoint)?;
            let tls = client_tls(name, &url, tls.as_ref())?;
            let channel = crate::tls::client::endpoint(endpoint, tls.as_ref())
                .map_err(|e| invalid(name, format!("endpoint: {e}")))?
                .connect_timeout(std::time::Duration::from_secs(5))
                .connect_lazy();
            Arc::new(GrpcAgent::new(channel))
        }
    })
}

/// An agent known by its kind alone: what `plan validate` needs of the kinds that reach the
/// network. It is never called; a call would fail the task.
struct Unbuilt(&'static str);

#[async_trait::async_trait]
impl Agent for Unbuilt {
    fn kind(&self) -> &'static str {
        self.0
    }

    async fn invoke(
        &self,
        _request: super::AgentRequest,
    ) -> Result<super::AgentResponse, super::AgentError> {
        Err(super::AgentError::Fatal(
            "this agent was registered to check plans, not to run them".into(),
        ))
    }
}

/// The agent settings a server runs with: the configured ones, plus `echo` and `mock` unless
/// the settings name them (`--print-config` shows these).
pub fn with_builtins(
    settings: &BTreeMap<String, AgentSettings>,
) -> BTreeMap<String, AgentSettings> {
    let mut all = settings.clone();
    for (name, _) in builtin::DESCRIPTIONS {
        all.entry(name.to_owned()).or_insert_with(|| match name {
            "echo" => AgentSettings::Echo {
                enabled: true,
                description: String::new(),
                max_concurrency: 0,
            },
            _ => AgentSettings::Mock {
                enabled: true,
                description: String::new(),
                max_concurrency: 0,
            },
        });
    }
    all
}

#[derive(Debug, Clone, Default)]
pub struct AgentRegistry {
    agents: BTreeMap<String, RegisteredAgent>,
}

impl AgentRegistry {
    /// The configured agents, plus `echo` and `mock` unless the settings name them.
    pub fn from_settings(
        settings: &BTreeMap<String, AgentSettings>,
    ) -> Result<Self, AgentConfigError> {
        // One connection pool for every HTTP-based agent without TLS settings of its own.
        let client = client_builder()
            .build()
            .map_err(|e| AgentConfigError::Invalid {
                name: "(http client)".into(),
                reason: e.to_string(),
            })?;
        Self::register(settings, |name, agent| build(name, agent, &client))
    }

    /// The same names and kinds, for checking plans offline (`plan validate`): the built-in
    /// agents, whose params have rules, as they are, and the others by kind only. Building
    /// those would read their secrets and certificates, which the machine checking a plan
    /// need not have.
    pub fn for_plans(settings: &BTreeMap<String, AgentSettings>) -> Result<Self, AgentConfigError> {
        Self::register(settings, |_, agent| {
            Ok(match agent {
                AgentSettings::Echo { .. } => Arc::new(EchoAgent),
                AgentSettings::Mock { .. } => Arc::new(MockAgent),
                AgentSettings::Http { .. } => Arc::new(Unbuilt("http")),
                AgentSettings::Openai { .. } => Arc::new(Unbuilt("openai")),
                AgentSettings::Grpc { .. } => Arc::new(Unbuilt("grpc")),
            })
        })
    }

    /// Every enabled agent of the settings (the built-in ones included), made by `make`.
    fn register(
        settings: &BTreeMap<String, AgentSettings>,
        make: impl Fn(&str, &AgentSettings) -> Result<Arc<dyn Agent>, AgentConfigError>,
    ) -> Result<Self, AgentConfigError> {
        let mut agents = BTreeMap::new();
        for (name, agent_settings) in with_builtins(settings) {
            if !agent_settings.enabled() {
                continue;
            }
            if !crate::model::validation::is_valid_id(&name, 63) {
                return Err(AgentConfigError::Invalid {
                    name,
                    reason: "agent names use 1 to 63 letters, digits, '-' or '_'".into(),
                });
            }
            let agent = make(&name, &agent_settings)?;
            let kind = agent.kind();
            let description = match agent_settings.description() {
                "" => builtin::DESCRIPTIONS
                    .iter()
                    .find(|(builtin, _)| *builtin == kind)
                    .map(|(_, text)| (*text).to_owned())
                    .unwrap_or_default(),
                text => text.to_owned(),
            };
            let registered =
                RegisteredAgent::new(&name, agent, description, agent_settings.max_concurrency());
            agents.insert(name, registered);
        }
        Ok(Self { agents })
    }

    pub fn get(&self, name: &str) -> Option<&RegisteredAgent> {
        self.agents.get(name)
    }

    pub fn names(&self) -> Vec<String> {
        self.agents.keys().cloned().collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = &RegisteredAgent> {
        self.agents.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_are_present_without_settings_and_can_be_disabled() {
        let registry = AgentRegistry::from_settings(&BTreeMap::new()).unwrap();
        assert_eq!(registry.names(), ["echo", "mock"]);
        assert_eq!(registry.get("mock").unwrap().kind, "mock");

        let mut settings = BTreeMap::new();
        settings.insert(
            "mock".to_owned(),
            AgentSettings::Mock {
                enabled: false,
                description: String::new(),
                max_concurrency: 0,
            },
        );
        settings.insert(
            "shouter".to_owned(),
            AgentSettings::Echo {
                enabled: true,
                description: "Echo, limited".into(),
                max_concurrency: 2,
            },
        );
        let registry = AgentRegistry::from_settings(&settings).unwrap();
        assert_eq!(registry.names(), ["echo", "shouter"]);
        let shouter = registry.get("shouter").unwrap();
        assert_eq!(shouter.description, "Echo, limited");
        assert_eq!(shouter.limit.as_ref().unwrap().available_permits(), 2);
    }
}
