//! Authentication and authorization at the gRPC edge, as one tower layer.
//!
//! Every call but health checks (and reflection, when `server.reflection = "open"`) is
//! authenticated ([`crate::auth`]), checked against the role its RPC needs, and bound to a
//! tenant: the principal's own, or with the `admin` role the one `x-tenant-id` names. The
//! outcome travels to the services as a [`Caller`] request extension; they never read the
//! tenant header themselves. With `auth.mode = "off"` every caller is an anonymous admin and
//! `x-tenant-id` picks the tenant, as before authentication existed.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tonic::body::Body;

use super::ApiError;
use crate::auth::{
    AuthError, Authenticator, ClientIdentity, Credentials, Permission, Principal, Role,
};
use crate::config::{AuthMode, ReflectionAccess};
use crate::model::TenantId;
use crate::transport::Peer;

pub const TENANT_HEADER: &str = "x-tenant-id";
const AUTHORIZATION: &str = "authorization";
const HEALTH_PREFIX: &str = "/grpc.health.v1.Health/";
const REFLECTION_PREFIXES: [&str; 2] = [
    "/grpc.reflection.v1.ServerReflection/",
    "/grpc.reflection.v1alpha.ServerReflection/",
];
/// RPCs of this package that the table below does not name need `admin`: a new RPC is closed
/// until someone decides who may call it.
const OWN_PACKAGE_PREFIX: &str = "/orchestrator.v1.";

/// The permission each RPC needs.
pub const RPC_PERMISSIONS: &[(&str, Permission)] = &[
    (
        "/orchestrator.v1.OrchestratorService/Orchestrate",
        Permission::Submit,
    ),
    (
        "/orchestrator.v1.OrchestratorService/SubmitOrchestration",
        Permission::Submit,
    ),
    (
        "/orchestrator.v1.OrchestratorService/StreamStatus",
        Permission::View,
    ),
    (
        "/orchestrator.v1.OrchestratorService/GetOrchestration",
        Permission::View,
    ),
    (
        "/orchestrator.v1.OrchestratorService/ListOrchestrations",
        Permission::View,
    ),
    (
        "/orchestrator.v1.OrchestratorService/CancelOrchestration",
        Permission::Submit,
    ),
    (
        "/orchestrator.v1.OrchestratorService/ResolveEscalation",
        Permission::Review,
    ),
    (
        "/orchestrator.v1.OrchestratorService/ListAgents",
        Permission::View,
    ),
    (
        "/orchestrator.v1.OrchestratorService/GetCaller",
        Permission::View,
    ),
    (
        "/orchestrator.v1.ReviewCriteriaService/CreateReviewCriteria",
        Permission::ManageCriteria,
    ),
    (
        "/orchestrator.v1.ReviewCriteriaService/GetReviewCriteria",
        Permission::View,
    ),
    (
        "/orchestrator.v1.ReviewCriteriaService/ListReviewCriteria",
        Permission::View,
    ),
    (
        "/orchestrator.v1.ReviewCriteriaService/UpdateReviewCriteria",
        Permission::ManageCriteria,
    ),
    (
        "/orchestrator.v1.ReviewCriteriaService/DeleteReviewCriteria",
        Permission::ManageCriteria,
    ),
    (
        "/orchestrator.v1.ReviewCriteriaService/EvaluateReview",
        Permission::View,
    ),
];

/// Who is calling and for which tenant, as the services see it.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Arc<Principal>,
    pub tenant: TenantId,
}

/// What a path needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone: health, and reflection when open.
    Open,
    /// Valid credentials, whatever their roles.
    Authenticated,
    Needs(Permission),
    /// Only `admin`.
    Admin,
}

