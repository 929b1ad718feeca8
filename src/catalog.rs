//! The criteria catalog: resolves which criteria apply (named, the tenant's `default`, or the
//! built-in defaults), reads them through the cache, and keeps them compiled. Used by the
//! criteria API and by the engine at the end of every orchestration.

use std::sync::Arc;
use std::time::Duration;

use crate::model::criteria::{BUILTIN_CRITERIA_ID, TENANT_DEFAULT_CRITERIA_ID};
use crate::model::{FieldViolation, ReviewCriteria, TenantId};
use crate::review::CompiledCriteria;
use crate::store::cache::CachedCriteriaStore;
use crate::store::{CRITERIA, CriteriaStore, StoreError};

/// Compiled criteria kept, keyed by tenant, id and version (a version never changes content,
/// so entries need no invalidation, only eviction).
const COMPILED_ENTRIES: u64 = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Stored criteria no longer compile (written by an older build with looser checks).
    #[error("stored review criteria {id:?} (version {version}) are invalid: {violations}")]
    Invalid {
        id: String,
        version: u64,
        violations: String,
    },
}

pub struct CriteriaCatalog {
    store: Arc<CachedCriteriaStore>,
    compiled: moka::sync::Cache<(TenantId, String, u64), Arc<CompiledCriteria>>,
    builtin: Arc<CompiledCriteria>,
}

impl CriteriaCatalog {
    pub fn new(store: Arc<dyn CriteriaStore>, cache_ttl: Duration) -> Result<Self, CatalogError> {
        let builtin = CompiledCriteria::compile(Arc::new(ReviewCriteria::builtin_default()))
            .map_err(|violations| invalid(BUILTIN_CRITERIA_ID, 0, &violations))?;
        Ok(Self {
            store: Arc::new(CachedCriteriaStore::new(store, cache_ttl)),
            compiled: moka::sync::Cache::new(COMPILED_ENTRIES),
            builtin: Arc::new(builtin),
        })
    }

    /// The store, with reads cached and writes refreshing the cache.
    pub fn store(&self) -> &dyn CriteriaStore {
        &*self.store
    }

    /// The criteria that apply: `id` when given (an error when it does not exist), else the
    /// tenant's `default` criteria, else the built-in defaults.
    pub async fn resolve(
        &self,
        tenant: &TenantId,
        id: Option<&str>,
    ) -> Result<Arc<CompiledCriteria>, CatalogError> {
        let wanted = id.unwrap_or(TENANT_DEFAULT_CRITERIA_ID);
        if wanted == BUILTIN_CRITERIA_ID {
            return Ok(self.builtin.clone());
        }
        match self.store.get_shared(tenant, wanted).await? {
            Some(criteria) => self.compiled(tenant, criteria),
            None if id.is_none() => Ok(self.builtin.clone()),
            None => Err(StoreError::NotFound {
                kind: CRITERIA,
                id: wanted.to_owned(),
            }
            .into()),
        }
    }

    fn compiled(
        &self,
        tenant: &TenantId,
        criteria: Arc<ReviewCriteria>,
    ) -> Result<Arc<CompiledCriteria>, CatalogError> {
        let key = (tenant.clone(), criteria.id.clone(), criteria.version);
        if let Some(found) = self.compiled.get(&key) {
            return Ok(found);
        }
        let (id, version) = (criteria.id.clone(), criteria.version);
        let compiled = Arc::new(
            CompiledCriteria::compile(criteria)
                .map_err(|violations| invalid(&id, version, &violations))?,
        );
        self.compiled.insert(key, compiled.clone());
        Ok(compiled)
    }
}

fn invalid(id: &str, version: u64, violations: &[FieldViolation]) -> CatalogError {
    CatalogError::Invalid {
        id: id.to_owned(),
        version,
        violations: violations
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
    }
}
