//! How the generated clients decode a JSON answer.
//!
//! The generator's own `ResponseValue::from_response` parses the body as bytes, so serde_json
//! checks the UTF-8 of every string on its own, and for lists of large items that check is about
//! a quarter of the decoding (see `cargo xtask bench`). [`json`] checks the whole body once and
//! parses it as a `&str`; `cargo xtask generate` calls it in place of `from_response` in every
//! operation.

use serde::de::DeserializeOwned;

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

/// For a body that failed to decode as `T`: the JSON path of the value at fault. (Placeholder
/// until the path-tracking decoder lands: the caller falls back to the position of the error.)
#[doc(hidden)]
pub fn error_path<T: DeserializeOwned>(body: &[u8]) -> Option<String> {
    let _ = body;
    None
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
