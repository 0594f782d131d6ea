//! Command metadata: who asked, with which request id, and when.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use leasehold_domain::Actor;

/// Metadata key for the actor.
pub const META_ACTOR: &str = "actor";
/// Metadata key for the request id.
pub const META_REQUEST_ID: &str = "request_id";
/// Metadata key for the command time.
pub const META_AT: &str = "at";
/// Metadata key for the delegate the request came through ("alice via http").
pub const META_VIA: &str = "via";

/// Who asked, under which request id, and at what time the command was taken.
#[derive(Clone, Debug)]
pub struct Meta {
    /// The actor the request came from, or `system:<component>`.
    pub actor: Actor,
    /// The client's `Leasehold-Request-Id`, if any.
    pub request_id: Option<String>,
    /// The delegate that asked on the actor's behalf (the HTTP gateway), if any.
    pub via: Option<Actor>,
    /// The time the command was taken; the domain's only clock.
    pub at: DateTime<Utc>,
}

impl Meta {
    /// Metadata for `actor` at `at` without a request id.
    pub fn new(actor: Actor, at: DateTime<Utc>) -> Self {
        Self {
            actor,
            request_id: None,
            via: None,
            at,
        }
    }

    /// The same metadata naming the delegate the request came through.
    pub fn with_via(mut self, via: Option<Actor>) -> Self {
        self.via = via;
        self
    }

    /// The same metadata with a request id.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    /// The metadata map stored with every event.
    pub fn to_metadata(&self) -> HashMap<String, String> {
        let mut map = HashMap::new();
        map.insert(META_ACTOR.to_string(), self.actor.to_string());
        map.insert(
            META_AT.to_string(),
            self.at.to_rfc3339_opts(SecondsFormat::Micros, true),
        );
        if let Some(id) = &self.request_id {
            map.insert(META_REQUEST_ID.to_string(), id.clone());
        }
        if let Some(via) = &self.via {
            map.insert(META_VIA.to_string(), via.to_string());
        }
        map
    }
}
