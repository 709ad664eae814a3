//! [`Timestamp`]: the type every `format: date-time` of the specs decodes into.

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// A point in time, in UTC, as the services send it.
///
/// Both services mostly send RFC 3339 (`2015-05-09T21:05:59.874Z`), but Buildkite sends some
/// timestamps (a pipeline's `created_at`, an access token's dates) as `2013-09-03 13:24:38 UTC`;
/// both forms decode. A timestamp is sent back (in JSON bodies and query strings) as RFC 3339 in
/// UTC with a `Z`, the only form Buildkite's filters accept.
///
/// It dereferences to [`chrono::DateTime<Utc>`].
///
/// ```
/// use kitelab_api::Timestamp;
///
/// let a: Timestamp = "2013-09-03 13:24:38 UTC".parse()?;
/// let b: Timestamp = "2013-09-03T15:24:38+02:00".parse()?;
/// assert_eq!(a, b);
/// assert_eq!(a.to_string(), "2013-09-03T13:24:38Z");
/// # Ok::<(), kitelab_api::TimestampError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// Parses RFC 3339 (any offset) or Buildkite's `YYYY-MM-DD HH:MM:SS UTC`.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            return Ok(Self(t.with_timezone(&Utc)));
        }
        if let Some(naive) = text.strip_suffix(" UTC") {
            if let Ok(t) = NaiveDateTime::parse_from_str(naive, "%Y-%m-%d %H:%M:%S%.f") {
                return Ok(Self(t.and_utc()));
            }
        }
        Err(TimestampError {
            input: text.chars().take(64).collect(),
        })
    }

    /// The current time.
    pub fn now() -> Self {
        Self(Utc::now())
    }

    /// The underlying `DateTime`.
    pub fn into_inner(self) -> DateTime<Utc> {
        self.0
    }
}

impl Deref for Timestamp {
    type Target = DateTime<Utc>;
    fn deref(&self) -> &DateTime<Utc> {
        &self.0
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(t: DateTime<Utc>) -> Self {
        Self(t)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(t: Timestamp) -> Self {
        t.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(text: &str) -> Result<Self, TimestampError> {
        Self::parse(text)
    }
}

impl TryFrom<&str> for Timestamp {
    type Error = TimestampError;
    fn try_from(text: &str) -> Result<Self, TimestampError> {
        Self::parse(text)
    }
}

impl TryFrom<String> for Timestamp {
    type Error = TimestampError;
    fn try_from(text: String) -> Result<Self, TimestampError> {
        Self::parse(&text)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp or `YYYY-MM-DD HH:MM:SS UTC`")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Timestamp, E> {
                Timestamp::parse(text).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> String {
        "Timestamp".into()
    }
    fn json_schema(generator: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        <DateTime<Utc> as schemars::JsonSchema>::json_schema(generator)
    }
}

/// A timestamp that is neither RFC 3339 nor `YYYY-MM-DD HH:MM:SS UTC`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError {
    input: String,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not an RFC 3339 timestamp nor `YYYY-MM-DD HH:MM:SS UTC`",
            self.input
        )
    }
}

impl std::error::Error for TimestampError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_both_forms_and_fractions() {
        let z = Timestamp::parse("2015-05-09T21:05:59.874Z").unwrap();
        assert_eq!(z.to_string(), "2015-05-09T21:05:59.874Z");
        let utc = Timestamp::parse("2013-09-03 13:24:38 UTC").unwrap();
        assert_eq!(utc.to_string(), "2013-09-03T13:24:38Z");
        let offset = Timestamp::parse("2016-08-11T13:28:34.085+02:00").unwrap();
        assert_eq!(offset.to_string(), "2016-08-11T11:28:34.085Z");
    }

    #[test]
    fn rejects_garbage_with_the_input() {
        for bad in [
            "",
            "yesterday",
            "2012-03-04T56:07:08.910Z",
            "2013-09-03 13:24:38",
        ] {
            let err = Timestamp::parse(bad).unwrap_err();
            assert!(err.to_string().contains(bad), "{err}");
        }
        let err = serde_json::from_str::<Timestamp>("\"nope\"").unwrap_err();
        assert!(err.to_string().contains("nope"));
    }

    #[test]
    fn serializes_as_rfc3339_z() {
        let t = Timestamp::parse("2025-01-08T23:22:05+00:00").unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2025-01-08T23:22:05Z\""
        );
    }
}
