//! `openai` agents: OpenAI-compatible chat completions (OpenAI, Azure OpenAI deployments,
//! vLLM, Ollama). The task input is the user message; the review's feedback, after a RETRY, is
//! a second one. Token usage is recorded.

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::json;

use super::http::{classify_status, classify_transport};
use super::{Agent, AgentError, AgentRequest, AgentResponse, TokenUsage};

/// How the endpoint wants its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiKey {
    None,
    /// `Authorization: Bearer <key>` (OpenAI, vLLM, most compatible servers).
    Bearer(String),
    /// `api-key: <key>` (Azure OpenAI).
    Azure(String),
}

pub struct OpenAiAgent {
    pub client: reqwest::Client,
    /// The full chat-completions URL, query included.
    pub url: reqwest::Url,
    pub key: ApiKey,
    pub model: Option<String>,
    pub system_prompt: Option<String>,
    pub temperature: Option<f64>,
    pub max_tokens: Option<u32>,
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    message: Message,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

#[async_trait]
impl Agent for OpenAiAgent {
    fn kind(&self) -> &'static str {
        "openai"
    }

    async fn invoke(&self, request: AgentRequest) -> Result<AgentResponse, AgentError> {
        let mut messages = Vec::new();
        if let Some(system) = &self.system_prompt {
            messages.push(json!({"role": "system", "content": system}));
        }
        messages.push(json!({"role": "user", "content": request.input.as_ref()}));
        if let Some(feedback) = request.review_feedback.as_deref()
            && !request.input.contains(feedback)
        {
            messages.push(json!({
                "role": "user",
                "content": format!("A review rejected the previous answer. Address this feedback: {feedback}"),
            }));
        }
        let mut body = json!({ "messages": messages });
        if let Some(model) = &self.model {
            body["model"] = json!(model);
        }
        if let Some(temperature) = self.temperature {
            body["temperature"] = json!(temperature);
        }
        if let Some(max_tokens) = self.max_tokens {
            body["max_tokens"] = json!(max_tokens);
        }
        let mut call = self
            .client
            .post(self.url.clone())
            .headers(super::http::trace_context())
            .json(&body);
        call = match &self.key {
            ApiKey::None => call,
            ApiKey::Bearer(key) => call.bearer_auth(key),
            ApiKey::Azure(key) => match reqwest::header::HeaderValue::from_str(key) {
                Ok(mut value) => {
                    value.set_sensitive(true);
                    call.header("api-key", value)
                }
                Err(_) => {
                    return Err(AgentError::Fatal(
                        "the API key holds characters a header cannot carry".into(),
                    ));
                }
            },
        };
        let response = call.send().await.map_err(classify_transport)?;
        let status = response.status();
        let text = response.text().await.map_err(classify_transport)?;
        if !status.is_success() {
            return Err(classify_status(status, &text));
        }
        let completion: Completion = serde_json::from_str(&text).map_err(|e| {
            AgentError::Fatal(format!("the model's answer is not a chat completion: {e}"))
        })?;
        let choice = completion
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| AgentError::Fatal("the model returned no choices".into()))?;
        let content = choice.message.content.unwrap_or_default();
        if content.trim().is_empty() {
            let reason = choice.finish_reason.unwrap_or_else(|| "unknown".into());
            return Err(AgentError::Fatal(format!(
                "the model returned an empty answer (finish reason: {reason})"
            )));
        }
        Ok(AgentResponse {
            output: content,
            confidence: None,
            usage: completion.usage.map(|u| TokenUsage {
                prompt_tokens: u.prompt_tokens,
                completion_tokens: u.completion_tokens,
            }),
        })
    }
}
