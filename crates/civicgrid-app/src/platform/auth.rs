//! Signing in and out, sessions, API tokens: turning a credential into an [`Actor`].

use base64::Engine;
use civicgrid_domain::platform::access::{Actor, Assignment};
use civicgrid_domain::platform::account::{
    THROTTLE_WINDOW_SECS, address_throttle_delay_secs, throttle_delay_secs,
};
use civicgrid_store::platform::accounts::{self, User};
use civicgrid_store::platform::sessions::{self, Session};
use civicgrid_store::{AnyConnection, now_ms, platform::tokens};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::authz::{Change, record};
use crate::{App, AppError, AppResult};

/// A fresh random secret, URL-safe, 256 bits.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// How secrets (session and API tokens) are stored: SHA-256, hex.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The signed-in user behind a request, with their roles.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub session: Session,
    pub actor: Actor,
}

/// What a successful sign-in hands back: the cookie value is shown only here.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub signed_in: SignedIn,
}

pub(crate) async fn load_actor(conn: &mut AnyConnection, user: &User) -> AppResult<Actor> {
    let assignments: Vec<Assignment> = accounts::assignments_of(conn, user.id)
        .await?
        .into_iter()
        .map(|v| v.assignment)
        .collect();
    Ok(Actor {
        user_id: Some(user.id),
        token_id: None,
        label: user.username.clone(),
        assignments,
    })
}

/// How long a throttle key waits, given its attempts in the window.
type DelaySecs = fn(i64) -> i64;

/// Longest user name or address kept in a throttle key.
const MAX_KEY_CHARS: usize = 128;

/// The throttle keys of one password attempt.
struct AttemptKeys {
    /// `user:NAME`.
    account: String,
    /// `ip:ADDR`.
    address: String,
}

impl AttemptKeys {
    fn new(username: &str, client: &str) -> AttemptKeys {
        let cut = |s: &str| s.chars().take(MAX_KEY_CHARS).collect::<String>();
        AttemptKeys {
            account: format!("user:{}", cut(username)),
            address: format!("ip:{}", cut(client)),
        }
    }
}

impl App {
    /// The actor of the account `username` with its roles, as if it had signed in: for
    /// the command line acting in someone's name (seeding the demo). Only the system
    /// may.
    pub async fn actor_of_account(&self, actor: &Actor, username: &str) -> AppResult<Actor> {
        if !actor.is_system() {
            return Err(AppError::Forbidden);
        }
        let mut conn = self.db.read().await?;
        let user = accounts::find_credentials(&mut conn, username)
            .await?
            .ok_or(AppError::NotFound("user"))?
            .user;
        load_actor(&mut conn, &user).await
    }

