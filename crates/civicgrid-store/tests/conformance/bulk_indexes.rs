//! Deferred secondary indexes of a first bulk load: dropped, rebuilt, and rebuilt by
//! every start-up's migration step if an import stopped before building them.

use civicgrid_store::ledger::import::indexes::{self, DEFERRABLE};
use civicgrid_store::{Db, commit};

fn all_names() -> Vec<String> {
    let mut names: Vec<String> = DEFERRABLE.iter().map(|(n, _)| (*n).to_owned()).collect();
    names.sort();
    names
}

conformance!(dropped_and_rebuilt, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    assert!(indexes::ledger_is_empty(&mut tx).await.unwrap());
    // Every deferrable index exists after the migrations (the list matches the schema).
    assert_eq!(indexes::existing(&mut tx).await.unwrap(), all_names());
    // A load that is not held keeps the index by which it finds each grid's households.
    indexes::drop_deferrable(&mut tx, false).await.unwrap();
    assert_eq!(
        indexes::existing(&mut tx).await.unwrap(),
        vec!["households_grid".to_owned()]
    );
    // A held load on SQLite reads them before it writes any, and drops it too; dropping
    // twice is harmless.
    indexes::drop_deferrable(&mut tx, true).await.unwrap();
    indexes::drop_deferrable(&mut tx, true).await.unwrap();
    let left: Vec<String> = match db.backend() {
        civicgrid_store::Backend::Sqlite => Vec::new(),
        civicgrid_store::Backend::Postgres => vec!["households_grid".to_owned()],
    };
    assert_eq!(indexes::existing(&mut tx).await.unwrap(), left);
    commit(tx).await.unwrap();

    let mut tx = db.begin_write().await.unwrap();
    indexes::ensure(&mut tx).await.unwrap();
    indexes::ensure(&mut tx).await.unwrap();
    assert_eq!(indexes::existing(&mut tx).await.unwrap(), all_names());
    commit(tx).await.unwrap();
});

conformance!(startup_heals_an_interrupted_load, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    indexes::drop_deferrable(&mut tx, true).await.unwrap();
    commit(tx).await.unwrap();
    // What `civicgrid serve` does at start-up.
    db.migrate().await.unwrap();
    let mut conn = db.read().await.unwrap();
    assert_eq!(indexes::existing(&mut conn).await.unwrap(), all_names());
});
