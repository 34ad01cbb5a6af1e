//! Recently verified API tokens, kept for a few seconds so a busy integration's calls
//! do not each cost a database read. Revoking a token through this instance forgets it
//! at once; a revocation made through another instance takes effect here within
//! [`TOKEN_TTL`]. Only live tokens are kept: an unknown key is looked up every time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use civicgrid_store::platform::tokens::ApiToken;

/// How long a verified token is trusted without reading it again.
pub const TOKEN_TTL: Duration = Duration::from_secs(5);
/// Most tokens kept; past it the cache starts over (tokens are few in practice).
const MAX_TOKENS: usize = 4096;

#[derive(Default)]
pub(crate) struct TokenCache {
    by_hash: Mutex<HashMap<String, (Instant, ApiToken)>>,
}

impl TokenCache {
    /// The live token with this secret hash, when verified less than [`TOKEN_TTL`] ago.
    pub fn get(&self, hash: &str) -> Option<ApiToken> {
        let map = self.by_hash.lock().ok()?;
        map.get(hash)
            .filter(|(at, _)| at.elapsed() < TOKEN_TTL)
            .map(|(_, t)| t.clone())
    }

    pub fn put(&self, hash: String, token: ApiToken) {
        if let Ok(mut map) = self.by_hash.lock() {
            if map.len() >= MAX_TOKENS {
                map.retain(|_, (at, _)| at.elapsed() < TOKEN_TTL);
                if map.len() >= MAX_TOKENS {
                    map.clear();
                }
            }
            map.insert(hash, (Instant::now(), token));
        }
    }

    /// Forgets every token (after a revocation).
    pub fn clear(&self) {
        if let Ok(mut map) = self.by_hash.lock() {
            map.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use civicgrid_domain::platform::access::Role;
    use civicgrid_domain::platform::org::OrgPath;

    fn token(id: i64) -> ApiToken {
        ApiToken {
            id,
            name: format!("t{id}"),
            role: Role::GridWorker,
            node_id: 1,
            node_path: OrgPath::root(1),
            created_at: 0,
            last_used_at: None,
            revoked_at: None,
        }
    }

    #[test]
    fn keeps_verified_tokens_until_cleared() {
        let cache = TokenCache::default();
        assert!(cache.get("h1").is_none());
        cache.put("h1".into(), token(1));
        assert_eq!(cache.get("h1").map(|t| t.id), Some(1));
        assert!(cache.get("h2").is_none());
        cache.clear();
        assert!(cache.get("h1").is_none());
    }

    #[test]
    fn stays_bounded() {
        let cache = TokenCache::default();
        for i in 0..(MAX_TOKENS as i64 + 10) {
            cache.put(format!("h{i}"), token(i));
        }
        let len = cache.by_hash.lock().map(|m| m.len()).unwrap_or(usize::MAX);
        assert!(len <= MAX_TOKENS, "{len}");
    }
}
