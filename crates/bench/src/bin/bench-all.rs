//! Runs the five benchmarks one after another (each in its own process) and regenerates
//! `docs/performance.md` from their JSON (`target/bench/performance-quick.md` with
//! `--quick`). `scripts/bench.sh` builds and calls this.
//!
//! `cargo run --release -p leasehold-bench --bin bench-all [-- --quick] [--only issue,replay]`

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context};
use clap::Parser;
use leasehold_bench::render::{load, markdown, workspace_root, NAMES};

#[derive(Parser)]
struct Args {
    /// Small sizes (smoke test).
    #[arg(long)]
    quick: bool,
    /// Comma-separated subset of issue, expiry, throttle, replay, soak.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Only re-render the page from the existing JSON files.
    #[arg(long)]
    render_only: bool,
    /// Where to write the page.
    #[arg(long, value_name = "FILE")]
    doc: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let chosen: Vec<&str> = if args.only.is_empty() {
        NAMES.to_vec()
    } else {
        NAMES
            .iter()
            .copied()
            .filter(|n| args.only.iter().any(|o| o == n))
            .collect()
    };
    if chosen.is_empty() {
        bail!("--only names none of {}", NAMES.join(", "));
    }
    let exe = std::env::current_exe()?;
    let mut failed = Vec::new();
    if !args.render_only {
        for name in &chosen {
            let bin = exe.with_file_name(format!("bench-{name}"));
            let mut cmd = Command::new(&bin);
            if args.quick {
                cmd.arg("--quick");
            }
            eprintln!("\n### running {}", bin.display());
            let status = cmd
                .status()
                .with_context(|| format!("run {}", bin.display()))?;
            if !status.success() {
                eprintln!("### bench-{name} failed: {status}");
                failed.push(*name);
            }
        }
    }
    let reports = load(&NAMES, args.quick)?;
    let root = workspace_root().canonicalize()?;
    let analysis =
        std::fs::read_to_string(root.join("crates/bench/ANALYSIS.md")).unwrap_or_default();
    let doc = args.doc.unwrap_or_else(|| {
        if args.quick {
            leasehold_bench::report::bench_dir().join("performance-quick.md")
        } else {
            root.join("docs/performance.md")
        }
    });
    std::fs::write(&doc, markdown(&reports, &analysis))
        .with_context(|| format!("write {}", doc.display()))?;
    println!("wrote {} ({} benchmarks)", doc.display(), reports.len());
    if !failed.is_empty() {
        bail!("failed: {}", failed.join(", "));
    }
    Ok(())
}
