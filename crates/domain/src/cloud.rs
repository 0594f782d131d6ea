//! Which Microsoft cloud a connection talks to, as the connection's events record it.
//! The enum is wire vocabulary (connection replies show it), so it lives in
//! `leasehold-api`; its hosts are the Graph client's business
//! (`leasehold_graph::CloudEndpoints`).

pub use leasehold_api::Cloud;
