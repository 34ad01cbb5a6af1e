//! Listing the crate's own files, for the tests that read them (messages, templates,
//! sources).

use std::path::{Path, PathBuf};

/// The files of a directory with the given extension, in subfolders too, sorted.
pub(crate) fn files_under(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
            .path();
        if path.is_dir() {
            out.extend(files_under(&path, extension));
        } else if path.extension().is_some_and(|x| x == extension) {
            out.push(path);
        }
    }
    out.sort();
    out
}
