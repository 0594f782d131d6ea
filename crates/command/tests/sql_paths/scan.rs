//! A small scanner for `payload -> 'Type' ->> 'field'` chains in SQL text.
//!
//! It recognises the three spellings the code base uses: a chain on `payload` (any table
//! alias, `NEW.payload` in triggers), a chain on `metadata`, and a PL/pgSQL variable
//! bound once (`body := NEW.payload -> 'Type'`) and then read (`body ->> 'attempt'`).

use std::path::{Path, PathBuf};

/// What the SQL does with the value at the end of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Compared or used as text (`->>` without a cast).
    Text,
    /// Cast to `timestamptz`.
    Timestamp,
    /// Cast to `boolean`.
    Boolean,
    /// Cast to `integer` or `bigint`.
    Integer,
    /// Taken as JSON (`->`, or cast to `jsonb`): any non-null value.
    Json,
}

/// One JSON path read by SQL.
#[derive(Clone, Debug)]
pub struct SqlPath {
    /// File (relative to the workspace) and line it was found on.
    pub at: String,
    /// The event type (`payload -> 'Type'`), or `None` for `metadata` paths.
    pub event_type: Option<String>,
    /// Keys under the event type (or under the metadata).
    pub keys: Vec<String>,
    /// What the SQL expects there.
    pub kind: Kind,
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// The migrations and the non-test Rust sources of every crate and the binary.
pub fn sources() -> Vec<PathBuf> {
    let root = workspace();
    let mut files = Vec::new();
    collect(&root.join("migrations"), "sql", &mut files);
    collect(&root.join("src"), "rs", &mut files);
    for entry in std::fs::read_dir(root.join("crates")).expect("crates") {
        collect(&entry.expect("crate").path().join("src"), "rs", &mut files);
    }
    files.sort();
    files
}

fn collect(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            collect(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// Every JSON path read in `text` (the contents of `file`).
pub fn paths(file: &str, text: &str) -> Vec<SqlPath> {
    let mut found = Vec::new();
    // Variables bound to an event body: `name := NEW.payload -> 'Type'`.
    let mut bodies: Vec<(String, String)> = Vec::new();
    for (start, _) in text.match_indices(":=") {
        let name: String = text[..start]
            .trim_end()
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let rest = text[start + 2..].trim_start();
        if let Some(rest) = rest.strip_prefix("NEW.payload") {
            if let Some((_, keys, _)) = chain(rest) {
                if let [event_type] = keys.as_slice() {
                    bodies.push((name, event_type.clone()));
                }
            }
        }
    }
    for (offset, word) in words(text) {
        let rest = &text[offset + word.len()..];
        let Some((last_op, keys, after)) = chain(rest) else {
            continue;
        };
        let (event_type, keys) = match word {
            "payload" => match keys.split_first() {
                Some((event_type, keys)) if !keys.is_empty() => {
                    (Some(event_type.clone()), keys.to_vec())
                }
                // `payload -> 'Type'` alone: only a body binding, checked where it is read.
                _ => continue,
            },
            "metadata" => (None, keys),
            other => match bodies.iter().find(|(name, _)| name == other) {
                Some((_, event_type)) => (Some(event_type.clone()), keys),
                None => continue,
            },
        };
        let line = text[..offset].matches('\n').count() + 1;
        found.push(SqlPath {
            at: format!("{file}:{line}"),
            event_type,
            keys,
            kind: kind(last_op, after),
        });
    }
    found
}

/// Identifier-like words with their byte offsets.
fn words(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let part = c.is_alphanumeric() || c == '_';
        match (part, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, &text[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// Parses ` -> 'a' ->> 'b'`: the last operator, the keys, and the text after the chain.
fn chain(mut rest: &str) -> Option<(&'static str, Vec<String>, &str)> {
    let mut keys = Vec::new();
    let mut last = "";
    loop {
        let trimmed = rest.trim_start();
        let (op, after_op) = if let Some(r) = trimmed.strip_prefix("->>") {
            ("->>", r)
        } else if let Some(r) = trimmed.strip_prefix("->") {
            ("->", r)
        } else {
            break;
        };
        let after_op = after_op.trim_start();
        let Some(quoted) = after_op.strip_prefix('\'') else {
            break;
        };
        let end = quoted.find('\'')?;
        keys.push(quoted[..end].to_owned());
        last = op;
        rest = &quoted[end + 1..];
    }
    (!keys.is_empty()).then_some((last, keys, rest))
}

/// The kind implied by the last operator and a cast right after the chain.
fn kind(last_op: &str, after: &str) -> Kind {
    let after = after.trim_start().trim_start_matches(')').trim_start();
    let cast = after
        .strip_prefix("::")
        .map(|c| {
            c.chars()
                .take_while(|c| c.is_alphanumeric())
                .collect::<String>()
        })
        .unwrap_or_default();
    match cast.as_str() {
        "timestamptz" => Kind::Timestamp,
        "boolean" | "bool" => Kind::Boolean,
        "integer" | "int" | "bigint" => Kind::Integer,
        "jsonb" | "json" => Kind::Json,
        _ if last_op == "->>" => Kind::Text,
        _ => Kind::Json,
    }
}
