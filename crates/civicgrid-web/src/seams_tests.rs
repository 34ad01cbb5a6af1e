//! The web layer names app types only (DESIGN.md, "Architecture"): no file under
//! `src/` reaches past the app into the store. The app hands out the views pages and
//! the API show; what it re-exports of the store it does deliberately, as its own.

use std::path::Path;

use crate::test_files::files_under;

/// What naming the store looks like (spelled in two halves, so that this file does
/// not name it either).
const STORE_NAMES: [&str; 2] = [concat!("civicgrid", "_store"), concat!("::", "store", "::")];

#[test]
fn web_names_no_store_type_or_function() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = files_under(&src, "rs");
    assert!(
        files.len() > 20,
        "found only {} files under src/",
        files.len()
    );
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
        for (n, line) in text.lines().enumerate() {
            if STORE_NAMES.iter().any(|s| line.contains(s)) {
                let shown = file.strip_prefix(&src).unwrap_or(file).display();
                found.push(format!("src/{shown}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the web layer names the store; ask the app for a view instead:\n{}",
        found.join("\n")
    );
}
