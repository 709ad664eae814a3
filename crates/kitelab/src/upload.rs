//! Multipart uploads, the one thing progenitor cannot send (GitLab secure files, Buildkite
//! packages). They are written by hand, but go through the same transport as every generated
//! call: credentials for the client's origin only, timeouts, rate-limit tracking. A multipart
//! body is a stream, so an upload is never retried.

use kitelab_api::ClientInfo;
use reqwest::multipart::{Form, Part};
use serde::de::DeserializeOwned;

use crate::{Error, Result};

/// POSTs `form` to `segments` (raw path segments, each encoded once) under the client's base URL,
/// and decodes the answer.
pub(crate) async fn post_multipart<C, T>(
    client: &C,
    operation: &'static crate::Operation,
    segments: &[&str],
    form: Form,
) -> Result<T>
where
    C: ClientInfo<kitelab_api::Hooks>,
    T: DeserializeOwned,
{
    // The same check as every generated path parameter: no segment may leave the route.
    let mut path = String::new();
    for segment in segments {
        let encoded = kitelab_api::path_segment::<()>("path", segment).map_err(|e| match e {
            kitelab_api::Error::InvalidRequest(message) => Error::invalid(message),
            other => Error::invalid(other.to_string()),
        })?;
        path.push('/');
        path.push_str(&encoded);
    }
    let url = url::Url::parse(&format!("{}{path}", client.baseurl().trim_end_matches('/')))
        .map_err(|e| Error::invalid(format!("base URL: {e}")))?;
    let request = client
        .client()
        .post(url)
        .multipart(form)
        .build()
        .map_err(|e| Error::transport(operation, e))?;
    let response = client
        .inner()
        .execute(client.client(), request, operation)
        .await
        .map_err(|e| Error::transport(operation, e))?;
    let status = response.status();
    if !status.is_success() {
        return Err(Error::from_response(operation, response, client.inner()).await);
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| Error::transport(operation, e))?;
    serde_json::from_slice(&body).map_err(|e| {
        let path = crate::error::json_path_at(&body, e.line(), e.column());
        Error::decode(
            operation,
            Some(status),
            &body,
            &e.to_string(),
            path,
            client.inner(),
        )
    })
}

/// A file part named `field`, streamed from `content`.
pub(crate) fn file_part(content: reqwest::Body, file_name: String) -> Part {
    Part::stream(content).file_name(file_name)
}
