//! Account rules: usernames, passwords, display names.

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum AccountError {
    #[error("username must be 3–64 characters of lowercase letters, digits, '.', '_' or '-'")]
    BadUsername,
    #[error("password must be at least {min} characters long")]
    PasswordTooShort { min: usize },
    #[error("password must be at most {max} characters long")]
    PasswordTooLong { max: usize },
    #[error("password must not be the username")]
    PasswordIsUsername,
    #[error("display name must be 1–100 characters")]
    BadDisplayName,
}

pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 256;

pub fn validate_username(raw: &str) -> Result<String, AccountError> {
    let u = raw.trim().to_lowercase();
    let ok = (3..=64).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(u)
    } else {
        Err(AccountError::BadUsername)
    }
}

pub fn validate_password(username: &str, password: &str) -> Result<(), AccountError> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        return Err(AccountError::PasswordTooShort { min: PASSWORD_MIN });
    }
    if n > PASSWORD_MAX {
        return Err(AccountError::PasswordTooLong { max: PASSWORD_MAX });
    }
    if password.eq_ignore_ascii_case(username) {
        return Err(AccountError::PasswordIsUsername);
    }
    Ok(())
}

pub fn validate_display_name(raw: &str) -> Result<String, AccountError> {
    let d = raw.trim();
    if d.is_empty() || d.chars().count() > 100 {
        Err(AccountError::BadDisplayName)
    } else {
        Ok(d.to_owned())
    }
}

/// Sign-in attempts on one account within [`THROTTLE_WINDOW_SECS`] before it must
/// wait. Attempts are counted before the password is checked (so parallel guesses are
/// counted too); a success clears the account's count.
pub const THROTTLE_MAX_FAILURES: i64 = 5;
pub const THROTTLE_WINDOW_SECS: i64 = 15 * 60;
/// Failed sign-ins from one client address within the window before the address must
/// wait: far above one account's limit, so that an office behind one address keeps
/// working while one account is attacked from it.
pub const THROTTLE_ADDRESS_MAX_FAILURES: i64 = 100;

/// How long a throttled key must wait, given its failures in the current window:
/// nothing up to the limit, then doubling from 30 s, capped at 15 min.
pub fn throttle_delay_secs(failures_in_window: i64) -> i64 {
    if failures_in_window < THROTTLE_MAX_FAILURES {
        return 0;
    }
    let over = (failures_in_window - THROTTLE_MAX_FAILURES).min(5) as u32;
    (30_i64 << over).min(THROTTLE_WINDOW_SECS)
}

/// How long a client address must wait, given its failed sign-ins in the window:
/// nothing up to [`THROTTLE_ADDRESS_MAX_FAILURES`], then as an account past its limit.
pub fn address_throttle_delay_secs(failures_in_window: i64) -> i64 {
    if failures_in_window < THROTTLE_ADDRESS_MAX_FAILURES {
        return 0;
    }
    throttle_delay_secs(
        failures_in_window
            .saturating_sub(THROTTLE_ADDRESS_MAX_FAILURES)
            .saturating_add(THROTTLE_MAX_FAILURES),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(
            validate_username(" Grid.Worker-1 "),
            Ok("grid.worker-1".into())
        );
        assert!(validate_username("ab").is_err());
        assert!(validate_username("张三").is_err());
        assert!(validate_username("a b c").is_err());
    }

    #[test]
    fn passwords() {
        assert!(validate_password("alice", "correct horse").is_ok());
        assert_eq!(
            validate_password("alice", "short"),
            Err(AccountError::PasswordTooShort { min: 10 })
        );
        assert_eq!(
            validate_password("alice12345", "ALICE12345"),
            Err(AccountError::PasswordIsUsername)
        );
        assert!(validate_password("a", &"x".repeat(257)).is_err());
    }

    #[test]
    fn throttle_grows_and_caps() {
        assert_eq!(throttle_delay_secs(0), 0);
        assert_eq!(throttle_delay_secs(4), 0);
        assert_eq!(throttle_delay_secs(5), 30);
        assert_eq!(throttle_delay_secs(6), 60);
        assert_eq!(throttle_delay_secs(100), 900);
        assert_eq!(throttle_delay_secs(i64::MAX), 900);
    }

    #[test]
    fn addresses_wait_only_far_past_one_account() {
        assert_eq!(address_throttle_delay_secs(0), 0);
        assert_eq!(address_throttle_delay_secs(THROTTLE_MAX_FAILURES), 0);
        assert_eq!(address_throttle_delay_secs(99), 0);
        assert_eq!(address_throttle_delay_secs(100), 30);
        assert_eq!(address_throttle_delay_secs(101), 60);
        assert_eq!(address_throttle_delay_secs(i64::MAX), 900);
    }
}
