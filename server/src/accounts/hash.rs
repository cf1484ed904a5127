//! Password hashes: argon2id in the PHC string form (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`), so
//! that each hash carries its own cost and a users file may hold hashes of different costs.
//!
//! Hashing and checking take tens of milliseconds by design; the server runs them on the blocking pool.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// The most a users file's hash may cost to check: 256 MiB, 16 passes, 8 lanes.
const MAX_MEMORY_KIB: u32 = 256 * 1024;
const MAX_PASSES: u32 = 16;
const MAX_LANES: u32 = 8;

/// How expensive a new hash is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    /// argon2's recommended default (19 MiB, 2 passes, 1 lane): what `ftp-server user add` writes.
    Default,
    /// The smallest cost argon2 accepts, for tests whose subject is not the hash.
    Cheap,
}

impl Cost {
    fn params(self) -> Result<Params, argon2::Error> {
        match self {
            Cost::Default => Ok(Params::DEFAULT),
            Cost::Cheap => Params::new(Params::MIN_M_COST, Params::MIN_T_COST, 1, None),
        }
    }
}

/// Hashes `password` with a fresh random salt, as a PHC string.
pub fn hash_password(password: &str, cost: Cost) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rustix::rand::getrandom(&mut salt, rustix::rand::GetRandomFlags::empty())
        .map_err(|error| format!("no random salt: {error}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|error| error.to_string())?;
    let params = cost.params().map_err(|error| error.to_string())?;
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| error.to_string())
}

/// Checks that `phc` is a hash this server can verify: argon2id in PHC form.
pub fn check_format(phc: &str) -> Result<(), String> {
    let hash =
        PasswordHash::new(phc).map_err(|error| format!("not a PHC hash string ({error})"))?;
    if hash.algorithm != Algorithm::Argon2id.ident() {
        return Err(format!("algorithm {} is not argon2id", hash.algorithm));
    }
    let params =
        Params::try_from(&hash).map_err(|error| format!("bad argon2 parameters ({error})"))?;
    // Each check of a hash costs its memory and passes: a file must not make one login take gigabytes.
    if params.m_cost() > MAX_MEMORY_KIB
        || params.t_cost() > MAX_PASSES
        || params.p_cost() > MAX_LANES
    {
        return Err(format!(
            "argon2 cost too high (at most m={MAX_MEMORY_KIB}, t={MAX_PASSES}, p={MAX_LANES})"
        ));
    }
    Ok(())
}

/// True when `password` matches `phc`. A malformed hash matches nothing.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// Takes as long as checking a password against a real (default-cost) hash, and fails: a login as an
/// unknown user costs what one as a known user does, so the time of the 530 tells nothing.
pub fn verify_unknown_user(password: &str) -> bool {
    static STAND_IN: OnceLock<String> = OnceLock::new();
    let stand_in = STAND_IN
        .get_or_init(|| hash_password("no such account", Cost::Default).unwrap_or_default());
    let _ = verify(password, stand_in);
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("s3cret", Cost::Cheap).unwrap();
        assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
        check_format(&hash).unwrap();
        assert!(verify("s3cret", &hash));
        assert!(!verify("s3cret ", &hash));
        assert!(!verify("", &hash));
        assert_ne!(
            hash,
            hash_password("s3cret", Cost::Cheap).unwrap(),
            "salted"
        );
        assert!(!verify("x", "plaintext"));
        assert!(check_format("plaintext").is_err());
        assert!(check_format("$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo").is_err());
        let costly = "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";
        assert!(check_format(costly).unwrap_err().contains("cost too high"));
    }
}
