//! Read-model rows as Rust values: `leasehold-api`'s records, whose field names are the
//! column names. Rows are read as JSON (`to_jsonb`) and written as column arrays
//! (`columns`), one statement per table.
//!
//! None of these types has a field for a client secret or a credential, sealed or not:
//! a read model cannot leak what it cannot hold.

pub use leasehold_api::{
    ActivityRecord as ActivityRow, ConnectionRecord as ConnectionRow, LastError,
    LeaseRecord as LeaseRow, SecretRecord as SecretRow,
};