fn access(path: &str, reflection: ReflectionAccess) -> Access {
    if path.starts_with(HEALTH_PREFIX) {
        return Access::Open;
    }
    if REFLECTION_PREFIXES
        .iter()
        .any(|prefix| path.starts_with(prefix))
    {
        return match reflection {
            ReflectionAccess::Open => Access::Open,
            ReflectionAccess::Authenticated | ReflectionAccess::Off => Access::Authenticated,
        };
    }
    if let Some((_, permission)) = RPC_PERMISSIONS.iter().find(|(rpc, _)| *rpc == path) {
        return Access::Needs(*permission);
    }
    if path.starts_with(OWN_PACKAGE_PREFIX) {
        Access::Admin
    } else {
        Access::Authenticated
    }
}

/// The edge's view of authentication: the mode, the schemes, the reflection policy.
pub struct EdgeAuth {
    mode: AuthMode,
    authenticator: Authenticator,
    reflection: ReflectionAccess,
    /// Every caller while authentication is off.
    anonymous: Arc<Principal>,
}

impl EdgeAuth {
    pub fn new(mode: AuthMode, authenticator: Authenticator, reflection: ReflectionAccess) -> Self {
        Self {
            mode,
            authenticator,
            reflection,
            anonymous: Arc::new(Principal::anonymous()),
        }
    }

    pub fn authenticator(&self) -> &Authenticator {
        &self.authenticator
    }

    pub fn layer(self: &Arc<Self>) -> AuthLayer {
        AuthLayer { auth: self.clone() }
    }

    /// The caller when authentication is off: an anonymous admin, in the tenant it names.
    fn anonymous(&self, facts: CallFacts) -> Result<Caller, ApiError> {
        let named = facts.tenant?;
        Ok(Caller {
            principal: self.anonymous.clone(),
            tenant: named.unwrap_or_else(TenantId::default_tenant),
        })
    }

    /// The caller of a call, or why it may not make it.
    async fn admit(&self, facts: CallFacts, access: Access) -> Result<Caller, ApiError> {
        let CallFacts {
            uri,
            authorization,
            tenant,
            client,
            remote,
        } = facts;
        let named_tenant = tenant?;
        let path = uri.path();
        let principal = self
            .authenticate(authorization, client.as_deref())
            .await
            .map_err(|error| unauthenticated(path, remote, error))?;
        let tenant = authorize(&principal, access, named_tenant, path)
            .map_err(|reason| denied(path, remote, &principal, reason))?;
        Ok(Caller { principal, tenant })
    }

    async fn authenticate(
        &self,
        authorization: Result<Option<http::HeaderValue>, AuthError>,
        client: Option<&ClientIdentity>,
    ) -> Result<Arc<Principal>, AuthError> {
        let value = authorization?;
        let text = value
            .as_ref()
            .map(|value| value.to_str())
            .transpose()
            .map_err(|_| AuthError::Malformed("the value is not ASCII"))?;
        self.authenticator
            .authenticate(Credentials {
                authorization: text,
                client,
            })
            .await
    }
}

/// The tenant an authenticated principal acts in for this call, or why it may not make it.
fn authorize(
    principal: &Principal,
    access: Access,
    named_tenant: Option<TenantId>,
    path: &str,
) -> Result<TenantId, String> {
    if let Some(missing) = missing_role(principal, access) {
        let or_admin = if missing == Role::Admin {
            ""
        } else {
            " (or admin)"
        };
        return Err(format!(
            "{} needs the role {missing}{or_admin}; {} has {}",
            rpc_name(path),
            principal.name,
            principal.roles
        ));
    }
    match named_tenant {
        None => Ok(principal.tenant.clone()),
        Some(named) if named == principal.tenant || principal.roles.contains(Role::Admin) => {
            Ok(named)
        }
        Some(named) => Err(format!(
            "{TENANT_HEADER} names tenant {named:?}, but {} belongs to tenant {:?}; acting for another tenant needs the role admin",
            principal.name, principal.tenant
        )),
    }
}

