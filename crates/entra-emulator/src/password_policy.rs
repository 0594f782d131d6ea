//! Entra's password policy for cloud users, plus a small banned-password check.
//!
//! Length 8–256; at least three of lowercase, uppercase, digits, symbols; symbols only from
//! the allowed set (and space); no non-ASCII. Banned-password scoring: after normalising
//! case and common substitutions (0→o 1→l $→s @→a), each banned term found counts one
//! point and every other character one point; at least five points are needed.

/// Symbols Entra allows in passwords (space is allowed too).
pub const ALLOWED_SYMBOLS: &str = "@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<> ";

/// Terms the emulator's banned-password list rejects.
const BANNED: &[&str] = &[
    "password",
    "passw0rd",
    "contoso",
    "microsoft",
    "azure",
    "welcome",
    "letmein",
    "qwerty",
    "admin",
    "123456",
    "summer",
    "winter",
    "spring",
    "autumn",
];

/// Why a password is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyViolation {
    /// Fewer than 8 or more than 256 characters.
    Length,
    /// A character outside ASCII letters, digits and the allowed symbols.
    Character,
    /// Fewer than three character classes.
    Complexity,
    /// Too close to a banned password.
    Banned,
}

/// Checks a new password against the policy.
pub fn check(password: &str) -> Result<(), PolicyViolation> {
    let length = password.chars().count();
    if !(8..=256).contains(&length) {
        return Err(PolicyViolation::Length);
    }
    if password
        .chars()
        .any(|c| !(c.is_ascii_alphanumeric() || ALLOWED_SYMBOLS.contains(c)))
    {
        return Err(PolicyViolation::Character);
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| ALLOWED_SYMBOLS.contains(c)),
    ];
    if classes.iter().filter(|&&present| present).count() < 3 {
        return Err(PolicyViolation::Complexity);
    }
    if banned_score(password) < 5 {
        return Err(PolicyViolation::Banned);
    }
    Ok(())
}

fn banned_score(password: &str) -> usize {
    let mut rest: String = password
        .to_lowercase()
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' => 'l',
            '$' => 's',
            '@' => 'a',
            other => other,
        })
        .collect();
    let mut points = 0;
    for term in BANNED {
        let normalised: String = term
            .chars()
            .map(|c| if c == '0' { 'o' } else { c })
            .collect();
        while let Some(at) = rest.find(&normalised) {
            points += 1;
            rest.replace_range(at..at + normalised.len(), "");
        }
    }
    points + rest.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_rules() {
        assert_eq!(check("Sh0rt!"), Err(PolicyViolation::Length));
        assert_eq!(check(&"aA1!".repeat(65)), Err(PolicyViolation::Length));
        assert_eq!(check("alllowercase1"), Err(PolicyViolation::Complexity));
        assert_eq!(check("Ünicode-Passw0rd"), Err(PolicyViolation::Character));
        assert_eq!(check("Tab\tInside-1"), Err(PolicyViolation::Character));
        assert_eq!(check("P@ssw0rd1!"), Err(PolicyViolation::Banned));
        assert_eq!(check("Correct horse 9"), Ok(()));
        assert_eq!(check("x7#Qm!2vLp@9Zr$4Wn&8Kt*3Hd(6Fb)1"), Ok(()));
        assert_eq!(check("NoDigitsButSymbols!"), Ok(()));
    }
}
