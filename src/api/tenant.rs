//! The caller of a request and its tenant, as the edge's auth layer decided them
//! ([`super::auth`]); services never read `x-tenant-id` themselves.

use tonic::Request;

use super::ApiError;
use super::auth::Caller;
use crate::model::TenantId;

pub fn caller_of<T>(request: &Request<T>) -> Result<&Caller, ApiError> {
    request
        .extensions()
        .get::<Caller>()
        // Every service sits behind the auth layer; a call without a caller is refused rather
        // than served in some default tenant.
        .ok_or_else(|| ApiError::Internal("the call reached a service unauthenticated".into()))
}

pub fn tenant_of<T>(request: &Request<T>) -> Result<TenantId, ApiError> {
    caller_of(request).map(|caller| caller.tenant.clone())
}
