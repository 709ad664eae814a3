//! Operations as the generated code identifies them: [`Operation`] (one constant per operation
//! in each service's `operations` module) and [`Request`] (implemented by every operation's
//! builder).

use std::fmt;
use std::future::Future;

use crate::{Error, Hooks, ResponseValue};

/// The service an [`Operation`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Service {
    /// The Buildkite REST API v2 (`spec/buildkite.yaml`).
    Buildkite,
    /// The GitLab CI REST API v4 (`spec/gitlab.yaml`).
    GitLab,
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Service::Buildkite => "Buildkite",
            Service::GitLab => "GitLab",
        })
    }
}

/// One operation of a spec: generated, one constant per operation
/// (`kitelab_api::buildkite::operations::GET_BUILD`), and what errors and traces name.
///
/// ```
/// use kitelab_api::buildkite::operations::GET_BUILD;
///
/// assert_eq!(GET_BUILD.id, "getBuild");
/// assert_eq!(GET_BUILD.method, "GET");
/// assert_eq!(GET_BUILD.to_string(), "getBuild");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Operation {
    /// The service.
    pub service: Service,
    /// The spec's `operationId` (`getBuild`), as COVERAGE.md and the specs list it.
    pub id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template below the base URL (`/organizations/{org_slug}/...`).
    pub path: &'static str,
    /// The success statuses the spec declares.
    pub success: &'static [u16],
    /// The media type of a success body that is streamed rather than decoded (a log, an
    /// archive); `None` for JSON and empty answers.
    pub media_type: Option<&'static str>,
    /// Whether the operation needs no credential or carries its own (`security: []` in the
    /// spec): the client's token is not sent with it.
    pub anonymous: bool,
}

impl Operation {
    /// The spec's operationId in snake case, as progenitor names the builder method
    /// (`get_build`).
    pub fn method_name(&self) -> String {
        let mut name = String::with_capacity(self.id.len() + 4);
        for c in self.id.chars() {
            if c.is_ascii_uppercase() {
                name.push('_');
                name.push(c.to_ascii_lowercase());
            } else {
                name.push(c);
            }
        }
        name
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)
    }
}

/// A generated operation's builder, ready to send: every builder implements it, so a caller
/// can send any operation through one generic function that knows which operation it is.
pub trait Request: Sized + Send {
    /// What a success answer decodes to (`ByteStream` for streamed bodies, `()` for none).
    type Output;

    /// The operation.
    const OPERATION: &'static Operation;

    /// The hooks of the client the builder was made from.
    fn hooks(&self) -> &Hooks;

    /// Sends the request (the builder's own `send`).
    fn send(self) -> impl Future<Output = Result<ResponseValue<Self::Output>, Error<()>>> + Send;

    /// For a body that failed to decode as [`Output`](Self::Output): the JSON path of the
    /// value at fault (`[0].jobs[1].state`), when it can be found.
    fn error_path(body: &[u8]) -> Option<String>;
}

/// A path parameter, checked and percent-encoded: the generated builders call this for every
/// path parameter. An empty or blank value, `.` or `..` would make the URL name another route than the
/// one the caller asked for (`/organizations/..` is `/`), so it is refused with
/// [`Error::InvalidRequest`] before anything is sent.
///
/// ```
/// assert_eq!(kitelab_api::path_segment::<()>("id", "group/project").unwrap(), "group%2Fproject");
/// assert!(kitelab_api::path_segment::<()>("org_slug", "..").is_err());
/// assert!(kitelab_api::path_segment::<()>("org_slug", "  ").is_err());
/// assert_eq!(kitelab_api::path_segment::<()>("path", "..\\x").unwrap(), "..%5Cx");
/// ```
// The error type is the generated client's own, returned by every `send`.
#[allow(clippy::result_large_err)]
pub fn path_segment<E>(name: &str, value: &str) -> Result<String, Error<E>> {
    match value {
        "." | ".." => Err(Error::InvalidRequest(format!(
            "the path parameter `{name}` is `{value}`: it would leave the route, so nothing was sent"
        ))),
        // Blank is never an id, a slug or a key: it only ever finds a 404 or another route.
        _ if value.trim().is_empty() => Err(Error::InvalidRequest(format!(
            "the path parameter `{name}` is {}, so nothing was sent",
            if value.is_empty() { "empty" } else { "blank" }
        ))),
        // A backslash is a path separator to URL parsers for http(s) (`..\\x` is `../x`).
        _ => Ok(progenitor_client::encode_path(value).replace('\\', "%5C")),
    }
}

/// The operations that are sent by hand: multipart uploads, which progenitor cannot express.
/// The specs name them in the description of the nearest operation; these constants identify
/// them the way the generated `operations` modules identify every other one.
pub mod hand_written {
    use super::{Operation, Service};

    /// `publishPackage`: `POST /packages/organizations/{org_slug}/registries/{registry_slug}/packages`
    /// (multipart).
    pub const PUBLISH_PACKAGE: Operation = Operation {
        service: Service::Buildkite,
        id: "publishPackage",
        method: "POST",
        path: "/packages/organizations/{org_slug}/registries/{registry_slug}/packages",
        success: &[200, 201],
        media_type: None,
        anonymous: false,
    };

    /// `createSecureFile`: `POST /projects/{id}/secure_files` (multipart).
    pub const CREATE_SECURE_FILE: Operation = Operation {
        service: Service::GitLab,
        id: "createSecureFile",
        method: "POST",
        path: "/projects/{id}/secure_files",
        success: &[201],
        media_type: None,
        anonymous: false,
    };
}
