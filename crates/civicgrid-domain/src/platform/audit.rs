//! The audit chain: each entry's hash covers the previous entry's hash and every field
//! of the entry, so editing or deleting a row breaks the chain from there on.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash that precedes the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Longest reason an audited change may carry, in characters: the reason of a
/// request's transition, of an account or organisation change, the purpose stated to
/// unmask a resident's personal data.
pub const MAX_REASON_CHARS: usize = 500;

/// What is recorded about one governance change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFields {
    /// Milliseconds since the Unix epoch, UTC.
    pub at_ms: i64,
    pub actor_user_id: Option<i64>,
    pub actor_token_id: Option<i64>,
    /// Username, token name or `system`.
    pub actor_label: String,
    /// Dotted verb, e.g. `org.node.create`.
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    /// Materialised path of the node the change happened in, when it has one.
    pub scope_path: Option<String>,
    pub reason: Option<String>,
    /// Structured details as JSON text (never personal data in clear).
    pub details: String,
}

/// Hash of entry number `seq` given the previous entry's hash.
pub fn chain_hash(prev_hash: &str, seq: i64, f: &AuditFields) -> String {
    // A JSON array in fixed field order is an unambiguous canonical encoding.
    let canonical = serde_json::json!([
        seq,
        f.at_ms,
        f.actor_user_id,
        f.actor_token_id,
        f.actor_label,
        f.action,
        f.target_type,
        f.target_id,
        f.scope_path,
        f.reason,
        f.details,
    ]);
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(canonical.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// A stored entry as read back for verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub seq: i64,
    pub fields: AuditFields,
    pub prev_hash: String,
    pub hash: String,
}

/// Why a chain is not intact, at the first entry where it breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The sequence jumps: entries were deleted (or the first ones are missing).
    Gap { expected_seq: i64, found_seq: i64 },
    /// The entry does not point at its predecessor's hash.
    Link { seq: i64 },
    /// The entry's content does not match its hash: it was edited.
    Content { seq: i64 },
    /// The log ends before the head says it does: the newest entries were deleted.
    Truncated { last_seq: i64, head_seq: i64 },
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Gap {
                expected_seq,
                found_seq,
            } => write!(
                f,
                "entry {expected_seq} is missing (next entry found is {found_seq}): rows were deleted"
            ),
            ChainBreak::Link { seq } => write!(
                f,
                "entry {seq} does not link to the hash of the entry before it"
            ),
            ChainBreak::Content { seq } => {
                write!(f, "entry {seq} does not match its hash: it was edited")
            }
            ChainBreak::Truncated { last_seq, head_seq } => write!(
                f,
                "the log ends at entry {last_seq} but {head_seq} entries were written: entries {} to {head_seq} were deleted",
                last_seq + 1
            ),
        }
    }
}

/// Incremental verifier: feed entries in `seq` order.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    next_seq: i64,
    prev_hash: String,
    checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            next_seq: 1,
            prev_hash: GENESIS_HASH.to_owned(),
            checked: 0,
        }
    }
}

impl ChainVerifier {
    pub fn check(&mut self, e: &StoredEntry) -> Result<(), ChainBreak> {
        if e.seq != self.next_seq {
            return Err(ChainBreak::Gap {
                expected_seq: self.next_seq,
                found_seq: e.seq,
            });
        }
        if e.prev_hash != self.prev_hash {
            return Err(ChainBreak::Link { seq: e.seq });
        }
        if chain_hash(&e.prev_hash, e.seq, &e.fields) != e.hash {
            return Err(ChainBreak::Content { seq: e.seq });
        }
        self.next_seq += 1;
        self.prev_hash = e.hash.clone();
        self.checked += 1;
        Ok(())
    }

    pub fn checked(&self) -> u64 {
        self.checked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(action: &str) -> AuditFields {
        AuditFields {
            at_ms: 1_700_000_000_000,
            actor_user_id: Some(1),
            actor_token_id: None,
            actor_label: "admin".into(),
            action: action.into(),
            target_type: "org_node".into(),
            target_id: "5".into(),
            scope_path: Some("/1/5/".into()),
            reason: None,
            details: "{}".into(),
        }
    }

    fn chain(n: i64) -> Vec<StoredEntry> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let f = fields(&format!("a{seq}"));
                let hash = chain_hash(&prev, seq, &f);
                let e = StoredEntry {
                    seq,
                    fields: f,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    fn verify(entries: &[StoredEntry]) -> Result<u64, ChainBreak> {
        let mut v = ChainVerifier::default();
        for e in entries {
            v.check(e)?;
        }
        Ok(v.checked())
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
    }

    #[test]
    fn edit_is_found() {
        let mut c = chain(5);
        c[2].fields.reason = Some("changed".into());
        assert_eq!(verify(&c), Err(ChainBreak::Content { seq: 3 }));
    }

    #[test]
    fn delete_is_found() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(
            verify(&c),
            Err(ChainBreak::Gap {
                expected_seq: 2,
                found_seq: 3
            })
        );
    }

    #[test]
    fn rehashed_edit_breaks_the_next_link() {
        let mut c = chain(5);
        c[2].fields.action = "forged".into();
        c[2].hash = chain_hash(&c[2].prev_hash, 3, &c[2].fields);
        assert_eq!(verify(&c), Err(ChainBreak::Link { seq: 4 }));
    }
}
