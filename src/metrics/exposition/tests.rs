//! The encoded text parses, keeps every name the alert rules and the board query, and
//! passes `promtool check metrics` where promtool is installed (CI installs it).

use std::collections::BTreeSet;

use super::*;

fn sample() -> Snapshot {
    Snapshot {
        leases: vec![("active".into(), 3), ("revoked".into(), 7)],
        revocation_failing: 1,
        outbox_unpublished: 2,
        deadlines_overdue: 0,
        events: 42,
        revocations_pending: 4,
        revocation_oldest_pending_seconds: 12.5,
    }
}

/// Sample name → value, checking that every sample belongs to a family with HELP and TYPE.
fn parse(text: &str) -> Vec<(String, f64)> {
    let (mut helped, mut typed, mut samples) = (BTreeSet::new(), BTreeSet::new(), Vec::new());
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            helped.insert(rest.split(' ').next().expect("name").to_string());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
            assert_eq!(kind, "gauge", "{line}");
            typed.insert(name.to_string());
        } else if line == "# EOF" {
            assert!(lines.peek().is_none(), "text after # EOF");
        } else {
            let (series, value) = line.rsplit_once(' ').expect("series value");
            let name = series.split('{').next().expect("name");
            assert!(helped.contains(name) && typed.contains(name), "{line}");
            let value: f64 = value.parse().unwrap_or_else(|_| panic!("value in {line}"));
            samples.push((series.to_string(), value));
        }
    }
    assert!(text.ends_with("# EOF\n"), "{text}");
    samples
}

#[test]
fn every_gauge_is_encoded_with_its_value() {
    let samples = parse(&encode(&sample()));
    let get = |series: &str| {
        samples
            .iter()
            .find(|(s, _)| s == series)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("no {series} in {samples:?}"))
    };
    assert_eq!(get("leasehold_leases{status=\"active\"}"), 3.0);
    assert_eq!(get("leasehold_leases{status=\"revoked\"}"), 7.0);
    assert_eq!(get("leasehold_leases{status=\"requested\"}"), 0.0);
    assert_eq!(get("leasehold_leases{status=\"activation_failed\"}"), 0.0);
    assert_eq!(get("leasehold_leases_revocation_failing"), 1.0);
    assert_eq!(get("leasehold_outbox_unpublished"), 2.0);
    assert_eq!(get("leasehold_events"), 42.0);
    assert_eq!(get("leasehold_revocations_pending"), 4.0);
    assert_eq!(get("leasehold_revocation_oldest_pending_seconds"), 12.5);
}

#[test]
fn the_alert_rules_and_the_board_find_their_metrics() {
    // A family is encoded once it has a label set: give each one.
    use leasehold_telemetry::{ConnectionLabel, GraphOperation, RetryLabels, RevokedLabels};
    let t = leasehold_telemetry::global();
    let connection = ConnectionLabel {
        connection: "c".into(),
    };
    for family in [
        &t.leases_requested,
        &t.leases_activated,
        &t.leases_activation_failed,
        &t.leases_renewed,
        &t.leases_expired,
    ] {
        family.get_or_create(&connection).inc_by(0);
    }
    t.leases_revoked
        .get_or_create(&RevokedLabels {
            connection: "c".into(),
            reason: "manual".into(),
        })
        .inc_by(0);
    t.lease_retries
        .get_or_create(&RetryLabels {
            connection: "c".into(),
            stage: "activation".into(),
        })
        .inc_by(0);
    t.request("lease.create", "ok");
    t.graph_exchange("set_password", Some(429), std::time::Duration::ZERO);
    t.graph_retries
        .get_or_create(&GraphOperation {
            operation: "set_password".into(),
        })
        .inc_by(0);
    let text = encode_all(&Snapshot::default());
    // The series each family can have, whether or not it has samples yet.
    let names: BTreeSet<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .flat_map(|l| {
            let (family, kind) = l.split_once(' ').expect("TYPE name kind");
            let suffixes: &[&str] = match kind {
                "counter" => &["_total"],
                "histogram" => &["_bucket", "_sum", "_count"],
                _ => &[""],
            };
            suffixes.iter().map(move |s| format!("{family}{s}"))
        })
        .collect();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in [
        "deploy/prometheus/alerts.yml",
        "deploy/grafana/leasehold.json",
    ] {
        let used = std::fs::read_to_string(root.join(file)).expect("read");
        let mut checked = 0;
        for word in used.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if word.starts_with("leasehold_") || word.starts_with("process_") {
                assert!(
                    names.contains(word),
                    "{file} uses {word}, not exported:\n{text}"
                );
                checked += 1;
            }
        }
        assert!(checked > 0, "{file} names no metric");
    }
}

#[test]
fn promtool_accepts_the_text() {
    let Ok(mut child) = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        eprintln!("promtool is not installed; the parser test covers the format");
        return;
    };
    use std::io::Write;
    // Every kind of series: the process's own included, with samples in them.
    let telemetry = leasehold_telemetry::global();
    telemetry.request("lease.create", "ok");
    telemetry.issue_duration.observe(0.2);
    telemetry.graph_exchange(
        "set_password",
        Some(429),
        std::time::Duration::from_millis(30),
    );
    let text = encode_all(&sample());
    assert!(text.contains("leasehold_graph_throttled_total"), "{text}");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("promtool");
    // promtool lints the Prometheus text format, where a counter's HELP names the
    // `_total` series; OpenMetrics (what is served, and what Prometheus scrapes) names
    // the family without it. That one finding is expected, for counters only; any other
    // finding or a parse error fails.
    let findings =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let unexpected: Vec<&str> = findings
        .lines()
        .filter(|line| {
            let counter_help = line
                .strip_suffix(" no help text")
                .and_then(|series| series.strip_suffix("_total"))
                .is_some_and(|family| {
                    text.contains(&format!("# TYPE {family} counter\n"))
                        && text.contains(&format!("# HELP {family} "))
                });
            !counter_help
        })
        .collect();
    assert!(
        unexpected.is_empty() && (out.status.success() || !findings.contains("error")),
        "promtool: {findings}\n{text}"
    );
}
