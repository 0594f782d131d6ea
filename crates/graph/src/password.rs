//! Password generation and the Entra ID password policy for cloud users.

use rand::rngs::OsRng;
use rand::seq::SliceRandom;
use rand::{CryptoRng, Rng, RngCore};
use secrecy::SecretString;

/// Length of generated passwords unless the caller asks otherwise.
pub const DEFAULT_PASSWORD_LENGTH: usize = 32;
/// Shortest password [`generate_password`] produces (short ones are clamped up).
pub const MIN_GENERATED_LENGTH: usize = 16;
/// Shortest password Entra accepts.
pub const MIN_POLICY_LENGTH: usize = 8;
/// Longest password Entra accepts (and [`generate_password`] produces).
pub const MAX_PASSWORD_LENGTH: usize = 256;

const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &[u8] = b"0123456789";
/// Entra's allowed symbols, space excluded (a space is allowed but easily lost in copy-paste).
pub const SYMBOLS: &[u8] = b"@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<>";

/// Why a password does not meet the Entra policy; carries no character of the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyViolation {
    /// Fewer than 8 characters.
    #[error("password has {length} characters; at least {MIN_POLICY_LENGTH} are required")]
    TooShort {
        /// Length of the rejected password.
        length: usize,
    },
    /// More than 256 characters.
    #[error("password has {length} characters; at most {MAX_PASSWORD_LENGTH} are allowed")]
    TooLong {
        /// Length of the rejected password.
        length: usize,
    },
    /// Contains a character outside ASCII.
    #[error("password contains a non-ASCII character at position {position}")]
    NonAscii {
        /// 0-based character position.
        position: usize,
    },
    /// Contains an ASCII character that is not a letter, digit, allowed symbol or space.
    #[error("password contains a disallowed character at position {position}")]
    DisallowedCharacter {
        /// 0-based character position.
        position: usize,
    },
    /// Fewer than three of lowercase, uppercase, digits, symbols.
    #[error("password uses {classes} character classes; at least 3 of lowercase, uppercase, digits and symbols are required")]
    TooFewClasses {
        /// Number of classes present.
        classes: usize,
    },
}

/// Generates a random password from the OS CSPRNG that always meets the Entra policy.
///
/// `length` is clamped to 16..=256. Every class (lowercase, uppercase, digit, symbol)
/// appears at least once and the result is uniformly shuffled.
pub fn generate_password(length: usize) -> SecretString {
    generate_with(&mut OsRng, length)
}

fn generate_with<R: RngCore + CryptoRng>(rng: &mut R, length: usize) -> SecretString {
    let length = length.clamp(MIN_GENERATED_LENGTH, MAX_PASSWORD_LENGTH);
    let classes = [LOWER, UPPER, DIGITS, SYMBOLS];
    let all: Vec<u8> = classes.concat();
    let mut bytes = Vec::with_capacity(length);
    for class in classes {
        bytes.push(class[rng.gen_range(0..class.len())]);
    }
    while bytes.len() < length {
        bytes.push(all[rng.gen_range(0..all.len())]);
    }
    bytes.shuffle(rng);
    // Invariant: every byte comes from the ASCII tables above, so this is valid UTF-8; the
    // conversion reuses the buffer, leaving no stray copy of the password behind.
    let text = String::from_utf8(bytes).expect("generated passwords are ASCII");
    SecretString::from(text)
}

/// The class (0 lower, 1 upper, 2 digit, 3 symbol) of an allowed character; space is a symbol.
fn class_of(c: char) -> Option<usize> {
    match c {
        'a'..='z' => Some(0),
        'A'..='Z' => Some(1),
        '0'..='9' => Some(2),
        ' ' => Some(3),
        c if c.is_ascii() && SYMBOLS.contains(&(c as u8)) => Some(3),
        _ => None,
    }
}

