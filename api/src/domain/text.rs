//! Bounds on residents' text, counted in Unicode characters (most text is Chinese: a byte count
//! would allow a third of it).

use crate::error::{AppError, AppResult};

/// `s` trimmed, when it has `min` to `max` characters; BAD_USER_INPUT on `field` otherwise,
/// naming `what` ("the title must be 1 to 100 characters").
pub fn chars_between(
    field: &'static str,
    s: &str,
    min: usize,
    max: usize,
    what: &str,
) -> AppResult<String> {
    let s = s.trim();
    let n = s.chars().count();
    if n < min || n > max {
        return Err(AppError::bad_input(
            field,
            format!("{what} must be {min} to {max} characters"),
        ));
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_are_counted_not_bytes_and_the_text_is_trimmed() {
        assert_eq!(
            chars_between("t", "  文明家庭 ", 1, 4, "x").ok().as_deref(),
            Some("文明家庭")
        );
        assert!(chars_between("t", "文明家庭好", 1, 4, "x").is_err());
        assert!(chars_between("t", "   ", 1, 4, "x").is_err());
    }
}
