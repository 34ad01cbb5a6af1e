//! What the command-line tests share: the built `civicgrid` binary, run against a data
//! directory of the test's own.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

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

/// Starts `civicgrid serve` on `dir` on a free port, logging errors only; returns the
/// child and its address.
pub fn serve(dir: &Path) -> (Child, String) {
    let mut child = civicgrid_at(dir, &["serve", "--listen", "127.0.0.1:0"], "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let stdout = child.stdout.take().expect("stdout");
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("line");
        if let Some(rest) = line.strip_prefix("civicgrid serving http://") {
            return (child, rest.split('/').next().unwrap_or_default().to_owned());
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("serve exited before serving");
}
