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
    operation: &'static str,
    segments: &[&str],
    form: Form,
) -> Result<T>
where
    C: ClientInfo<kitelab_api::Hooks>,
    T: DeserializeOwned,
{
    let mut url =
        url::Url::parse(client.baseurl()).map_err(|e| Error::invalid(format!("base URL: {e}")))?;
    url.path_segments_mut()
        .map_err(|()| Error::invalid("the base URL cannot have a path"))?
        .pop_if_empty()
        .extend(segments);
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
        return Err(Error::from_response(operation, response).await);
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| Error::transport(operation, e))?;
    serde_json::from_slice(&body).map_err(|e| Error::decode(operation, status, &body, &e))
}

/// A file part named `field`, streamed from `content`.
pub(crate) fn file_part(content: reqwest::Body, file_name: String) -> Part {
    Part::stream(content).file_name(file_name)
}
