//! No module of any crate reaches, through `crate::`/`super::` paths, a module that
//! reaches back to it: a circle means neither half can be read, tested or moved alone.
//! Each crate's module tree is followed from its root (`mod x;` declarations); a file is
//! one module, and a path counts as a dependency on the deepest module it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[path = "import_circles/source.rs"]
mod source;

use source::{paths, strip};

type Module = Vec<String>;

#[test]
fn no_crate_has_an_import_circle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut roots = vec![root.join("src/lib.rs"), root.join("src/main.rs")];
    let mut crates: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .expect("crates/")
        .map(|e| e.expect("entry").path())
        .collect();
    crates.sort();
    for dir in crates {
        roots.extend(
            ["src/lib.rs", "src/main.rs"]
                .iter()
                .map(|f| dir.join(f))
                .filter(|p| p.exists()),
        );
    }
    let (mut found, mut seen) = (Vec::new(), 0);
    for file in &roots {
        let tree = modules(file);
        seen += tree.len();
        for circle in circles(&tree) {
            found.push(format!("{}: {}", file.display(), circle.join(" -> ")));
        }
    }
    assert!(
        seen > 200,
        "only {seen} modules found: the walk lost its way"
    );
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}

#[test]
fn a_circle_between_two_modules_is_found() {
    let dir = std::env::temp_dir().join(format!("import-circles-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("b")).expect("temp dir");
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).expect("write");
    write("lib.rs", "mod a;\nmod b;\n");
    write(
        "a.rs",
        "// crate::b is named here only in a comment\nuse crate::{b::Thing};\n",
    );
    write(
        "b.rs",
        "mod inner;\npub struct Thing;\nfn h() { crate::b::inner::f() }\n",
    );
    write(
        "b/inner.rs",
        "fn f() { let s = \"crate::c\"; super::super::a::g(); }\n",
    );
    let tree = modules(&dir.join("lib.rs"));
    assert_eq!(tree.len(), 4, "{tree:?}");
    let found = circles(&tree);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].len(), 3, "{found:?}");
    write("b/inner.rs", "fn f() { let s = \"crate::a\"; }\n");
    assert!(circles(&modules(&dir.join("lib.rs"))).is_empty());
    std::fs::remove_dir_all(&dir).ok();
}

/// Every module reachable from `root`, with its source (comments and literals removed).
fn modules(root: &Path) -> BTreeMap<Module, String> {
    let mut out = BTreeMap::new();
    walk(Vec::new(), root, &mut out);
    out
}

fn walk(path: Module, file: &Path, out: &mut BTreeMap<Module, String>) {
    let text = strip(&std::fs::read_to_string(file).expect("read module"));
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let dir = match name {
        "lib.rs" | "main.rs" | "mod.rs" => file.parent().expect("parent").to_path_buf(),
        _ => file.with_extension(""),
    };
    for child in declared_modules(&text) {
        let candidates = [
            dir.join(format!("{child}.rs")),
            dir.join(&child).join("mod.rs"),
        ];
        if let Some(found) = candidates.iter().find(|p| p.exists()) {
            let mut child_path = path.clone();
            child_path.push(child);
            walk(child_path, found, out);
        }
    }
    out.insert(path, text);
}

/// Names of `mod x;` declarations (inline `mod x { … }` blocks stay in their file).
fn declared_modules(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .windows(2)
        .filter(|w| w[0] == "mod" && w[1].ends_with(';'))
        .map(|w| w[1].trim_end_matches(';').to_string())
        .collect()
}

/// Which modules each module depends on.
fn edges(modules: &BTreeMap<Module, String>) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut out = BTreeMap::new();
    for (module, text) in modules {
        let mut targets = BTreeSet::new();
        for path in paths(text) {
            let (mut base, rest) = match path.first().map(String::as_str) {
                Some("crate") => (Vec::new(), &path[1..]),
                Some("super") => {
                    let ups = path.iter().take_while(|s| *s == "super").count();
                    let keep = module.len().saturating_sub(ups);
                    (module[..keep].to_vec(), &path[ups..])
                }
                _ => continue,
            };
            for segment in rest {
                base.push(segment.clone());
                if !modules.contains_key(&base) {
                    base.pop();
                    break;
                }
            }
            if &base != module {
                targets.insert(base);
            }
        }
        out.insert(module.clone(), targets);
    }
    out
}

/// The strongly connected groups of more than one module (Tarjan), each as names.
fn circles(modules: &BTreeMap<Module, String>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<Module, (usize, usize)>,
        stack: Vec<Module>,
        found: Vec<Vec<String>>,
    }
    fn visit(w: &mut Walk, v: &Module) {
        let n = w.index.len();
        w.index.insert(v.clone(), (n, n));
        w.stack.push(v.clone());
        for t in w.edges.get(v).into_iter().flatten() {
            let low = match w.index.get(t) {
                None => {
                    visit(w, t);
                    w.index[t].1
                }
                Some(&(i, _)) if w.stack.contains(t) => i,
                Some(_) => continue,
            };
            let entry = w.index.get_mut(v).expect("visited");
            entry.1 = entry.1.min(low);
        }
        if w.index[v].0 == w.index[v].1 {
            let at = w.stack.iter().position(|m| m == v).expect("on stack");
            let group: Vec<Module> = w.stack.split_off(at);
            if group.len() > 1 {
                let name = |m: &Module| {
                    if m.is_empty() {
                        "crate".into()
                    } else {
                        m.join("::")
                    }
                };
                w.found.push(group.iter().map(name).collect());
            }
        }
    }
    let edges = edges(modules);
    let mut w = Walk {
        edges: &edges,
        index: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !w.index.contains_key(v) {
            visit(&mut w, v);
        }
    }
    w.found
}