/// Checks `password` against the Entra policy for cloud users: 8–256 ASCII characters,
/// letters, digits, the allowed symbols and space only, three of four classes.
///
/// The banned-password list is not checked (Entra keeps it); random passwords from
/// [`generate_password`] always pass it.
pub fn check_password_policy(password: &str) -> Result<(), PolicyViolation> {
    let length = password.chars().count();
    if length < MIN_POLICY_LENGTH {
        return Err(PolicyViolation::TooShort { length });
    }
    if length > MAX_PASSWORD_LENGTH {
        return Err(PolicyViolation::TooLong { length });
    }
    let mut seen = [false; 4];
    for (position, c) in password.chars().enumerate() {
        if !c.is_ascii() {
            return Err(PolicyViolation::NonAscii { position });
        }
        match class_of(c) {
            Some(class) => seen[class] = true,
            None => return Err(PolicyViolation::DisallowedCharacter { position }),
        }
    }
    let classes = seen.iter().filter(|s| **s).count();
    if classes < 3 {
        return Err(PolicyViolation::TooFewClasses { classes });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn symbols_are_the_documented_32() {
        assert_eq!(SYMBOLS.len(), 32);
        let documented = "@ # $ % ^ & * - _ ! + = [ ] { } | \\ : ' , . ? / ` ~ \" ( ) ; < >";
        let listed: Vec<u8> = documented.split(' ').map(|s| s.as_bytes()[0]).collect();
        assert_eq!(listed, SYMBOLS);
    }

    #[test]
    fn hundred_thousand_generated_passwords_pass_the_policy_with_every_class() {
        for _ in 0..100_000 {
            let secret = generate_password(DEFAULT_PASSWORD_LENGTH);
            let p = secret.expose_secret();
            assert_eq!(p.len(), DEFAULT_PASSWORD_LENGTH);
            assert_eq!(check_password_policy(p), Ok(()));
            let mut seen = [false; 4];
            for c in p.chars() {
                seen[class_of(c).expect("allowed")] = true;
            }
            assert_eq!(seen, [true; 4], "every class present");
            assert!(!p.contains(' '));
        }
    }

    #[test]
    fn length_is_clamped() {
        assert_eq!(generate_password(0).expose_secret().len(), 16);
        assert_eq!(generate_password(8).expose_secret().len(), 16);
        assert_eq!(generate_password(64).expose_secret().len(), 64);
        assert_eq!(generate_password(10_000).expose_secret().len(), 256);
    }

    #[test]
    fn shuffle_spreads_classes_over_positions() {
        // The forced characters must not sit at fixed places: over many passwords, the
        // first position holds each class at least sometimes.
        let mut first = [0u32; 4];
        for _ in 0..2_000 {
            let p = generate_password(16);
            let c = p.expose_secret().chars().next().expect("non-empty");
            first[class_of(c).expect("allowed")] += 1;
        }
        assert!(first.iter().all(|n| *n > 50), "{first:?}");
    }

    #[test]
    fn policy_rules() {
        use PolicyViolation::*;
        assert_eq!(check_password_policy("short"), Err(TooShort { length: 5 }));
        assert_eq!(
            check_password_policy(&"aA1".repeat(86)),
            Err(TooLong { length: 258 })
        );
        assert_eq!(
            check_password_policy("Passwörd123"),
            Err(NonAscii { position: 5 })
        );
        assert_eq!(
            check_password_policy("Password\t123"),
            Err(DisallowedCharacter { position: 8 })
        );
        assert_eq!(
            check_password_policy("alllowercase"),
            Err(TooFewClasses { classes: 1 })
        );
        assert_eq!(
            check_password_policy("lowerUPPER"),
            Err(TooFewClasses { classes: 2 })
        );
        assert_eq!(check_password_policy("lowerUPPER1"), Ok(()));
        assert_eq!(check_password_policy("lower upper 1"), Ok(()));
        assert_eq!(check_password_policy("lower`~\"1"), Ok(()));
        assert_eq!(check_password_policy(&"aA1".repeat(85)), Ok(()));
    }
}
