//! Pure rules of identity: phone numbers and passwords.

/// Normalise a mainland mobile number: drops spaces, dashes, dots and a leading +86 / 0086 / 86,
/// then requires 11 digits starting with 1 (second digit 3–9).
pub fn normalize_phone(raw: &str) -> Option<String> {
    let digits: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '\u{3000}'))
        .collect();
    let digits = digits
        .strip_prefix("+86")
        .or_else(|| digits.strip_prefix("0086"))
        .or_else(|| {
            if digits.len() == 13 {
                digits.strip_prefix("86")
            } else {
                None
            }
        })
        .unwrap_or(&digits);
    let bytes = digits.as_bytes();
    let ok = bytes.len() == 11
        && bytes.iter().all(u8::is_ascii_digit)
        && bytes[0] == b'1'
        && (b'3'..=b'9').contains(&bytes[1]);
    ok.then(|| digits.to_owned())
}

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// A password must have 8–128 characters. No composition rules (NIST 800-63B): length is what counts.
pub fn validate_password(password: &str) -> Result<(), &'static str> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        Err("must have at least 8 characters")
    } else if n > MAX_PASSWORD_CHARS {
        Err("must have at most 128 characters")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalised() {
        for (raw, want) in [
            ("13800138000", Some("13800138000")),
            ("138 0013 8000", Some("13800138000")),
            ("138-0013-8000", Some("13800138000")),
            ("+86 138 0013 8000", Some("13800138000")),
            ("008613800138000", Some("13800138000")),
            ("8613800138000", Some("13800138000")),
            ("23800138000", None),
            ("12800138000", None),
            ("1380013800", None),
            ("138001380001", None),
            ("1380013800a", None),
            ("", None),
        ] {
            assert_eq!(normalize_phone(raw).as_deref(), want, "{raw:?}");
        }
    }

    #[test]
    fn passwords_need_eight_to_128_characters() {
        assert!(validate_password("1234567").is_err());
        assert!(validate_password("12345678").is_ok());
        assert!(validate_password("密码密码密码密码").is_ok());
        assert!(validate_password(&"x".repeat(129)).is_err());
    }
}
