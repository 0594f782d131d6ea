//! A benchmark's result: an aligned table on stdout and a JSON file.

use std::path::PathBuf;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::machine::Machine;

/// Whether a figure meets its target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The target is met.
    Met,
    /// The target is missed; by how much.
    Gap(String),
    /// A figure without a target (a baseline, a breakdown).
    Info,
}

impl Verdict {
    /// `Met` if `ok`, else a gap described by `gap`.
    pub fn check(ok: bool, gap: impl FnOnce() -> String) -> Verdict {
        if ok {
            Verdict::Met
        } else {
            Verdict::Gap(gap())
        }
    }

    /// The table cell.
    pub fn cell(&self) -> String {
        match self {
            Verdict::Met => "met".into(),
            Verdict::Gap(g) => format!("GAP: {g}"),
            Verdict::Info => String::new(),
        }
    }
}

/// One line of the table.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Row {
    /// What is measured.
    pub metric: String,
    /// The figure.
    pub value: String,
    /// The same-run baseline it should be read against.
    pub baseline: String,
    /// The target from the issue, if any.
    pub target: String,
    /// Target met or the gap.
    pub verdict: Verdict,
}

impl Row {
    /// A row without a target.
    pub fn info(metric: &str, value: impl Into<String>, baseline: impl Into<String>) -> Row {
        Row {
            metric: metric.into(),
            value: value.into(),
            baseline: baseline.into(),
            target: String::new(),
            verdict: Verdict::Info,
        }
    }

    /// A row with a target and its verdict.
    pub fn target(
        metric: &str,
        value: impl Into<String>,
        baseline: impl Into<String>,
        target: &str,
        verdict: Verdict,
    ) -> Row {
        Row {
            metric: metric.into(),
            value: value.into(),
            baseline: baseline.into(),
            target: target.into(),
            verdict,
        }
    }
}

/// Everything one benchmark run produced.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    /// Short name: `issue`, `expiry`, `throttle`, `replay`.
    pub name: String,
    /// One-line description.
    pub title: String,
    /// The command that produced it.
    pub command: String,
    /// `quick` or `full`.
    pub mode: String,
    /// When the run started (RFC 3339).
    pub started_at: String,
    /// Wall time of the whole run, seconds.
    pub wall_secs: f64,
    /// Where it ran.
    pub machine: Machine,
    /// Sizes and settings.
    pub params: Value,
    /// The table.
    pub rows: Vec<Row>,
    /// Remarks: where the time goes, caveats.
    pub notes: Vec<String>,
    /// Raw figures (distributions, counts) for tools.
    pub data: Value,
}

impl Report {
    /// Prints the table to stdout.
    pub fn print(&self) {
        println!(
            "\n== {} ({}, {}) ==\n{}\n",
            self.title, self.mode, self.started_at, self.command
        );
        let headers = [
            "metric",
            "value",
            "baseline (same run)",
            "target",
            "verdict",
        ];
        let cells: Vec<[String; 5]> = self
            .rows
            .iter()
            .map(|r| {
                [
                    r.metric.clone(),
                    r.value.clone(),
                    r.baseline.clone(),
                    r.target.clone(),
                    r.verdict.cell(),
                ]
            })
            .collect();
        let mut widths = headers.map(|h| h.chars().count());
        for row in &cells {
            for (w, c) in widths.iter_mut().zip(row.iter()) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |cols: [&str; 5]| {
            let parts: Vec<String> = cols
                .iter()
                .zip(widths.iter())
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            println!("{}", parts.join("  ").trim_end());
        };
        line(headers);
        line(widths.map(|w| "-".repeat(w)).each_ref().map(|s| s.as_str()));
        for row in &cells {
            line(row.each_ref().map(|s| s.as_str()));
        }
        for note in &self.notes {
            println!("note: {note}");
        }
        println!("(wall time {:.0} s)", self.wall_secs);
    }

    /// Writes `target/bench/<name>[-quick].json` (or `out`) and returns the path.
    pub fn write(&self, out: Option<PathBuf>) -> anyhow::Result<PathBuf> {
        let path = out.unwrap_or_else(|| default_path(&self.name, self.mode == "quick"));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
        }
        let text = serde_json::to_string_pretty(self)?;
        std::fs::write(&path, text).with_context(|| format!("write {}", path.display()))?;
        println!("wrote {}", path.display());
        Ok(path)
    }
}

/// The workspace's `target/bench` directory (from the binary's location, else `./target`).
pub fn bench_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("LEASEHOLD_BENCH_DIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().ok();
    // target/release/bench-x → target/bench
    let target = exe
        .as_ref()
        .and_then(|e| e.parent())
        .and_then(|p| p.parent())
        .filter(|t| t.file_name().is_some_and(|n| n == "target"));
    match target {
        Some(t) => t.join("bench"),
        None => PathBuf::from("target/bench"),
    }
}

/// Where a benchmark's JSON goes by default.
pub fn default_path(name: &str, quick: bool) -> PathBuf {
    let file = if quick {
        format!("{name}-quick.json")
    } else {
        format!("{name}.json")
    };
    bench_dir().join(file)
}