/// Logs a refused credential (who tried, never the credential) and says why to the caller.
fn unauthenticated(path: &str, remote: Option<SocketAddr>, error: AuthError) -> ApiError {
    tracing::info!(
        rpc = path,
        remote = ?remote,
        who = error.who().as_deref().unwrap_or("-"),
        reason = %error,
        "authentication failed"
    );
    if error.is_unavailable() {
        ApiError::Unavailable(error.to_string())
    } else {
        ApiError::Unauthenticated(error.to_string())
    }
}

fn denied(
    path: &str,
    remote: Option<SocketAddr>,
    principal: &Principal,
    reason: String,
) -> ApiError {
    tracing::info!(
        rpc = path,
        remote = ?remote,
        who = %principal.name,
        scheme = principal.scheme.as_str(),
        %reason,
        "permission denied"
    );
    ApiError::PermissionDenied(reason)
}

/// What the edge reads of a request, taken out before any await: request bodies need not be
/// `Sync`, so the request itself cannot be held across one.
struct CallFacts {
    uri: http::Uri,
    authorization: Result<Option<http::HeaderValue>, AuthError>,
    tenant: Result<Option<TenantId>, ApiError>,
    client: Option<Arc<ClientIdentity>>,
    remote: Option<SocketAddr>,
}

impl CallFacts {
    fn of<B>(request: &http::Request<B>) -> Self {
        let peer = request.extensions().get::<Peer>();
        // Clones of the URI and header value share their bytes: no copy per call.
        Self {
            uri: request.uri().clone(),
            authorization: authorization(request.headers()),
            tenant: tenant_header(request.headers()),
            client: peer.and_then(|peer| peer.client.clone()),
            remote: peer.map(|peer| peer.remote_addr),
        }
    }
}

/// The one `authorization` value, if any.
fn authorization(headers: &http::HeaderMap) -> Result<Option<http::HeaderValue>, AuthError> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    match (values.next(), values.next()) {
        (None, _) => Ok(None),
        (Some(value), None) => Ok(Some(value.clone())),
        (Some(_), Some(_)) => Err(AuthError::Malformed(
            "send one authorization header, not several",
        )),
    }
}

/// The role a principal lacks for `access`, if any.
fn missing_role(principal: &Principal, access: Access) -> Option<Role> {
    match access {
        Access::Open | Access::Authenticated => None,
        Access::Needs(permission) if principal.roles.permits(permission) => None,
        Access::Needs(permission) => Some(permission.least_role()),
        Access::Admin if principal.roles.contains(Role::Admin) => None,
        Access::Admin => Some(Role::Admin),
    }
}

/// `Service/Method` of a gRPC path.
fn rpc_name(path: &str) -> &str {
    path.rsplit_once('.')
        .map_or(path, |(_, service_and_method)| service_and_method)
}

/// The tenant `x-tenant-id` names, if it is there. Sent twice, it is refused: a proxy that
/// appends its own value must not be bypassed by a caller's earlier one.
fn tenant_header(headers: &http::HeaderMap) -> Result<Option<TenantId>, ApiError> {
    let mut values = headers.get_all(TENANT_HEADER).iter();
    let (value, repeated) = (values.next(), values.next().is_some());
    if repeated {
        return Err(ApiError::invalid_field(
            "request metadata",
            TENANT_HEADER,
            "is repeated; send it once",
        ));
    }
    let Some(value) = value else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::invalid_field("request metadata", TENANT_HEADER, "must be ASCII"))?;
    TenantId::new(text).map(Some).map_err(|error| {
        ApiError::invalid_field("request metadata", TENANT_HEADER, error.to_string())
    })
}

#[derive(Clone)]
pub struct AuthLayer {
    auth: Arc<EdgeAuth>,
}

impl<S> tower::Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            auth: self.auth.clone(),
        }
    }
}

#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    auth: Arc<EdgeAuth>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

fn refusal(error: ApiError) -> http::Response<Body> {
    tonic::Status::from(error).into_http()
}

