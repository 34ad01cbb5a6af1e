//! Starting the disk writes of a large commit early.
//!
//! A first load of a city commits a database of some 400 MB at once. Written ahead of
//! the commit, its pages sit in the operating system's cache until SQLite's `fsync` at
//! the commit, which then waits for the disk to take all of them: a second in which
//! nothing else is left to do. [`start`] asks the kernel, on a thread of its own, to
//! write back the file system that holds the database while the load still builds its
//! indexes, so the commit's `fsync` finds little left to wait for. It only moves writes
//! earlier: durability still comes from the commit's own `fsync`.
//!
//! The file system is reached through the database's directory, never through a
//! second descriptor of the database file: closing that would drop the file locks
//! SQLite holds on it (POSIX locks belong to the process, per file).

use std::path::Path;

/// Starts writing back the file system of the database file `db`, without waiting.
pub fn start(db: &Path) {
    #[cfg(target_os = "linux")]
    {
        let dir = match db.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let spawned = std::thread::Builder::new()
            .name("civicgrid-writeback".into())
            .spawn(move || {
                let started = std::time::Instant::now();
                let synced = std::fs::File::open(&dir)
                    .and_then(|d| rustix::fs::syncfs(&d).map_err(std::io::Error::from));
                match synced {
                    Ok(()) => tracing::debug!(took = ?started.elapsed(), "written back ahead of the commit"),
                    Err(e) => tracing::debug!(error = %e, "write-back left to the commit"),
                }
            });
        if let Err(e) = spawned {
            tracing::debug!(error = %e, "write-back left to the commit");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = db;
}
