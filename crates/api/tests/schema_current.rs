//! `docs/schema/` is what the types generate: a change to a request, reply or event type
//! that is not regenerated (`cargo run -p leasehold-api --example schema`, or this test
//! with `UPDATE_SCHEMA=1`) fails here.

use std::collections::BTreeSet;
use std::path::PathBuf;

#[test]
fn docs_schema_is_current() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/schema");
    let update = std::env::var_os("UPDATE_SCHEMA").is_some();
    if update {
        std::fs::create_dir_all(&dir).expect("create docs/schema");
    }
    let generated = leasehold_api::schema::all();
    let mut stale = Vec::new();
    for (name, schema) in &generated {
        let text = leasehold_api::schema::render(schema);
        let path = dir.join(name);
        if update {
            std::fs::write(&path, &text).expect("write schema");
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(name.clone());
        }
    }
    let wanted: BTreeSet<_> = generated.iter().map(|(n, _)| n.clone()).collect();
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("docs/schema exists")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json"))
        .collect();
    for extra in on_disk.difference(&wanted) {
        if update {
            std::fs::remove_file(dir.join(extra)).expect("remove stale schema");
        } else {
            stale.push(format!("{extra} (no longer generated)"));
        }
    }
    assert!(
        stale.is_empty(),
        "docs/schema is stale; run `cargo run -p leasehold-api --example schema`: {stale:?}"
    );
}

#[test]
fn docs_openapi_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let text = leasehold_api::openapi::render();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &text).expect("write docs/openapi.json");
    }
    assert!(
        std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()),
        "docs/openapi.json is stale; run `cargo run -p leasehold-api --example schema`"
    );
}
