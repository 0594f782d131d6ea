//! The encoded text parses, keeps every name the alert rules and the board query, and
//! passes `promtool check metrics` where promtool is installed.

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
    let text = encode(&Snapshot::default());
    let names: BTreeSet<String> = parse(&text)
        .into_iter()
        .map(|(s, _)| s.split('{').next().expect("name").to_string())
        .collect();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in [
        "deploy/prometheus/alerts.yml",
        "deploy/grafana/leasehold.json",
    ] {
        let used = std::fs::read_to_string(root.join(file)).expect("read");
        let mut checked = 0;
        for word in used.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if word.starts_with("leasehold_") {
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
    let text = encode(&sample());
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("promtool");
    assert!(
        out.status.success(),
        "promtool: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
