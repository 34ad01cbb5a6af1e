//! `sqlx::migrate!` embeds the migration files at compile time; rebuild when one is
//! added or edited, or the binary keeps applying the old set.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
