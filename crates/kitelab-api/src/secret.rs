//! [`SecretString`]: the type every `format: password` of the specs decodes into.

use std::fmt;

/// A string that is a secret: a trigger token, a CI/CD variable's value. It travels as plain
/// text, but its `Debug` output is `SecretString([redacted])` and it has no `Display`: read it
/// with [`expose`](Self::expose).
///
/// ```
/// let token = kitelab_api::SecretString::from("glptt-0123456789");
/// assert_eq!(format!("{token:?}"), "SecretString([redacted])");
/// assert_eq!(token.expose(), "glptt-0123456789");
/// assert_eq!(serde_json::to_string(&token).unwrap(), "\"glptt-0123456789\"");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself. Be careful where it goes.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The secret itself, owned.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([redacted])")
    }
}

impl From<String> for SecretString {
    fn from(secret: String) -> Self {
        Self(secret)
    }
}

impl From<&str> for SecretString {
    fn from(secret: &str) -> Self {
        Self(secret.to_owned())
    }
}

impl std::str::FromStr for SecretString {
    type Err = std::convert::Infallible;
    fn from_str(secret: &str) -> Result<Self, Self::Err> {
        Ok(Self(secret.to_owned()))
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for SecretString {
    fn schema_name() -> String {
        "SecretString".into()
    }
    fn json_schema(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::String.into()),
            format: Some("password".into()),
            ..Default::default()
        }
        .into()
    }
}
