//! What the command-line tests share: the built `civicgrid` binary, run against a data
//! directory of the test's own.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// The `civicgrid` binary Cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_civicgrid");

/// `civicgrid ARGS --data-dir DIR` on SQLite (whatever `DATABASE_URL` says), logging
/// at `log`.
pub fn civicgrid_at(dir: &Path, args: &[&str], log: &str) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("DATABASE_URL")
        .env("CIVICGRID_LOG", log);
    c
}
