//! API keys made for a test server: each bound to a tenant and roles in the settings, and
//! requests that present them.

use std::collections::BTreeMap;

use orchestrator::auth::Role;
use orchestrator::config::{ApiKeySettings, AuthMode, Settings};
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
