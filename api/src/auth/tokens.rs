//! Access tokens: HS256 JWTs with issuer, audience and expiry checked; `alg: none` and every
//! other algorithm are refused. Opaque secrets (refresh tokens, invite codes) are random and
//! stored only as SHA-256 hashes.

use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::{distributions::Uniform, Rng};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const ISSUER: &str = "jiayuan";
pub const AUDIENCE: &str = "jiayuan-clients";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// The account's session epoch when the token was issued.
    pub epoch: i32,
    /// The session (refresh-token family) the token belongs to; signing out ends it.
    #[serde(default)]
    pub sid: String,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// Keys the calendar feed tokens (derived from the secret, never the secret itself).
    feed: std::sync::Arc<[u8; 32]>,
    pub access_ttl_secs: i64,
}

impl TokenKeys {
    pub fn new(secret: &[u8], access_ttl_secs: i64) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            feed: std::sync::Arc::new(
                Sha256::new()
                    .chain_update(b"jiayuan calendar feed v1\0")
                    .chain_update(secret)
                    .finalize()
                    .into(),
            ),
            access_ttl_secs,
        }
    }

    fn feed_mac(&self, account_id: &str, epoch: i32) -> hmac::Hmac<Sha256> {
        use hmac::Mac;
        let mut mac = <hmac::Hmac<Sha256> as Mac>::new_from_slice(self.feed.as_slice())
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(account_id.as_bytes());
        mac.update(b":");
        mac.update(epoch.to_string().as_bytes());
        mac
    }

    /// An account's calendar feed token (DESIGN §10 `calendarUrl`): the account id and a MAC of
    /// it with the account's session epoch, so a password reset or deactivation (which move the
    /// epoch) retires every feed address given out before. Calendar apps cannot send a bearer
    /// token; this one only reads the calendars of the account's communities.
    pub fn feed_token(&self, account_id: &str, epoch: i32) -> String {
        use base64::Engine;
        use hmac::Mac;
        let tag = self.feed_mac(account_id, epoch).finalize().into_bytes();
        format!(
            "{account_id}.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&tag[..20])
        )
    }

    /// The account a feed token names, before its MAC is checked (`feed_token_valid`).
    pub fn feed_account(token: &str) -> Option<&str> {
        token
            .split_once('.')
            .map(|(a, _)| a)
            .filter(|a| !a.is_empty() && a.len() <= 64)
    }

    /// Whether `token` is the account's current feed token (compared in constant time).
    pub fn feed_token_valid(&self, token: &str, account_id: &str, epoch: i32) -> bool {
        use base64::Engine;
        use hmac::Mac;
        let Some((named, tag)) = token.split_once('.') else {
            return false;
        };
        let Ok(tag) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(tag) else {
            return false;
        };
        named == account_id
            && tag.len() == 20
            && self
                .feed_mac(account_id, epoch)
                .verify_truncated_left(&tag)
                .is_ok()
    }

    pub fn issue(
        &self,
        account_id: &str,
        epoch: i32,
        session_id: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<(String, DateTime<Utc>)> {
        let exp = now + chrono::Duration::seconds(self.access_ttl_secs);
        let claims = Claims {
            sub: account_id.to_owned(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now.timestamp(),
            exp: exp.timestamp(),
            epoch,
            sid: session_id.to_owned(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, exp))
    }

    /// Checks signature, algorithm, issuer, audience and expiry (no leeway).
    pub fn verify(&self, token: &str) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 0;
        decode::<Claims>(token, &self.decoding, &validation)
            .ok()
            .map(|d| d.claims)
    }
}

/// A random URL-safe secret of `bytes` random bytes (refresh tokens).
pub fn random_token(bytes: usize) -> String {
    use base64::Engine;
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill(buf.as_mut_slice());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// Letters and digits that cannot be confused when read aloud or on paper (no 0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A human-typable one-time code, e.g. an invite code: `len` characters from `CODE_ALPHABET`.
pub fn random_code(len: usize) -> String {
    let dist = Uniform::from(0..CODE_ALPHABET.len());
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| CODE_ALPHABET[rng.sample(dist)] as char)
        .collect()
}

/// How a typed code is compared: case and separators do not matter.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

pub fn sha256_hex(input: &str) -> String {
    hex::encode(Sha256::digest(input.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(b"0123456789abcdef0123456789abcdef", 900)
    }

    #[test]
    fn a_fresh_token_verifies_and_names_its_account() {
        let (t, _) = keys()
            .issue("acc-1", 3, "s", Utc::now())
            .unwrap_or_default();
        let claims = keys().verify(&t);
        assert_eq!(
            claims.map(|c| (c.sub, c.epoch)),
            Some(("acc-1".to_string(), 3))
        );
    }

    #[test]
    fn an_expired_token_is_refused() {
        let (t, _) = keys()
            .issue("acc-1", 0, "s", Utc::now() - chrono::Duration::hours(1))
            .unwrap_or_default();
        assert!(keys().verify(&t).is_none());
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let other = TokenKeys::new(b"another-secret-another-secret-xx", 900);
        let (t, _) = other.issue("acc-1", 0, "s", Utc::now()).unwrap_or_default();
        assert!(keys().verify(&t).is_none());
    }

    #[test]
    fn codes_use_the_unambiguous_alphabet_and_normalise() {
        let c = random_code(10);
        assert_eq!(c.len(), 10);
        assert!(c.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        assert_eq!(normalize_code(" abcd-efgh "), "ABCDEFGH");
    }
}
