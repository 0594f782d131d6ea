//! What the CLI prints: aligned tables and key/value blocks for people, the API's JSON
//! for scripts (`--json`), and times shown both as a time and relative ("in 23m").

use chrono::{DateTime, SecondsFormat, Utc};
use leasehold_domain::Ttl;
use serde_json::Value;

/// A table printed with aligned columns, headers in capitals.
pub struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers.
    pub fn new(headers: &[&'static str]) -> Self {
        Self {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (one cell per header).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text, columns separated by two spaces, no trailing blanks.
    pub fn render(&self) -> String {
        let mut table = comfy_table::Table::new();
        table
            .load_preset(comfy_table::presets::NOTHING)
            .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
            .set_header(self.headers.iter().copied())
            .add_rows(self.rows.iter().map(|row| row.iter().map(String::as_str)));
        for column in table.column_iter_mut() {
            column.set_padding((0, 2));
        }
        let mut text = String::new();
        for line in table.lines() {
            text.push_str(line.trim_end());
            text.push('\n');
        }
        text
    }

    /// Prints the table, or a short note when it has no rows.
    pub fn print(&self, empty: &str) {
        if self.rows.is_empty() {
            println!("{empty}");
        } else {
            print!("{}", self.render());
        }
    }
}

/// Prints `key  value` lines with the keys aligned.
pub fn print_fields(fields: &[(&str, String)]) {
    let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (key, value) in fields {
        println!("{key:<width$}  {value}");
    }
}

/// Prints the reply's `warnings` (texts, or objects with a `message`) on stderr, and a
/// note when it was stored without verification.
pub fn warn(reply: &Value) {
    if reply["verified"] == false {
        eprintln!("warning: not verified with Entra (--skip-verify)");
    }
    for w in reply["warnings"].as_array().into_iter().flatten() {
        let text = w.as_str().or_else(|| w["message"].as_str()).unwrap_or("");
        eprintln!("warning: {text}");
    }
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    );
}

/// A field as text: strings as they are, numbers and booleans printed, `-` when absent.
pub fn text(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::Null => "-".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A TTL field as `1h30m`, whether the reply gives seconds or the human form already.
pub fn ttl(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::Number(n) => n
            .as_u64()
            .and_then(|s| Ttl::from_secs(s).ok())
            .map(|t| t.to_string())
            .unwrap_or_else(|| format!("{n}s")),
        _ => text(v, key),
    }
}

/// A time field as `2026-11-27 14:10:00Z (in 23m)`, or `-` when absent.
pub fn when(v: &Value, key: &str) -> String {
    match v[key].as_str().and_then(parse_time) {
        Some(t) => at(t, Utc::now()),
        None => text(v, key),
    }
}

/// Parses an RFC 3339 time.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// `t` as a UTC time followed by how far it is from `now`.
pub fn at(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!("{} ({})", t.format("%Y-%m-%d %H:%M:%SZ"), relative(t, now))
}

/// `in 23m`, `5s ago`, or `now`, rounded to the two largest sensible units.
pub fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let ms = (t - now).num_milliseconds();
    let secs = (ms.abs() + 500) / 1000;
    if secs == 0 {
        return "now".to_string();
    }
    let span = span(secs);
    if ms > 0 {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

/// A positive duration in seconds as `45s`, `23m`, `1h5m` or `2d3h`.
pub fn span(secs: i64) -> String {
    const MIN: i64 = 60;
    const HOUR: i64 = 60 * MIN;
    let join = |big: i64, big_unit: &str, small: i64, small_unit: &str| {
        if small == 0 {
            format!("{big}{big_unit}")
        } else {
            format!("{big}{big_unit}{small}{small_unit}")
        }
    };
    // Rounded up to the next unit (59m40s is "1h", not "60m").
    let mins = (secs + MIN / 2) / MIN;
    let hours = (secs + HOUR / 2) / HOUR;
    if secs < MIN {
        format!("{secs}s")
    } else if mins < 60 {
        format!("{mins}m")
    } else if hours < 24 {
        join(mins / 60, "h", mins % 60, "m")
    } else {
        let hours = (secs + HOUR / 2) / HOUR;
        join(hours / 24, "d", hours % 24, "h")
    }
}

/// A time as RFC 3339 UTC with milliseconds.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use serde_json::json;

    #[test]
    fn relative_times_read_like_speech() {
        let now = Utc::now();
        assert_eq!(
            relative(now + Duration::seconds(23 * 60 - 1), now),
            "in 23m"
        );
        assert_eq!(relative(now - Duration::seconds(45), now), "45s ago");
        assert_eq!(relative(now + Duration::seconds(3900), now), "in 1h5m");
        assert_eq!(relative(now + Duration::hours(2), now), "in 2h");
        assert_eq!(relative(now + Duration::hours(51), now), "in 2d3h");
        assert_eq!(relative(now, now), "now");
        assert_eq!(relative(now + Duration::seconds(3590), now), "in 1h");
        assert_eq!(relative(now - Duration::seconds(86_000), now), "1d ago");
    }

    #[test]
    fn tables_align_columns() {
        let mut t = Table::new(&["NAME", "TTL"]);
        t.row(vec!["ops-alice".into(), "1h".into()]);
        t.row(vec!["x".into(), "30m".into()]);
        assert_eq!(
            t.render(),
            "NAME       TTL\nops-alice  1h\nx          30m\n"
        );
    }

    #[test]
    fn ttls_print_in_human_form_from_seconds_or_text() {
        let v = json!({"a": 5400, "b": "1h30m", "c": null});
        assert_eq!(ttl(&v, "a"), "1h30m");
        assert_eq!(ttl(&v, "b"), "1h30m");
        assert_eq!(ttl(&v, "c"), "-");
    }
}
