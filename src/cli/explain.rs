//! Turns API errors into messages that say what happened and what to do next.

use chrono::Utc;
use leasehold::client::ApiError;
use leasehold_api::{ErrorCode, Operation};
use serde_json::Value;

use super::exit::CliError;
use super::output::{at, parse_time, ttl};

/// The error of one API call (`op` with `payload`, as `actor`) for people.
pub fn api_error(e: ApiError, op: Operation, payload: &Value, actor: &str) -> CliError {
    match e {
        ApiError::Refused {
            code,
            message,
            details,
        } => {
            let text = refusal(code, &message, &details, op, payload, actor);
            CliError::refused(code.as_str(), text, details)
        }
        ApiError::NoAnswer {
            subject,
            prefix,
            reason,
        } => {
            let why = if reason.contains("no responders") {
                "nothing serves it".to_string()
            } else {
                reason
            };
            CliError::failure(format!(
                "no leasehold engine answered on {subject} ({why}); start one with \
                 `leasehold serve`, or set LEASEHOLD_SUBJECT_PREFIX to the prefix it serves \
                 (now {prefix:?}), and check that your NATS user may speak as {actor:?}"
            ))
        }
        ApiError::Malformed(subject) => CliError::failure(format!(
            "the answer on {subject} is not a leasehold reply; check that only leasehold \
             serves this subject prefix (LEASEHOLD_SUBJECT_PREFIX)"
        )),
    }
}

/// A failed NATS connect for people: a refused login, an unknown host, or no server.
pub fn connect_error(shown: &str, e: async_nats::ConnectError) -> CliError {
    use async_nats::ConnectErrorKind as Kind;
    match e.kind() {
        Kind::AuthorizationViolation | Kind::Authentication => CliError::failure(format!(
            "NATS at {shown} refused the login ({e}): the user, password, token or .creds \
             file is wrong; check LEASEHOLD_NATS_USER and LEASEHOLD_NATS_PASSWORD (or \
             LEASEHOLD_NATS_TOKEN, LEASEHOLD_NATS_CREDS_FILE, or the credentials in \
             LEASEHOLD_NATS_URL)"
        )),
        Kind::Dns => CliError::failure(format!(
            "cannot resolve the NATS host of {shown} ({e}); check the host name in \
             LEASEHOLD_NATS_URL and this machine's DNS"
        )),
        Kind::Tls => CliError::failure(format!(
            "the TLS handshake with NATS at {shown} failed ({e}); check [nats_tls] (CA, \
             client certificate) and that the server speaks TLS"
        )),
        _ => CliError::failure(format!(
            "cannot reach NATS at {shown}: {e}; start it (`docker compose up -d nats`, or \
             `nats-server -js` on this host) or set LEASEHOLD_NATS_URL"
        )),
    }
}

/// A permission violation NATS reported while a request was under way.
pub fn permission_violation(violation: &str, actor: &str) -> CliError {
    CliError::failure(format!(
        "NATS refused the request: {violation}. Your NATS user may not speak as {actor:?}: \
         run as the actor your NATS user is for (--actor or LEASEHOLD_ACTOR), or ask the \
         NATS administrator to let it publish on `<prefix>.cmd.{actor}.>` and \
         `<prefix>.query.{actor}.>` and subscribe to `_INBOX_{actor}.>` \
         (docs/nats-security.md)"
    ))
}

/// A string field of the details, else of the request payload, else `fallback`.
fn field(details: &Value, payload: &Value, key: &str, fallback: &str) -> String {
    details[key]
        .as_str()
        .or_else(|| payload[key].as_str())
        .unwrap_or(fallback)
        .to_string()
}

