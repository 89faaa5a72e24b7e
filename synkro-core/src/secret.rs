//! [`Secret`]: a value that never shows up in `Debug`, logs or serialized output.

use std::fmt;

/// Wraps a credential (token, API key, password) so it cannot leak by accident.
///
/// `Debug` prints `Secret([redacted])`; there is no `Display` and no `Serialize`. Read the value
/// with [`Secret::expose`] at the one place that must send it.
///
/// ```
/// use synkro_core::Secret;
/// let token = Secret::new("s3cr3t".to_owned());
/// assert_eq!(format!("{token:?}"), "Secret([redacted])");
/// assert_eq!(token.expose(), "s3cr3t");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a value.
    pub const fn new(value: T) -> Self {
        Self(value)
    }

    /// The wrapped value. Call it only where the value is sent to its service.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl<T> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}
