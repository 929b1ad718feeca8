//! API keys made for a test server: each bound to a tenant and roles in the settings, and
//! requests that present them.

use std::collections::BTreeMap;

use orchestrator::api::pb;
use orchestrator::auth::Role;
use orchestrator::config::{ApiKeySettings, AuthMode, Settings};

use super::TestServer;
use tonic::Request;
use tonic::metadata::MetadataValue;

/// Keys by name.
#[derive(Default)]
pub struct Keyring {
    keys: BTreeMap<String, String>,
}

impl Keyring {
    /// Adds a key named `name` for `tenant` with `roles` to `settings` (turning authentication
    /// on), and keeps the key.
    pub fn add(&mut self, settings: &mut Settings, name: &str, tenant: &str, roles: &[Role]) {
        let (key, sha256) = orchestrator::auth::api_key::generate().expect("a key");
        settings.auth.mode = AuthMode::Required;
        settings.auth.api_keys.push(ApiKeySettings {
            name: name.into(),
            sha256,
            tenant: tenant.into(),
            roles: roles.to_vec(),
        });
        self.keys.insert(name.into(), key);
    }

    pub fn key(&self, name: &str) -> &str {
        &self.keys[name]
    }

    /// `message` presented with the key named `name`.
    pub fn request<T>(&self, name: &str, message: T) -> Request<T> {
        bearer(self.key(name), message)
    }

    /// Creates `criteria` in `server` with the key named `name`.
    pub async fn create_criteria(
        &self,
        server: &TestServer,
        name: &str,
        criteria: pb::ReviewCriteria,
    ) {
        server
            .criteria()
            .create_review_criteria(self.request(
                name,
                pb::CreateReviewCriteriaRequest {
                    criteria: Some(criteria),
                },
            ))
            .await
            .expect("the criteria are created");
    }

    /// Submits `spec` to `server` with the key named `name`; the orchestration's id.
    pub async fn submit(
        &self,
        server: &TestServer,
        name: &str,
        spec: pb::OrchestrationSpec,
    ) -> String {
        server
            .orchestrator()
            .submit_orchestration(self.request(
                name,
                pb::SubmitOrchestrationRequest {
                    request_id: String::new(),
                    spec: Some(spec),
                },
            ))
            .await
            .expect("the submission is accepted")
            .into_inner()
            .orchestration_id
    }

    /// The orchestration `id` as the key named `name` reads it.
    pub async fn get(&self, server: &TestServer, name: &str, id: &str) -> pb::OrchestrationResult {
        server
            .orchestrator()
            .get_orchestration(self.request(
                name,
                pb::GetOrchestrationRequest {
                    orchestration_id: id.into(),
                    view: 0,
                },
            ))
            .await
            .expect("the orchestration exists")
            .into_inner()
            .orchestration
            .expect("an orchestration in the response")
    }

    /// Polls, with the key named `name`, until the orchestration satisfies `done`; panics after
    /// 20 s.
    pub async fn wait_until(
        &self,
        server: &TestServer,
        name: &str,
        id: &str,
        done: impl Fn(&pb::OrchestrationResult) -> bool,
    ) -> pb::OrchestrationResult {
        super::poll_until(|| self.get(server, name, id), done).await
    }
}

/// `message` with `authorization: Bearer <token>`.
pub fn bearer<T>(token: &str, message: T) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        MetadataValue::try_from(format!("Bearer {token}")).expect("ascii token"),
    );
    request
}

/// `request` with an `x-tenant-id` added (appended: a second one makes it repeated).
pub fn naming_tenant<T>(mut request: Request<T>, tenant: &str) -> Request<T> {
    request.metadata_mut().append(
        "x-tenant-id",
        MetadataValue::try_from(tenant).expect("ascii tenant"),
    );
    request
}
