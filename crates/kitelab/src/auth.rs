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

    pub(crate) fn validate(&self, what: &str) -> Result<()> {
        if self.0.trim().is_empty() {
            return Err(Error::invalid(format!("{what} is empty")));
        }
        if self.0.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err(Error::invalid(format!(
                "{what} contains spaces or control characters"
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
