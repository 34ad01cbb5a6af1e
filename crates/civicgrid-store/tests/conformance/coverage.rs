//! The suite's promise, checked: every public function of the store is named by a
//! conformance test, or its doc comment says which test covers it with a line
//! `/// Covered by: <path from the workspace root>[::<test>] [how]` naming a file that
//! exists.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

const COVERED_BY: &str = "/// Covered by:";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in fs::read_dir(&d).unwrap_or_else(|e| panic!("read {}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// A public function of the store: where it is, its name, and its doc comment.
#[derive(Debug)]
struct PublicFn {
    file: String,
    line: usize,
    name: String,
    docs: Vec<String>,
}

/// The `pub fn` and `pub async fn` items of a source file, up to its unit tests
/// (everything after a `#[cfg(test)]` at the start of a line).
fn public_fns(file: &str, text: &str) -> Vec<PublicFn> {
    let mut out = Vec::new();
    let mut docs: Vec<String> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("#[cfg(test)]") {
            break;
        }
        let t = line.trim_start();
        if t.starts_with("///") {
            docs.push(t.to_owned());
            continue;
        }
        if t.starts_with("#[") {
            continue;
        }
        let rest = t
            .strip_prefix("pub async fn ")
            .or_else(|| t.strip_prefix("pub const fn "))
            .or_else(|| t.strip_prefix("pub fn "));
        if let Some(rest) = rest {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.push(PublicFn {
                file: file.to_owned(),
                line: i + 1,
                name,
                docs: std::mem::take(&mut docs),
            });
        }
        docs.clear();
    }
    out
}

/// Every identifier the conformance tests use outside comments (this file left out).
fn named_in_tests() -> HashSet<String> {
    let mut names = HashSet::new();
    for path in rust_files(&manifest_dir().join("tests").join("conformance")) {
        if path.file_name().is_some_and(|n| n == "coverage.rs") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        for line in text.lines() {
            let code = match line.trim_start() {
                t if t.starts_with("//") => continue,
                _ => line,
            };
            names.extend(
                code.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned),
            );
        }
    }
    names
}

/// The file a `Covered by:` line names, if it exists (relative to the workspace root).
fn covering_file(doc: &str) -> Option<PathBuf> {
    let target = doc.strip_prefix(COVERED_BY)?.trim();
    let file = target.split_whitespace().next()?.split("::").next()?;
    let root = manifest_dir().parent()?.parent()?;
    let path = root.join(file);
    (!file.is_empty() && path.is_file()).then_some(path)
}

#[test]
fn every_public_function_is_exercised() {
    let named = named_in_tests();
    let src = manifest_dir().join("src");
    let mut fns = Vec::new();
    for path in rust_files(&src) {
        let text = fs::read_to_string(&path).unwrap();
        let file = path
            .strip_prefix(manifest_dir())
            .unwrap()
            .display()
            .to_string();
        fns.extend(public_fns(&file, &text));
    }
    assert!(fns.len() > 100, "found only {} public functions", fns.len());
    let mut missing = Vec::new();
    let mut dangling = Vec::new();
    for f in &fns {
        let notes: Vec<&String> = f
            .docs
            .iter()
            .filter(|d| d.starts_with(COVERED_BY))
            .collect();
        for note in &notes {
            if covering_file(note).is_none() {
                dangling.push(format!("{}:{} {}: {note}", f.file, f.line, f.name));
            }
        }
        if notes.is_empty() && !named.contains(&f.name) {
            missing.push(format!("{}:{} {}", f.file, f.line, f.name));
        }
    }
    assert!(
        dangling.is_empty(),
        "these `Covered by:` notes name no existing file:\n  {}",
        dangling.join("\n  ")
    );
    assert!(
        missing.is_empty(),
        "{} public functions of the store are neither named by a conformance test nor \
         documented with `{COVERED_BY} <test path>`:\n  {}",
        missing.len(),
        missing.join("\n  ")
    );
}

#[test]
fn the_scan_finds_functions_and_their_notes() {
    let text = "\
/// Reads.
/// Covered by: crates/civicgrid-store/tests/conformance.rs
pub async fn a(x: i64) {}
pub(crate) fn hidden() {}
    pub fn method(&self) {}
#[cfg(test)]
mod tests {
    pub fn helper() {}
}
";
    let fns = public_fns("f.rs", text);
    let names: Vec<&str> = fns.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["a", "method"]);
    assert_eq!(fns[0].docs.len(), 2);
    assert!(covering_file(&fns[0].docs[1]).is_some());
    assert!(fns[1].docs.is_empty());
    assert!(covering_file("/// Covered by: no/such/file.rs").is_none());
}
