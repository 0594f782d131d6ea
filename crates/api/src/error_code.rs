//! The closed list of error codes (`docs/errors.md`), as a type.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($($variant:ident = $name:literal, $doc:literal;)*) => {
        /// A stable, machine-readable error code; serialised as its snake_case name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $(
                #[doc = $doc]
                $variant,
            )*
        }

        impl ErrorCode {
            /// Every code, in the order of `docs/errors.md`'s introduction.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The code on the wire, e.g. `ttl_exceeds_max`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $name,)*
                }
            }
        }
    };
}

codes! {
    NotFound = "not_found", "The connection, secret or lease does not exist.";
    AlreadyExists = "already_exists", "A name is taken, or the user already has a secret.";
    ConnectionInUse = "connection_in_use", "Live secrets still use the connection.";
    InvalidTtl = "invalid_ttl", "A TTL is not a positive duration within limits.";
    TtlExceedsMax = "ttl_exceeds_max", "A lease TTL above the secret's max TTL.";
    LeaseConflict = "lease_conflict", "The secret already has a live lease.";
    LeaseNotRenewable = "lease_not_renewable", "The lease is not active or at its max, or is a Temporary Access Pass lease.";
    LeaseNotActive = "lease_not_active", "The operation needs an active lease.";
    LeaseNotExpired = "lease_not_expired", "An expiry raced a renewal.";
    InvalidRequest = "invalid_request", "The request is malformed.";
    Forbidden = "forbidden", "The policy does not let the actor do this.";
    Unauthenticated = "unauthenticated", "HTTP only: no valid Entra access token.";
    Conflict = "conflict", "Concurrent changes kept winning; retry.";
    GraphError = "graph_error", "Microsoft Graph or the token endpoint failed.";
    ActivationFailed = "activation_failed", "Entra refused to set the password.";
    Unavailable = "unavailable", "PostgreSQL or another dependency is unreachable.";
    RateLimited = "rate_limited", "The actor sends requests too fast.";
    QuotaExceeded = "quota_exceeded", "The actor holds the most live leases allowed.";
    Internal = "internal", "A bug; the server log has the details.";
}

impl ErrorCode {
    /// Whether the failure is the server's (logged as an error), not the request's.
    pub fn is_server_side(self) -> bool {
        matches!(self, ErrorCode::Internal | ErrorCode::Unavailable)
    }

    /// The HTTP status the HTTP API answers this code with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::InvalidRequest => 400,
            ErrorCode::Unauthenticated => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::AlreadyExists
            | ErrorCode::ConnectionInUse
            | ErrorCode::LeaseConflict
            | ErrorCode::LeaseNotRenewable
            | ErrorCode::LeaseNotActive
            | ErrorCode::LeaseNotExpired
            | ErrorCode::Conflict
            | ErrorCode::QuotaExceeded => 409,
            ErrorCode::InvalidTtl | ErrorCode::TtlExceedsMax => 422,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
            ErrorCode::GraphError | ErrorCode::ActivationFailed => 502,
            ErrorCode::Unavailable => 503,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of the codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownCode(pub String);

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown error code {:?}", self.0)
    }
}

impl std::error::Error for UnknownCode {}

impl FromStr for ErrorCode {
    type Err = UnknownCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErrorCode::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownCode(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_their_snake_case_names() {
        assert_eq!(ErrorCode::ALL.len(), 19);
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(code).expect("json");
            assert_eq!(json, code.as_str());
            assert_eq!(code.as_str().parse::<ErrorCode>(), Ok(*code));
            assert!(code
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
        assert!("nope".parse::<ErrorCode>().is_err());
    }
}
