//! The read-model half of `audit.verify`: while `leasehold-audit` walks every hash chain,
//! this [`Inspector`] folds the same events with the projector's own folds and compares
//! the result with the stored rows (`connections`, `dynamic_secrets`, `leases`,
//! `lease_activity`). Any difference is drift — including a row that lags because its
//! events are not projected yet, so verify is exact on a quiet system or after a rebuild.

mod check;
mod compare;

use async_trait::async_trait;
use leasehold_audit::{
    verify_full, verify_with, AuditError, Inspector, StoredEvent, VerifyOptions, VerifyProblem,
    VerifyReport,
};
use sqlx::PgPool;

use crate::decode::typed;
use crate::fold::ReadModel;
use crate::rows::{ConnectionRow, LeaseRow, SecretRow};

/// Verifies the whole store: every hash chain and chain head (`leasehold-audit`), and
/// every read-model row against the fold of its events.
pub async fn verify_store(pool: &PgPool) -> Result<VerifyReport, AuditError> {
    verify_with(pool, &mut DriftCheck::default()).await
}

/// [`verify_store`] with snapshot MACs and a checkpoint to compare with.
pub async fn verify_store_with(
    pool: &PgPool,
    options: VerifyOptions<'_>,
) -> Result<VerifyReport, AuditError> {
    verify_full(pool, &mut DriftCheck::default(), options).await
}

/// Folds each aggregate's events as they stream past and checks the finished ones
/// against the read models after every chunk, so memory stays bounded by the chunk.
#[derive(Default)]
pub struct DriftCheck {
    current: Option<Folding>,
    done: Vec<Folding>,
}

/// One aggregate folded so far.
pub(crate) struct Folding {
    pub id: String,
    pub model: Model,
}

/// The row an aggregate's events fold to, by read model.
// Unboxed on purpose: at most one chunk of these (a few MB) lives at a time, and the
// fold works on `Option<Row>` in place.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Model {
    Connection(Option<ConnectionRow>),
    Secret(Option<SecretRow>),
    Lease(Option<LeaseRow>),
    /// An aggregate type no read model follows.
    Other,
}

impl Folding {
    fn start(event: &StoredEvent) -> Self {
        let model = match event.aggregate_type.as_str() {
            ConnectionRow::AGGREGATE => Model::Connection(None),
            SecretRow::AGGREGATE => Model::Secret(None),
            LeaseRow::AGGREGATE => Model::Lease(None),
            _ => Model::Other,
        };
        Self {
            id: event.aggregate_id.clone(),
            model,
        }
    }

    fn owns(&self, event: &StoredEvent) -> bool {
        let aggregate = match self.model {
            Model::Connection(_) => ConnectionRow::AGGREGATE,
            Model::Secret(_) => SecretRow::AGGREGATE,
            Model::Lease(_) => LeaseRow::AGGREGATE,
            Model::Other => return false,
        };
        self.id == event.aggregate_id && aggregate == event.aggregate_type
    }

    fn push(&mut self, event: &StoredEvent) {
        match &mut self.model {
            Model::Connection(row) => step(row, event),
            Model::Secret(row) => step(row, event),
            Model::Lease(row) => step(row, event),
            Model::Other => {}
        }
    }
}

/// Folds one stored event into `state` exactly as a re-fold from the log does
/// (`apply::refold`): undecodable events are skipped but still count as applied.
fn step<M: ReadModel>(state: &mut Option<M>, event: &StoredEvent) {
    let payload = event.payload_json();
    if let Ok(e) = typed::<M::Event>(M::AGGREGATE, &event.event_type, &payload) {
        *state = M::fold(state.take(), e);
    }
    if let Some(row) = state.as_mut() {
        row.set_last_sequence(event.sequence);
    }
}

#[async_trait]
impl Inspector for DriftCheck {
    fn event(&mut self, event: &StoredEvent) {
        if !self.current.as_ref().is_some_and(|f| f.owns(event)) {
            self.done.extend(self.current.take());
            self.current = Some(Folding::start(event));
        }
        if let Some(folding) = self.current.as_mut() {
            folding.push(event);
        }
    }

    async fn checkpoint(&mut self, pool: &PgPool) -> Result<Vec<VerifyProblem>, AuditError> {
        let done = std::mem::take(&mut self.done);
        Ok(check::rows(pool, done).await?)
    }

    async fn finish(&mut self, pool: &PgPool) -> Result<Vec<VerifyProblem>, AuditError> {
        self.done.extend(self.current.take());
        let mut problems = self.checkpoint(pool).await?;
        problems.extend(check::orphans(pool).await?);
        Ok(problems)
    }
}
