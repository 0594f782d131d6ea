//! The summary a drill prints: what ran, what the chaos did, and the five checks.

use std::collections::BTreeMap;
use std::time::Duration;

use entra_emulator::RequestKind;

use crate::checks::Outcome;
use crate::facts::LeaseFacts;
use crate::ledger::Record;
use crate::procs::Fleet;

/// Problems printed per failing check (the rest are counted).
const SHOWN: usize = 25;

/// Everything the summary shows.
pub struct Summary<'a> {
    /// Drill name.
    pub drill: &'a str,
    /// Seed used.
    pub seed: u64,
    /// Phase durations.
    pub phases: Vec<(&'static str, Duration)>,
    /// Disruptions done mid-run.
    pub disruptions: Vec<String>,
    /// Replies by outcome.
    pub replies: BTreeMap<String, u64>,
    /// The requesters' records.
    pub records: &'a [Record],
    /// The event store's leases.
    pub facts: Vec<&'a LeaseFacts>,
    /// The checks.
    pub outcomes: &'a [Outcome],
}

fn tally<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut m: BTreeMap<&str, usize> = BTreeMap::new();
    for i in items {
        *m.entry(i).or_default() += 1;
    }
    m.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The chaos line: kills and self-exits per process.
pub fn chaos_line(fleet: &Fleet) -> String {
    let kills: u32 = fleet.procs.iter().map(|p| p.kills).sum();
    let exits: u32 = fleet.procs.iter().map(|p| p.exits).sum();
    let per = |f: fn(&crate::procs::Proc) -> u32| {
        fleet
            .procs
            .iter()
            .filter(|p| f(p) > 0)
            .map(|p| format!("{} {}", p.name, f(p)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "{kills} SIGKILLs ({}); {exits} exits by themselves ({})",
        per(|p| p.kills),
        per(|p| p.exits)
    )
}

/// The Graph line from the emulator's request log.
pub fn graph_line(log: &[entra_emulator::LoggedRequest]) -> String {
    let graph: Vec<_> = log
        .iter()
        .filter(|r| r.kind == RequestKind::Graph)
        .collect();
    let faults = graph
        .iter()
        .filter(|r| matches!(r.status, 503 | 504))
        .count();
    let throttled = graph.iter().filter(|r| r.status == 429).count();
    format!(
        "{} Graph requests: {faults} answered 503/504 (injected), {throttled} answered 429 (throttled)",
        graph.len()
    )
}

/// Prints the summary; returns whether every check passed.
pub fn print(s: &Summary, chaos: &str, graph: &str) -> bool {
    println!("\n==== drill {} (seed {}) ====", s.drill, s.seed);
    for (phase, d) in &s.phases {
        println!("  {phase:<10} {:>7.1}s", d.as_secs_f64());
    }
    for d in &s.disruptions {
        println!("  disruption {d}");
    }
    println!("  chaos      {chaos}");
    println!("  graph      {graph}");
    println!(
        "  replies    {}",
        s.replies
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "  requests   {} ({})",
        s.records.len(),
        tally(s.records.iter().map(|r| r.plan.name()))
    );
    println!(
        "  leases     {} ({})",
        s.facts.len(),
        tally(s.facts.iter().map(|f| f.status()))
    );
    println!("\n  {:<3}{:<27}{:<7}figures", "#", "check", "result");
    for (i, o) in s.outcomes.iter().enumerate() {
        let result = if o.passed() { "PASS" } else { "FAIL" };
        println!("  {:<3}{:<27}{result:<7}{}", i + 1, o.name, o.summary);
    }
    let mut all = true;
    for o in s.outcomes.iter().filter(|o| !o.passed()) {
        all = false;
        println!("\n  {} — {} problem(s):", o.name, o.problems.len());
        for p in o.problems.iter().take(SHOWN) {
            println!("    - {p}");
        }
        if o.problems.len() > SHOWN {
            println!("    … and {} more", o.problems.len() - SHOWN);
        }
    }
    println!(
        "\n  drill {}: {}",
        s.drill,
        if all { "PASSED" } else { "FAILED" }
    );
    all
}
