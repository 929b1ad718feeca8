//! The caller's tenant, from the `x-tenant-id` request metadata (default: `default`).

use tonic::Request;

use super::ApiError;
use crate::model::TenantId;

pub const TENANT_HEADER: &str = "x-tenant-id";

pub fn tenant_of<T>(request: &Request<T>) -> Result<TenantId, ApiError> {
    let Some(value) = request.metadata().get(TENANT_HEADER) else {
        return Ok(TenantId::default_tenant());
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::invalid_field("request metadata", TENANT_HEADER, "must be ASCII"))?;
    TenantId::new(text).map_err(|error| {
        ApiError::invalid_field("request metadata", TENANT_HEADER, error.to_string())
    })
}
