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
        if let Some(t) = parse_utc_fast(text.as_bytes()) {
            return Ok(Self(t));
        }
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

/// The form nearly every timestamp takes, `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, without the general
/// parser (a listing decodes thousands of them). Anything else returns `None` and goes to it.
fn parse_utc_fast(b: &[u8]) -> Option<DateTime<Utc>> {
    fn digits(b: &[u8]) -> Option<u32> {
        b.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    }
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || *b.last()? != b'Z'
    {
        return None;
    }
    let date = chrono::NaiveDate::from_ymd_opt(
        digits(&b[0..4])? as i32,
        digits(&b[5..7])?,
        digits(&b[8..10])?,
    )?;
    let (hour, minute, second) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    let nanos = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', fraction @ ..] if !fraction.is_empty() && fraction.len() <= 9 => {
            digits(fraction)? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    // A leap second (`:60`) is left to the general parser.
    let time = chrono::NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
        .filter(|_| second < 60)?;
    Some(date.and_time(time).and_utc())
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

#[cfg(feature = "schemars")]
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
    fn the_fast_path_agrees_with_the_general_parser() {
        for text in [
            "2015-05-09T21:05:59.874Z",
            "2015-05-09T21:05:59Z",
            "2024-02-29T23:59:59.123456789Z",
            "1970-01-01T00:00:00.1Z",
        ] {
            let general = DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc);
            assert_eq!(parse_utc_fast(text.as_bytes()), Some(general), "{text}");
        }
        for text in [
            "2015-02-30T00:00:00Z",
            "2015-05-09T24:00:00Z",
            "2015-05-09T21:05:59.Z",
            "2015-05-09T21:05:59.1234567890Z",
            "2015-05-09t21:05:59Z",
            "2015-05-09T21:05:59+00:00",
            "2016-12-31T23:59:60Z",
        ] {
            assert_eq!(parse_utc_fast(text.as_bytes()), None, "{text}");
        }
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
