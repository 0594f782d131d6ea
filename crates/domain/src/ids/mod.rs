//! Identifier newtypes, parsed once at the edge so the rest of the code carries the proof.

mod actor;
mod entra;
mod lease_id;
mod slug;
mod stream;

pub use actor::Actor;
pub use entra::{EntraObjectId, UserPrincipalName};
pub use lease_id::LeaseId;
pub use slug::{ConnectionName, SecretName};
pub use stream::StreamId;

#[cfg(test)]
mod tests;

/// Implements the string plumbing shared by every string-backed newtype:
/// `TryFrom<String>`, `FromStr`, `From<T> for String`, `AsRef<str>`, `Display`.
macro_rules! string_newtype {
    ($ty:ident) => {
        impl TryFrom<String> for $ty {
            type Error = $crate::ParseError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::ParseError;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Self::parse(value)
            }
        }

        impl From<$ty> for String {
            fn from(value: $ty) -> String {
                value.0
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use string_newtype;
