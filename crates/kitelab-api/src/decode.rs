//! How the generated clients decode a JSON answer.
//!
//! The generator's own `ResponseValue::from_response` parses the body as bytes, so serde_json
//! checks the UTF-8 of every string on its own, and for lists of large items that check is about
//! a quarter of the decoding (see `cargo xtask bench`). [`json`] checks the whole body once and
//! parses it as a `&str`; `cargo xtask generate` calls it in place of `from_response` in every
//! operation. [`error_path`] names the field at fault in a body that did not decode, and
//! [`null_as_default`] lets optional arrays and maps read `null` as empty.

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::{Error, ResponseValue};

/// Reads a JSON answer into `T`, keeping its status and headers.
///
/// The same as progenitor's `ResponseValue::from_response`, errors included (a body that is
/// not UTF-8 or not a `T` is [`Error::InvalidResponsePayload`] with the body), only faster.
#[doc(hidden)]
pub async fn json<T: DeserializeOwned, E>(
    response: reqwest::Response,
) -> Result<ResponseValue<T>, Error<E>> {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(Error::ResponseBodyError)?;
    let decoded = match std::str::from_utf8(&body) {
        Ok(text) => serde_json::from_str(text),
        // Let the byte parser say where the JSON goes wrong.
        Err(_) => serde_json::from_slice(&body),
    };
    match decoded {
        Ok(inner) => Ok(ResponseValue::new(inner, status, headers)),
        Err(error) => Err(Error::InvalidResponsePayload(body, error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(body: &'static [u8]) -> reqwest::Response {
        let response = http::Response::builder()
            .status(201)
            .header("x-request-id", "r1")
            .body(body)
            .expect("a response");
        reqwest::Response::from(response)
    }

    #[tokio::test]
    async fn decodes_with_status_and_headers() {
        let value: ResponseValue<Vec<String>> =
            json::<_, ()>(response(br#"["a","\u00e9","\u2603"]"#))
                .await
                .expect("decodes");
        assert_eq!(value.status(), 201);
        assert_eq!(value.headers()["x-request-id"], "r1");
        assert_eq!(value.into_inner(), ["a", "é", "☃"]);
    }

    #[tokio::test]
    async fn bad_bodies_are_invalid_payloads_with_the_body() {
        for body in [
            &b"[\"a\", 1]"[..],
            &b"[\"caf\xe9\"]"[..], // Latin-1, not UTF-8
            &b"[\"a\""[..],
            &b""[..],
        ] {
            match json::<Vec<String>, ()>(response(body)).await {
                Err(Error::InvalidResponsePayload(kept, _)) => assert_eq!(&kept[..], body),
                other => panic!("{body:?}: {:?}", other.map(|v| v.into_inner())),
            }
        }
    }

    #[tokio::test]
    async fn the_byte_parser_places_a_utf8_error() {
        let Err(Error::InvalidResponsePayload(_, error)) =
            json::<Vec<String>, ()>(response(b"[\"ok\",\n\"caf\xe9\"]")).await
        else {
            panic!("not an invalid payload");
        };
        assert_eq!(error.line(), 2, "{error}");
    }
}

/// For a body that failed to decode as `T`: the JSON path of the value at fault, such as
/// `[0].jobs[1].state`. A list item is named by its index; a missing field by the path it
/// would have had. `None` when the body decodes, or is no JSON at all (the caller then places
/// the error by its line and column).
#[doc(hidden)]
pub fn error_path<T: DeserializeOwned>(body: &[u8]) -> Option<String> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let error = serde_path_to_error::deserialize::<_, T>(&mut deserializer).err()?;
    if error.inner().is_syntax() || error.inner().is_eof() || error.inner().is_io() {
        return None;
    }
    let mut path = error.path().to_string();
    if path == "." {
        path.clear();
    }
    // serde names a missing field in its message, at the object that lacks it.
    let message = error.inner().to_string();
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(field);
    }
    Some(path)
}

/// Decodes an optional array or map: `null` reads as empty, the same as an absent field.
/// `cargo xtask generate` puts it on every such field of the generated models (the tolerance
/// policy in spec/README.md).
#[doc(hidden)]
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod path_tests {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Build {
        number: u64,
        #[serde(default, deserialize_with = "null_as_default")]
        jobs: Vec<Job>,
        #[serde(default, deserialize_with = "null_as_default")]
        env: BTreeMap<String, String>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Job {
        id: String,
        step_key: Option<String>,
        state: String,
    }

    #[test]
    fn a_missing_field_inside_a_list_is_named_by_index_and_key() {
        let body = br#"[{"number": 1, "jobs": [{"id": "a", "state": "passed"},
            {"id": "b", "step_key": "wait", "type": "waiter"}]}]"#;
        assert_eq!(
            error_path::<Vec<Build>>(body).as_deref(),
            Some("[0].jobs[1].state")
        );
    }

    #[test]
    fn a_wrong_value_is_named_where_it_is() {
        let body = br#"[{"number": 1}, {"number": 2, "jobs": [{"id": "a", "state": 3}]}]"#;
        assert_eq!(
            error_path::<Vec<Build>>(body).as_deref(),
            Some("[1].jobs[0].state")
        );
        assert_eq!(
            error_path::<Build>(br#"{"number": "x"}"#).as_deref(),
            Some("number")
        );
        assert_eq!(error_path::<Build>(br#"{}"#).as_deref(), Some("number"));
    }

    #[test]
    fn no_path_for_good_bodies_or_broken_json() {
        assert_eq!(error_path::<Vec<Build>>(br#"[{"number": 1}]"#), None);
        assert_eq!(error_path::<Vec<Build>>(br#"[{"number": 1"#), None);
    }

    #[test]
    fn null_collections_read_as_empty() {
        let build: Build =
            serde_json::from_str(r#"{"number": 1, "jobs": null, "env": null}"#).expect("decodes");
        assert!(build.jobs.is_empty() && build.env.is_empty());
        let build: Build = serde_json::from_str(r#"{"number": 1}"#).expect("decodes");
        assert!(build.jobs.is_empty());
        assert!(serde_json::from_str::<Build>(r#"{"number": 1, "jobs": 3}"#).is_err());
    }
}
