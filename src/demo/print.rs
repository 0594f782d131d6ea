//! How the demo prints.

use chrono::{DateTime, Utc};

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
