//! Credentials: [`Secret`] and the header each kind of token travels in.
//!
//! A token is only ever attached to requests for the client's own origin (scheme, host and port):
//! when a download redirects to object storage or a CDN, the credential stays behind. It never
//! appears in `Debug` output, errors or tracing events.

use std::fmt;

use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};

use crate::{Error, Result};

/// A token. Its `Debug` output is `Secret([redacted])` and it has no `Display`.
///
/// ```
/// let token = kitelab::Secret::new("bkua_0123456789");
/// assert_eq!(format!("{token:?}"), "Secret([redacted])");
/// assert_eq!(token.expose(), "bkua_0123456789");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token itself. Be careful where it goes.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Checks that the token can travel in a header as it is: not empty, and only visible ASCII
    /// (`0x21..=0x7E`; no space, control character or anything beyond ASCII). HTTP would let
    /// other bytes through, but no service issues such a token, and a typo or a mangled copy
    /// would otherwise go on the wire. The error names the position, never the token.
    pub(crate) fn validate(&self, what: &str) -> Result<()> {
        if self.0.is_empty() {
            return Err(Error::invalid(format!("{what} is empty")));
        }
        if let Some((position, c)) = self
            .0
            .chars()
            .enumerate()
            .find(|(_, c)| !matches!(c, '\x21'..='\x7e'))
        {
            let kind = match c {
                ' ' => "a space",
                c if c.is_control() => "a control character",
                _ => "a character outside ASCII",
            };
            return Err(Error::invalid(format!(
                "{what} holds {kind} at character {}: a token may only hold visible ASCII \
                 characters (0x21 to 0x7E)",
                position + 1
            )));
        }
        Ok(())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl From<String> for Secret {
    fn from(token: String) -> Self {
        Self(token)
    }
}

impl From<&str> for Secret {
    fn from(token: &str) -> Self {
        Self(token.to_owned())
    }
}

/// The credential headers a request may carry; all of them are removed from a request that
/// leaves the client's origin.
pub(crate) const CREDENTIAL_HEADERS: [&str; 3] = ["authorization", "private-token", "job-token"];

/// A credential header ready to attach, marked sensitive so that reqwest and hyper never print it.
#[derive(Clone)]
pub(crate) struct AuthHeader {
    name: HeaderName,
    value: HeaderValue,
}

impl AuthHeader {
    pub(crate) fn bearer(token: &Secret) -> Result<Self> {
        Self::new(AUTHORIZATION, &format!("Bearer {}", token.expose()))
    }

    /// A credential in a header of its own (GitLab's `JOB-TOKEN`).
    #[cfg(feature = "gitlab")]
    pub(crate) fn custom(name: &'static str, token: &Secret) -> Result<Self> {
        Self::new(HeaderName::from_static(name), token.expose())
    }

    fn new(name: HeaderName, value: &str) -> Result<Self> {
        let mut value = HeaderValue::from_str(value)
            .map_err(|_| Error::invalid("the token is not a valid header value"))?;
        value.set_sensitive(true);
        Ok(Self { name, value })
    }

    pub(crate) fn apply(&self, headers: &mut reqwest::header::HeaderMap) {
        headers.insert(self.name.clone(), self.value.clone());
    }
}

impl fmt::Debug for AuthHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: [redacted]", self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(token: &str) -> String {
        match Secret::new(token).validate("the token") {
            Err(Error::InvalidInput(message)) => message,
            other => panic!("{token:?} was not refused: {other:?}"),
        }
    }

    #[test]
    fn tokens_outside_visible_ascii_are_refused_without_being_shown() {
        for token in [
            "tökén-über-☃",
            "bkua_abc\u{7f}",
            "glpat-\u{a0}nbsp",
            "bkua abc",
            "bkua_abc\r\nX-Evil: 1",
            "\tbkua_abc",
            "bkua_abc\0",
            "glpat-\u{202e}",
        ] {
            let message = refusal(token);
            assert!(message.contains("visible ASCII"), "{message}");
            assert!(!message.contains(token), "{message}");
            assert!(!message.contains("abc"), "the token leaked: {message}");
        }
        assert!(refusal("tökén-über-☃").contains("outside ASCII at character 2"));
        assert_eq!(refusal(""), "the token is empty");
    }

    #[test]
    fn every_visible_ascii_character_is_accepted() {
        let all: String = ('\x21'..='\x7e').collect();
        Secret::new(all).validate("the token").unwrap();
        Secret::new("glpat-AbC_123.x~")
            .validate("the token")
            .unwrap();
    }
}
