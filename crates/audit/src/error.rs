//! Errors of the audit functions.

/// Why an audit function failed.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The arguments make no sense (e.g. an export window that ends before it starts).
    #[error("invalid audit request: {0}")]
    Invalid(String),
    /// Postgres failed; retry later.
    #[error("audit database: {0}")]
    Database(#[from] sqlx::Error),
}
