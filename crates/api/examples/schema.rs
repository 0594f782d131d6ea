//! Writes the JSON Schemas of the contract to `docs/schema/` (one file per request,
//! reply and event payload). `tests/schema_current.rs` fails when they are stale.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/schema");
    std::fs::create_dir_all(&dir)?;
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            std::fs::remove_file(path)?;
        }
    }
    for (name, schema) in leasehold_api::schema::all() {
        std::fs::write(dir.join(&name), leasehold_api::schema::render(&schema))?;
    }
    let openapi = dir.join("../openapi.json");
    std::fs::write(&openapi, leasehold_api::openapi::render())?;
    println!("wrote {} and {}", dir.display(), openapi.display());
    Ok(())
}