fn refusal(
    code: ErrorCode,
    message: &str,
    details: &Value,
    op: Operation,
    payload: &Value,
    actor: &str,
) -> String {
    let secret = field(details, payload, "secret", "SECRET");
    match code {
        ErrorCode::LeaseConflict => {
            let id = field(details, payload, "lease_id", "?");
            let until = details["expires_at"]
                .as_str()
                .and_then(parse_time)
                .map(|t| at(t, Utc::now()))
                .unwrap_or_else(|| "its expiry".to_string());
            format!(
                "lease {id} holds {secret} until {until}; revoke it with \
                 `leasehold lease revoke {id}` or wait for it to expire"
            )
        }
        ErrorCode::TtlExceedsMax => {
            let requested = ttl(details, "requested");
            let max = ttl(details, "max");
            format!(
                "requested TTL {requested} exceeds the max TTL {max} of secret {secret}; ask \
                 for `--ttl {max}` or less, or raise the max with \
                 `leasehold secret update {secret} --max-ttl DURATION`"
            )
        }
        ErrorCode::Forbidden => match details["lease_id"].as_str() {
            Some(id) if op == Operation::LeaseGet => format!(
                "only the requester of lease {id} or an admin may read its credential; ask \
                 whoever requested it (`leasehold lease get {id}` shows who)"
            ),
            _ => {
                let what = details["op"].as_str().unwrap_or(op.name());
                let on = details["secret"]
                    .as_str()
                    .or_else(|| payload["secret"].as_str())
                    .map(|s| format!(" on {s}"))
                    .unwrap_or_default();
                format!(
                    "actor {actor} may not run {what}{on}; ask an administrator for a rule in \
                     the [policy] section of the leasehold configuration"
                )
            }
        },
        ErrorCode::NotFound => {
            let (kind, id) = missing(details, op, payload);
            match kind {
                "secret" => {
                    format!("secret {id} does not exist; list secrets with `leasehold secret list`")
                }
                "lease" => {
                    format!("lease {id} does not exist; list leases with `leasehold lease list`")
                }
                "connection" => format!(
                    "connection {id} does not exist; list connections with \
                     `leasehold connection list`"
                ),
                _ => format!("{message}; check the name"),
            }
        }
        ErrorCode::AlreadyExists => {
            match details["secret"].as_str() {
                Some(existing) => format!(
                "{} already has dynamic secret {existing} (one secret per user); lease it with \
                 `leasehold lease create {existing}`",
                details["user_principal_name"].as_str().unwrap_or("the user")
            ),
                None => format!("{message}; names are never reused, so pick another name"),
            }
        }
        ErrorCode::ConnectionInUse => {
            let name = field(details, payload, "name", "the connection");
            let users: Vec<&str> = details["secrets"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            format!(
                "connection {name} is still used by {}; delete those secrets \
                 (`leasehold secret delete NAME`) or move them \
                 (`leasehold secret update NAME --connection OTHER`) first",
                if users.is_empty() {
                    "live secrets".to_string()
                } else {
                    users.join(", ")
                }
            )
        }
        ErrorCode::LeaseNotRenewable | ErrorCode::LeaseNotActive => format!(
            "{}; request a new lease with `leasehold lease create {}`",
            fact(message),
            secret_of(details, payload)
        ),
        ErrorCode::ActivationFailed => {
            let id = details["lease"]["lease_id"].as_str().unwrap_or("LEASE");
            let request = details["cause"]["request_id"]
                .as_str()
                .map(|r| format!(" (Graph request id {r})"))
                .unwrap_or_default();
            format!(
                "{message}{request}; check the application's Graph permissions and directory \
                 role (docs/azure-setup.md); every attempt is in `leasehold audit history {id}`"
            )
        }
        ErrorCode::InvalidTtl if details["would_shorten"] == true => {
            let id = field(details, payload, "lease_id", "LEASE");
            let now = Utc::now();
            let shown = |key: &str| {
                details[key]
                    .as_str()
                    .and_then(parse_time)
                    .map(|t| at(t, now))
                    .unwrap_or_else(|| "-".to_string())
            };
            format!(
                "renewing lease {id} by {} would shorten it: it expires {} and would expire {}; \
                 add --shorten if that is what you want, or give a longer --ttl",
                ttl(details, "ttl"),
                shown("expires_at"),
                shown("requested_expires_at"),
            )
        }
        ErrorCode::InvalidTtl => format!(
            "{message}; give a TTL such as 90s, 30m, 1h30m or 2d (a default no longer than \
             the max)"
        ),
        ErrorCode::InvalidRequest if message.contains("unknown query operation") => format!(
            "this engine does not know the query {op}; upgrade `leasehold serve` to this \
             version"
        ),
        ErrorCode::GraphError if details["missing"].is_array() => message.to_string(),
        ErrorCode::GraphError => {
            let request = details["request_id"]
                .as_str()
                .map(|r| format!("; quote Graph request id {r} to Microsoft support"))
                .unwrap_or_default();
            format!(
                "{message}; check the app registration, its client secret, Graph permissions \
                 and directory role (docs/azure-setup.md){request}"
            )
        }
        ErrorCode::RateLimited => format!("{}; slow down and retry in a moment", fact(message)),
        ErrorCode::QuotaExceeded => format!(
            "{message}; revoke one of your leases first (list them with \
             `leasehold lease list --requested-by {actor} --status active`)"
        ),
        ErrorCode::Unavailable if details["host"].is_string() => format!(
            "{message}; check the cloud of the connection (--cloud, or --login-url for \
             custom) and that the machine running `leasehold serve` resolves and reaches {}",
            details["host"].as_str().unwrap_or("it")
        ),
        ErrorCode::Unavailable => format!(
            "{}; leasehold cannot reach PostgreSQL or another dependency: retry \
             later, or look at the log of `leasehold serve`",
            fact(message)
        ),
        ErrorCode::Internal => format!(
            "{}; this is a bug in leasehold: the server log has the details, please \
             report it",
            fact(message)
        ),
        _ => message.to_string(),
    }
}

/// The statement of a message without the advice the engine adds after "; ", for the
/// codes whose advice the CLI gives in its own words (so it is not said twice).
fn fact(message: &str) -> &str {
    message.split("; ").next().unwrap_or(message)
}

/// What a `not_found` is about: the details say, else the operation and its payload do.
fn missing<'a>(details: &'a Value, op: Operation, payload: &'a Value) -> (&'a str, &'a str) {
    if let (Some(kind), Some(id)) = (details["kind"].as_str(), details["id"].as_str()) {
        return (kind, id);
    }
    let named = |key: &str| payload[key].as_str().unwrap_or("");
    match op {
        Operation::LeaseCreate => ("secret", named("secret")),
        _ if op.is_lease() && payload["secret"].is_string() => ("secret", named("secret")),
        _ if op.is_lease() => ("lease", named("lease_id")),
        Operation::SecretGet | Operation::SecretUpdate | Operation::SecretDelete => {
            ("secret", named("name"))
        }
        Operation::ConnectionCreate
        | Operation::ConnectionRotate
        | Operation::ConnectionDelete
        | Operation::ConnectionGet
        | Operation::ConnectionList => ("connection", named("name")),
        _ => ("", ""),
    }
}

/// The secret a lease error is about, for the "request a new lease" hint.
fn secret_of(details: &Value, payload: &Value) -> String {
    details["lease"]["secret"]
        .as_str()
        .or_else(|| details["secret"].as_str())
        .or_else(|| payload["secret"].as_str())
        .unwrap_or("SECRET")
        .to_string()
}
