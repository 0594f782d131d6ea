//! Exit codes, and the one error type every subcommand returns.
//!
//! Scripts branch on the exit code: 2 means the command line (or configuration) is wrong,
//! 3 that leasehold understood and refused, 4 that something could not be reached or broke,
//! 5 that `audit verify` found problems in the event log or `connection check` found the
//! connection unable to work.

use serde_json::{json, Value};

use super::output::text;

/// The command did what it was asked.
pub const SUCCESS: u8 = 0;
/// Bad arguments, a missing actor, an invalid TTL or configuration (clap uses 2 as well).
pub const USAGE: u8 = 2;
/// leasehold refused: conflict, forbidden, not found, TTL over the max, …
pub const REFUSED: u8 = 3;
/// NATS or PostgreSQL unreachable, no engine answering, `internal`/`unavailable`.
pub const FAILURE: u8 = 4;
/// `audit verify` found problems in the event log.
pub const PROBLEMS: u8 = 5;

/// The exit codes as shown at the end of `leasehold --help`.
pub const HELP: &str = "\
Exit codes:
  0  success
  2  usage error: bad arguments, missing --actor, invalid TTL or configuration
  3  refused by leasehold: lease_conflict, forbidden, not_found, ttl_exceeds_max, …
  4  failure: NATS or PostgreSQL unreachable, no engine answering, internal/unavailable
  5  problems found: `audit verify` in the event log, `connection check` in the connection";

/// Which of the exit codes an error leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Exit 2.
    Usage,
    /// Exit 3.
    Refused,
    /// Exit 4.
    Failure,
    /// Exit 5.
    Problems,
}

/// An error for people (its message says what to do next) with its exit code.
#[derive(Debug)]
pub struct CliError {
    /// The exit code class.
    pub kind: Kind,
    /// leasehold's error code, when it refused.
    pub code: Option<String>,
    /// The message, ending with what to do next.
    pub message: String,
    /// leasehold's structured details, when it refused.
    pub details: Value,
    /// Set when writing the output failed.
    io: Option<std::io::ErrorKind>,
}

impl CliError {
    fn new(kind: Kind, message: impl Into<String>) -> Self {
        Self {
            kind,
            code: None,
            message: message.into(),
            details: json!({}),
            io: None,
        }
    }

    /// The command line or configuration is wrong.
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }

    /// Something could not be reached or broke.
    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(Kind::Failure, message)
    }

    /// `audit verify` or `connection check` found problems.
    pub fn problems(message: impl Into<String>) -> Self {
        Self::new(Kind::Problems, message)
    }

    /// leasehold refused with `code`; `internal` and `unavailable` count as failures.
    pub fn refused(code: &str, message: impl Into<String>, details: Value) -> Self {
        let kind = match code {
            "internal" | "unavailable" => Kind::Failure,
            _ => Kind::Refused,
        };
        Self {
            kind,
            code: Some(code.to_string()),
            message: message.into(),
            details,
            io: None,
        }
    }

    /// Writing the output failed (its kind is kept for [`CliError::io_kind`]).
    pub fn io(e: std::io::Error) -> Self {
        let mut err = Self::failure(format!("cannot write the output: {e}"));
        err.io = Some(e.kind());
        err
    }

    /// The kind of the output error, if this is one.
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        self.io
    }

    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self.kind {
            Kind::Usage => USAGE,
            Kind::Refused => REFUSED,
            Kind::Failure => FAILURE,
            Kind::Problems => PROBLEMS,
        }
    }

    /// Writes the error to stderr: one line of JSON with `--json`, else `error: …`.
    pub fn report(&self, json_output: bool) {
        if json_output {
            let code = self.code.clone().unwrap_or_else(|| {
                match self.kind {
                    Kind::Usage => "usage",
                    Kind::Problems => "problems",
                    Kind::Refused | Kind::Failure => "failure",
                }
                .to_string()
            });
            let body = json!({ "error": {
                "code": code,
                "message": self.message,
                "details": self.details,
                "exit_code": self.exit_code(),
            }});
            eprintln!("{body}");
        } else {
            match &self.code {
                Some(code) => eprintln!("error [{code}]: {}", self.message),
                None => eprintln!("error: {}", self.message),
            }
        }
    }
}

/// Reports a command line clap could not parse: help and version as clap prints them,
/// anything else as a usage error (one JSON object on stderr with `--json`).
pub fn command_line(e: clap::Error, json_output: bool) -> std::process::ExitCode {
    use clap::error::ErrorKind;
    if !json_output || matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        e.exit();
    }
    let text = e.render().to_string();
    let message = text.trim().trim_start_matches("error: ").to_string();
    let mut err = CliError::usage(message);
    err.details = json!({ "kind": format!("{:?}", e.kind()) });
    err.report(true);
    std::process::ExitCode::from(USAGE)
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        Self::failure(format!("{e:#}"))
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        Self::failure(e.to_string())
    }
}

/// A refusal for the items of a bulk reply that failed (`failed`: objects with `key` and
/// an `error`): `head`, one line per failure, then `advice`; the code is the first
/// failure's (`fallback` when it has none).
pub fn some_failed(
    failed: Vec<Value>,
    key: &str,
    fallback: &str,
    head: String,
    advice: &str,
) -> CliError {
    let lines: Vec<String> = failed
        .iter()
        .map(|f| {
            let error = &f["error"];
            format!(
                "{}: {} ({})",
                text(f, key),
                text(error, "message"),
                text(error, "code")
            )
        })
        .collect();
    let code = failed[0]["error"]["code"]
        .as_str()
        .unwrap_or(fallback)
        .to_string();
    CliError::refused(
        &code,
        format!("{head}:\n  {}\n{advice}", lines.join("\n  ")),
        json!({ "failed": failed }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_and_failures_have_their_own_codes() {
        assert_eq!(
            CliError::refused("lease_conflict", "x", json!({})).exit_code(),
            3
        );
        assert_eq!(
            CliError::refused("forbidden", "x", json!({})).exit_code(),
            3
        );
        assert_eq!(CliError::refused("internal", "x", json!({})).exit_code(), 4);
        assert_eq!(
            CliError::refused("unavailable", "x", json!({})).exit_code(),
            4
        );
        assert_eq!(CliError::usage("x").exit_code(), 2);
        assert_eq!(CliError::failure("x").exit_code(), 4);
        assert_eq!(CliError::problems("x").exit_code(), 5);
    }
}
