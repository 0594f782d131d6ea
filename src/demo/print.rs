//! How the demo prints.

use chrono::{DateTime, Utc};
use leasehold_api::events::LeaseEventType;

/// A section title.
pub fn title(text: &str) {
    println!("\n== {text} ==");
}

/// One step.
pub fn step(text: &str) {
    println!("  • {text}");
}

/// A detail under a step.
pub fn detail(text: &str) {
    println!("      {text}");
}

/// `2026-11-27 14:03:00 UTC (in 23m)`.
pub fn when(at: DateTime<Utc>) -> String {
    let delta = at - Utc::now();
    let secs = delta.num_seconds();
    let rel = if secs >= 0 {
        format!("in {}", human(secs))
    } else {
        format!("{} ago", human(-secs))
    };
    format!("{} ({rel})", at.format("%Y-%m-%d %H:%M:%S UTC"))
}

/// `1h23m`, `45s`.
pub fn human(secs: i64) -> String {
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, _) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m}m"),
    }
}

/// A password as the demo shows it: never its characters, only its length.
pub fn masked(password: &str) -> String {
    format!(
        "{} ({} characters, hidden)",
        "•".repeat(8),
        password.chars().count()
    )
}

/// One `audit.history` entry as a line: sequence, time, actor, event and key facts.
pub fn history_line(entry: &leasehold_api::HistoryEntry) -> String {
    let event_type = entry.event_type.as_str();
    let time = entry.recorded_at.format("%H:%M:%S%.3f");
    format!(
        "#{:<2} {time} {:<18} {event_type:<26} {}",
        entry.sequence,
        entry.actor.as_deref().unwrap_or("?"),
        facts(event_type, &entry.changes)
    )
}

fn facts(event_type: &str, body: &serde_json::Value) -> String {
    let s = |k: &str| body[k].as_str().unwrap_or("").to_string();
    let Some(event_type) = LeaseEventType::parse(event_type) else {
        return String::new();
    };
    match event_type {
        LeaseEventType::LeaseRequested => {
            format!("user {} ttl {}s", s("user_principal_name"), body["ttl"])
        }
        LeaseEventType::LeaseActivated => "password set in Entra (stored sealed)".into(),
        LeaseEventType::LeaseRenewed => {
            format!("expires {} capped {}", s("expires_at"), body["capped"])
        }
        LeaseEventType::LeaseRevocationRequested => format!("reason {}", s("reason")),
        LeaseEventType::LeaseRevoked => {
            format!("reason {} forced {}", s("reason"), body["forced"])
        }
        LeaseEventType::ActivationAttemptFailed | LeaseEventType::RevocationAttemptFailed => {
            format!(
                "attempt {} {}",
                body["attempt"],
                body["error"]["kind"].as_str().unwrap_or("")
            )
        }
        _ => String::new(),
    }
}