    /// Signs a user in. `replaces` is the session token the browser already had, if
    /// any: it is revoked, so the session id always changes at sign-in.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: &str,
        user_agent: &str,
        replaces: Option<&str>,
    ) -> AppResult<NewSession> {
        let username = username.trim().to_lowercase();
        let keys = AttemptKeys::new(&username, client);
        let now = now_ms();
        // Counted before the password is checked: parallel guesses cannot all pass.
        self.begin_attempt(&keys, true, now).await?;
        let creds = {
            let mut conn = self.db.read().await?;
            accounts::find_credentials(&mut conn, &username).await?
        };
        let ok = self
            .hasher
            .verify(
                password.to_owned(),
                creds.as_ref().map(|c| c.password_hash.clone()),
            )
            .await?;
        let creds = match creds {
            Some(c) if ok && c.user.active => c,
            // The failure was counted when the attempt began.
            _ => return Err(AppError::Unauthenticated),
        };
        let token = new_secret();
        let mut tx = self.db.begin_write().await?;
        let replaced = match replaces {
            Some(old) => sessions::find_live(&mut tx, &secret_hash(old), now).await?,
            None => None,
        };
        if let Some(s) = replaced {
            sessions::revoke(&mut tx, s.id, now).await?;
        }
        let expires = now + self.config.session_idle_secs * 1000;
        let ua: String = user_agent.chars().take(200).collect();
        let session = sessions::insert(
            &mut tx,
            &secret_hash(&token),
            creds.user.id,
            now,
            expires,
            &ua,
        )
        .await?;
        sessions::throttle_clear(&mut tx, &keys.account).await?;
        sessions::throttle_forgive(&mut tx, &keys.address).await?;
        let actor = load_actor(&mut tx, &creds.user).await?;
        record_session(&mut tx, &actor, "auth.login", session.id).await?;
        civicgrid_store::commit(tx).await?;
        Ok(NewSession {
            token,
            signed_in: SignedIn {
                user: creds.user,
                session,
                actor,
            },
        })
    }

    /// Counts one password attempt on the account (and, with `address`, from the
    /// client address) in one write transaction, before the password is checked: a
    /// key already waiting refuses it (and nothing is counted); the attempt that
    /// reaches a key's limit is let through but makes the next ones wait, longer each
    /// time ([`throttle_delay_secs`]). An address waits only far past one account's
    /// limit ([`address_throttle_delay_secs`]).
    async fn begin_attempt(&self, keys: &AttemptKeys, address: bool, now: i64) -> AppResult<()> {
        let limits: [(&str, DelaySecs); 2] = [
            (&keys.account, throttle_delay_secs),
            (&keys.address, address_throttle_delay_secs),
        ];
        let limits = if address { &limits[..] } else { &limits[..1] };
        let mut tx = self.db.begin_write().await?;
        for (key, delay_secs) in limits {
            let s =
                sessions::throttle_begin(&mut tx, key, now, THROTTLE_WINDOW_SECS * 1000).await?;
            if s.locked_until > now {
                // Dropping the transaction takes back what it counted.
                return Err(AppError::Throttled {
                    retry_after_secs: s.locked_until.saturating_sub(now).saturating_add(999) / 1000,
                });
            }
            let delay = delay_secs(s.failures);
            if delay > 0 {
                sessions::throttle_lock(&mut tx, key, now.saturating_add(delay * 1000)).await?;
            }
        }
        civicgrid_store::commit(tx).await?;
        Ok(())
    }

    /// Resolves a session cookie to the signed-in user, sliding its expiry.
    pub async fn session(&self, token: &str) -> AppResult<SignedIn> {
        let now = now_ms();
        let mut conn = self.db.read().await?;
        let session = sessions::find_live(&mut conn, &secret_hash(token), now)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let user = accounts::get_user(&mut conn, session.user_id).await?;
        if !user.active {
            return Err(AppError::Unauthenticated);
        }
        let actor = load_actor(&mut conn, &user).await?;
        drop(conn);
        if now - session.last_seen_at > 60_000 {
            let expires = now + self.config.session_idle_secs * 1000;
            let mut tx = self.db.begin_write().await?;
            sessions::touch(&mut tx, session.id, now, expires).await?;
            civicgrid_store::commit(tx).await?;
        }
        Ok(SignedIn {
            user,
            session,
            actor,
        })
    }

    /// Ends the session behind this cookie. Unknown or expired tokens are ignored.
    pub async fn logout(&self, token: &str) -> AppResult<()> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        if let Some(s) = sessions::find_live(&mut tx, &secret_hash(token), now).await? {
            sessions::revoke(&mut tx, s.id, now).await?;
            let user = accounts::get_user(&mut tx, s.user_id).await?;
            let actor = load_actor(&mut tx, &user).await?;
            record_session(&mut tx, &actor, "auth.logout", s.id).await?;
        }
        civicgrid_store::commit(tx).await?;
        Ok(())
    }

    /// Resolves a bearer API token to an actor holding the token's one role.
    pub async fn api_token(&self, token: &str) -> AppResult<Actor> {
        let hash = secret_hash(token);
        let t = match self.verified_tokens.get(&hash) {
            Some(t) => t,
            None => {
                let mut conn = self.db.read().await?;
                let t = tokens::find_live(&mut conn, &hash)
                    .await?
                    .ok_or(AppError::Unauthenticated)?;
                // Use is recorded at most once a minute; checking here first keeps a
                // busy integration's reads from queueing for the write lock.
                let now = now_ms();
                if t.last_used_at.is_none_or(|at| at < now - 60_000) {
                    tokens::mark_used(&mut conn, t.id, now).await?;
                }
                self.verified_tokens.put(hash, t.clone());
                t
            }
        };
        Ok(Actor {
            user_id: None,
            token_id: Some(t.id),
            label: format!("token:{}", t.name),
            assignments: vec![Assignment {
                id: 0,
                role: t.role,
                node_id: t.node_id,
                path: t.node_path,
            }],
        })
    }

    /// Changes the signed-in user's own password after checking the current one;
    /// every other session of theirs is revoked.
    pub async fn change_own_password(
        &self,
        me: &SignedIn,
        current: &str,
        new: &str,
    ) -> AppResult<()> {
        civicgrid_domain::platform::account::validate_password(&me.user.username, new)
            .map_err(|e| AppError::invalid("new_password", e))?;
        // Guesses of the current password count against the account as sign-ins do.
        let keys = AttemptKeys::new(&me.user.username, "");
        self.begin_attempt(&keys, false, now_ms()).await?;
        let creds = {
            let mut conn = self.db.read().await?;
            accounts::find_credentials(&mut conn, &me.user.username).await?
        };
        let ok = self
            .hasher
            .verify(current.to_owned(), creds.map(|c| c.password_hash))
            .await?;
        if !ok {
            return Err(AppError::invalid("current_password", "is not correct"));
        }
        let hash = self.hasher.hash(new.to_owned()).await?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        sessions::throttle_clear(&mut tx, &keys.account).await?;
        accounts::set_password_hash(&mut tx, me.user.id, &hash).await?;
        for s in sessions::live_of_user(&mut tx, me.user.id, now).await? {
            if s.id != me.session.id {
                sessions::revoke(&mut tx, s.id, now).await?;
            }
        }
        record(
            &mut tx,
            &me.actor,
            Change {
                action: "user.password.change",
                target_type: "user",
                target_id: me.user.id.to_string(),
                scope: None,
                reason: None,
                details: serde_json::json!({}),
            },
        )
        .await?;
        civicgrid_store::commit(tx).await?;
        Ok(())
    }

    /// The signed-in user's live sessions.
    pub async fn my_sessions(&self, me: &SignedIn) -> AppResult<Vec<Session>> {
        let mut conn = self.db.read().await?;
        Ok(sessions::live_of_user(&mut conn, me.user.id, now_ms()).await?)
    }
}

/// Records a session's sign-in or sign-out (`action`): no scope, no reason, no details.
async fn record_session(
    conn: &mut AnyConnection,
    actor: &Actor,
    action: &'static str,
    session_id: i64,
) -> AppResult<()> {
    let change = Change {
        action,
        target_type: "session",
        target_id: session_id.to_string(),
        scope: None,
        reason: None,
        details: serde_json::json!({}),
    };
    record(conn, actor, change).await?;
    Ok(())
}