impl<S, ReqBody> tower::Service<http::Request<ReqBody>> for AuthService<S>
where
    S: tower::Service<http::Request<ReqBody>, Response = http::Response<Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ReqBody: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<ReqBody>) -> Self::Future {
        let access = access(request.uri().path(), self.auth.reflection);
        if access == Access::Open {
            return Box::pin(self.inner.call(request));
        }
        let facts = CallFacts::of(&request);
        if self.auth.mode == AuthMode::Off {
            return match self.auth.anonymous(facts) {
                Ok(caller) => {
                    request.extensions_mut().insert(caller);
                    Box::pin(self.inner.call(request))
                }
                Err(error) => Box::pin(std::future::ready(Ok(refusal(error)))),
            };
        }
        // The clone that was made ready is the one that serves this call (tower's contract).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let auth = self.auth.clone();
        Box::pin(async move {
            match auth.admit(facts, access).await {
                Ok(caller) => {
                    request.extensions_mut().insert(caller);
                    inner.call(request).await
                }
                Err(error) => Ok(refusal(error)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Roles, Scheme};

    #[test]
    fn every_rpc_of_the_public_services_has_a_permission() {
        use prost::Message as _;
        let set =
            prost_types::FileDescriptorSet::decode(super::super::pb::FILE_DESCRIPTOR_SET).unwrap();
        let mut served = Vec::new();
        for file in &set.file {
            for service in &file.service {
                let name = service.name();
                if name == "AgentService" {
                    continue; // implemented by external agents, not served here
                }
                for method in &service.method {
                    served.push(format!("/{}.{name}/{}", file.package(), method.name()));
                }
            }
        }
        served.sort();
        let mut mapped: Vec<String> = RPC_PERMISSIONS
            .iter()
            .map(|(rpc, _)| rpc.to_string())
            .collect();
        mapped.sort();
        assert_eq!(served, mapped);
    }

    #[test]
    fn paths_map_to_what_they_need() {
        use ReflectionAccess::*;
        assert_eq!(access("/grpc.health.v1.Health/Check", Off), Access::Open);
        let reflect = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
        assert_eq!(access(reflect, Open), Access::Open);
        assert_eq!(access(reflect, Authenticated), Access::Authenticated);
        assert_eq!(
            access(
                "/orchestrator.v1.OrchestratorService/ResolveEscalation",
                Open
            ),
            Access::Needs(Permission::Review)
        );
        assert_eq!(
            access("/orchestrator.v1.OrchestratorService/Purge", Open),
            Access::Admin
        );
        assert_eq!(access("/other.Service/Method", Open), Access::Authenticated);
        assert_eq!(
            rpc_name("/orchestrator.v1.OrchestratorService/ListAgents"),
            "OrchestratorService/ListAgents"
        );
    }

    #[test]
    fn a_repeated_or_bad_tenant_header_is_invalid() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(tenant_header(&headers).unwrap(), None);
        headers.append(TENANT_HEADER, "acme".parse().unwrap());
        assert_eq!(
            tenant_header(&headers).unwrap(),
            Some(TenantId::new("acme").unwrap())
        );
        headers.append(TENANT_HEADER, "evil".parse().unwrap());
        let error = tenant_header(&headers).unwrap_err();
        assert!(error.to_string().contains("repeated"), "{error}");
        let mut bad = http::HeaderMap::new();
        bad.insert(TENANT_HEADER, "a b".parse().unwrap());
        assert!(tenant_header(&bad).is_err());
    }

    #[test]
    fn missing_roles_name_the_least_role_that_would_do() {
        let viewer = Principal {
            name: "v".into(),
            tenant: TenantId::default_tenant(),
            roles: [Role::Viewer].into_iter().collect::<Roles>(),
            scheme: Scheme::ApiKey,
        };
        assert_eq!(missing_role(&viewer, Access::Needs(Permission::View)), None);
        assert_eq!(
            missing_role(&viewer, Access::Needs(Permission::ManageCriteria)),
            Some(Role::CriteriaAdmin)
        );
        assert_eq!(missing_role(&viewer, Access::Admin), Some(Role::Admin));
        assert_eq!(missing_role(&viewer, Access::Authenticated), None);
    }
}
