//! Subject names. The prefix (default `leasehold`) lets installations share a NATS.
//!
//! - commands: `<prefix>.cmd.<actor>.<noun>.<verb>`
//! - queries:  `<prefix>.query.<actor>.<noun>.<verb>`
//! - events:   `<prefix>.evt.<aggregate_type>.<aggregate_id>.<event_type>`

/// The default subject prefix.
pub const DEFAULT_PREFIX: &str = "leasehold";

/// A subject that is not one of ours, or a prefix that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SubjectError {
    /// The prefix has empty tokens, wildcards or spaces.
    #[error("invalid subject prefix {0:?}: use dot-separated tokens of [A-Za-z0-9_-]")]
    InvalidPrefix(String),
    /// The prefix contains a token leasehold's subject layout reserves (see
    /// [`crate::check_prefix_reserved`]).
    #[error(
        "subject prefix {0:?} is reserved: no token may be cmd, query or evt, and it may not \
         start with _INBOX"
    )]
    ReservedPrefix(String),
    /// A request arrived on a subject outside the API.
    #[error("subject {0:?} is not a leasehold API subject")]
    Unknown(String),
}

/// Subject names under one prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subjects {
    prefix: String,
}

fn is_token(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 64
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Subjects {
    /// Subjects under `prefix`.
    pub fn new(prefix: &str) -> Result<Self, SubjectError> {
        if prefix.split('.').all(is_token) {
            Ok(Self {
                prefix: prefix.to_string(),
            })
        } else {
            Err(SubjectError::InvalidPrefix(prefix.to_string()))
        }
    }

    /// The prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The JetStream stream holding this installation's events.
    pub fn stream_name(&self) -> String {
        if self.prefix == DEFAULT_PREFIX {
            "LEASEHOLD_EVENTS".to_string()
        } else {
            let tail: String = self
                .prefix
                .chars()
                .map(|c| match c {
                    'a'..='z' | 'A'..='Z' | '0'..='9' => c.to_ascii_uppercase(),
                    _ => '_',
                })
                .collect();
            format!("LEASEHOLD_EVENTS_{tail}")
        }
    }

    /// `<prefix>.cmd.<actor>.<op>` where `op` is like `lease.create`.
    pub fn command(&self, actor: &str, op: &str) -> String {
        format!("{}.cmd.{actor}.{op}", self.prefix)
    }

    /// `<prefix>.query.<actor>.<op>`.
    pub fn query(&self, actor: &str, op: &str) -> String {
        format!("{}.query.{actor}.{op}", self.prefix)
    }

    /// Wildcard for every command subject.
    pub fn all_commands(&self) -> String {
        format!("{}.cmd.*.>", self.prefix)
    }

    /// Wildcard for every query subject.
    pub fn all_queries(&self) -> String {
        format!("{}.query.*.>", self.prefix)
    }

    /// `<prefix>.evt.<aggregate_type>.<aggregate_id>.<event_type>`.
    pub fn event(&self, aggregate_type: &str, aggregate_id: &str, event_type: &str) -> String {
        format!(
            "{}.evt.{aggregate_type}.{aggregate_id}.{event_type}",
            self.prefix
        )
    }

    /// Wildcard for every event.
    pub fn all_events(&self) -> String {
        format!("{}.evt.>", self.prefix)
    }

    /// Wildcard for the events of one aggregate.
    pub fn aggregate_events(&self, aggregate_type: &str, aggregate_id: &str) -> String {
        format!("{}.evt.{aggregate_type}.{aggregate_id}.*", self.prefix)
    }

    /// Wildcard for one event type of every aggregate of a type.
    pub fn events_of_type(&self, aggregate_type: &str, event_type: &str) -> String {
        format!("{}.evt.{aggregate_type}.*.{event_type}", self.prefix)
    }

    /// Splits a command or query subject into `(actor, op)`, e.g. `("alice", "lease.create")`.
    pub fn parse_request<'a>(
        &self,
        kind: &str,
        subject: &'a str,
    ) -> Result<(&'a str, &'a str), SubjectError> {
        let unknown = || SubjectError::Unknown(subject.chars().take(200).collect());
        let rest = subject
            .strip_prefix(self.prefix.as_str())
            .and_then(|r| r.strip_prefix('.'))
            .and_then(|r| r.strip_prefix(kind))
            .and_then(|r| r.strip_prefix('.'))
            .ok_or_else(unknown)?;
        let (actor, op) = rest.split_once('.').ok_or_else(unknown)?;
        if is_token(actor) && !op.is_empty() {
            Ok((actor, op))
        } else {
            Err(unknown())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_parses_subjects() {
        let s = Subjects::new("leasehold").expect("prefix");
        assert_eq!(
            s.command("alice", "lease.create"),
            "leasehold.cmd.alice.lease.create"
        );
        assert_eq!(
            s.parse_request("cmd", "leasehold.cmd.alice.lease.create"),
            Ok(("alice", "lease.create"))
        );
        assert!(s
            .parse_request("cmd", "leasehold.query.alice.lease.get")
            .is_err());
        assert!(s.parse_request("cmd", "other.cmd.alice.lease.get").is_err());
        assert_eq!(s.stream_name(), "LEASEHOLD_EVENTS");
        let t = Subjects::new("test.abc-1").expect("prefix");
        assert_eq!(t.stream_name(), "LEASEHOLD_EVENTS_TEST_ABC_1");
        assert!(Subjects::new("bad..prefix").is_err());
        assert!(Subjects::new("bad.*").is_err());
        assert!(Subjects::new("").is_err());
    }
}
