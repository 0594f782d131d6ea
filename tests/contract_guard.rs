//! The contract is typed: outside `crates/api`, no code compares an error code as a
//! string (`.code ==`) or spells an operation name (`"lease.…"`). Test code is exempt:
//! `tests/` folders, `#[cfg(test)]` modules inline and in their own files.

use std::path::{Path, PathBuf};

/// What must not appear in non-test code, and why.
const FORBIDDEN: &[(&str, &str)] = &[
    (
        ".code ==",
        "compare leasehold_api::ErrorCode values, not strings",
    ),
    (
        "\"lease.",
        "name the operation with leasehold_api::Operation",
    ),
];

#[test]
fn no_code_outside_the_api_crate_compares_codes_or_names_operations_as_strings() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    for dir in ["src", "examples", "benches"] {
        rust_files(&root.join(dir), &mut sources);
    }
    let crates = std::fs::read_dir(root.join("crates")).expect("crates/");
    for krate in crates.filter_map(Result::ok).map(|e| e.path()) {
        if krate.file_name().is_some_and(|n| n == "api") {
            continue;
        }
        for dir in ["src", "examples", "benches"] {
            rust_files(&krate.join(dir), &mut sources);
        }
    }
    assert!(sources.len() > 100, "found the sources: {}", sources.len());
    let test_modules = test_module_paths(&sources);
    let mut violations = Vec::new();
    for file in &sources {
        if test_modules.iter().any(|m| is_within(file, m)) {
            continue;
        }
        let text = std::fs::read_to_string(file).expect("read source");
        for (line_no, line) in non_test_lines(&text) {
            for (needle, fix) in FORBIDDEN {
                if line.contains(needle) {
                    violations.push(format!(
                        "{}:{line_no}: `{needle}`: {fix}\n    {}",
                        file.strip_prefix(&root).unwrap_or(file).display(),
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "stringly-typed contract outside crates/api:\n{}",
        violations.join("\n")
    );
}

/// Every `.rs` file under `dir` (none when it does not exist).
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.filter_map(Result::ok).map(|e| e.path()) {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The files and folders of modules declared `#[cfg(test)] mod name;` (a file
/// `name.rs`, or a folder `name/`, beside the declaring module's own folder).
fn test_module_paths(sources: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for file in sources {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for (i, line) in lines.iter().enumerate() {
            if *line != "#[cfg(test)]" {
                continue;
            }
            let Some(decl) = lines[i + 1..].iter().find(|l| !l.starts_with("#[")) else {
                continue;
            };
            let Some(name) = decl
                .trim_start_matches("pub ")
                .strip_prefix("mod ")
                .and_then(|r| r.strip_suffix(';'))
            else {
                continue;
            };
            let dir = module_dir(file);
            out.push(dir.join(format!("{name}.rs")));
            out.push(dir.join(name));
        }
    }
    out
}

/// The folder holding the child modules of `file`.
fn module_dir(file: &Path) -> PathBuf {
    let parent = file.parent().unwrap_or(Path::new("")).to_path_buf();
    match file.file_stem().and_then(|s| s.to_str()) {
        Some("mod" | "lib" | "main") => parent,
        Some(stem) => parent.join(stem),
        None => parent,
    }
}

fn is_within(file: &Path, module: &Path) -> bool {
    file == module || file.starts_with(module)
}

/// The numbered lines of `text` outside inline `#[cfg(test)]` modules and comments.
fn non_test_lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut skipping_from: Option<i64> = None;
    let mut depth: i64 = 0;
    let mut test_attribute = false;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        let opens = line.matches('{').count() as i64;
        let closes = line.matches('}').count() as i64;
        if skipping_from.is_none() {
            if trimmed == "#[cfg(test)]" {
                test_attribute = true;
            } else if test_attribute && !trimmed.starts_with("#[") {
                test_attribute = false;
                if trimmed.starts_with("mod ") && trimmed.ends_with('{') {
                    skipping_from = Some(depth);
                }
            }
        }
        depth += opens - closes;
        match skipping_from {
            Some(start) if depth <= start => skipping_from = None,
            Some(_) => {}
            None if !trimmed.starts_with("//") => out.push((i + 1, line)),
            None => {}
        }
    }
    out
}

#[test]
fn the_scanner_skips_inline_test_modules_and_comments_only() {
    let text = "fn a() { x.code == y }\n// \"lease.x\"\n#[cfg(test)]\nmod tests {\n    \
                fn b() { \"lease.y\" }\n}\nfn c() { \"lease.z\" }\n";
    let kept: Vec<usize> = non_test_lines(text).into_iter().map(|(n, _)| n).collect();
    assert_eq!(kept, vec![1, 3, 7]);
}
