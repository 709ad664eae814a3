//! The GitLab CI REST API v4: [`GitLab`] and its resource handles.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use kitelab::gitlab::PipelineStatus;
//!
//! # async fn run() -> kitelab::Result<()> {
//! // CI_SERVER_URL or GITLAB_URL (default https://gitlab.com); GITLAB_TOKEN or CI_JOB_TOKEN
//! let gl = kitelab::GitLab::from_env()?;
//! let project = gl.project("group/subgroup/project"); // or a numeric id: gl.project(42)
//! let failed: Vec<_> = project
//!     .pipelines()
//!     .status(PipelineStatus::Failed)
//!     .git_ref("main")
//!     .max_items(10)
//!     .stream()
//!     .try_collect()
//!     .await?;
//! for p in failed {
//!     project.pipeline(p.id).retry().await?;
//! }
//! # Ok(()) }
//! ```
//!
//! Project and group ids are passed raw (`"group/sub/project"` or `42`): kitelab encodes them
//! once (`group%2Fsub%2Fproject`). Models are in [`types`] (generated from `spec/gitlab.yaml`);
//! the enums used as filters are re-exported here.

mod artifacts;
mod checks;
mod deployments;
mod environments;
mod jobs;
mod packages;
mod pipelines;
mod project_ci;
mod projects;
mod reports;
mod runner_registration;
mod runners;
mod schedules;
mod secure_files;
mod triggers;
mod variables;

use std::fmt;
use std::sync::Arc;

use kitelab_api::gitlab::Client;
use url::Url;

use crate::auth::AuthHeader;
use crate::config::{common_builder_methods, Settings};
use crate::{Result, Secret};

pub use checks::*;
pub use deployments::*;
pub use environments::*;
pub use jobs::*;
pub use kitelab_api::gitlab::types;
pub use kitelab_api::gitlab::types::ScheduleScope;
pub use kitelab_api::gitlab::types::{
    JobStatus, PipelineScope, PipelineSource, PipelineStatus, VariableType,
};
pub use packages::*;
pub use pipelines::*;
pub use project_ci::*;
pub use projects::*;
pub use reports::*;
pub use runner_registration::*;
pub use runners::*;
pub use schedules::*;
pub use secure_files::*;
pub use triggers::*;
pub use variables::*;

/// Positions a generated job-list builder (`list_project_jobs`, `list_runner_jobs`) at `$at`:
/// by keyset, newest first, from the first page on and through the cursor of each `next`
/// link when `$keyset`; by page number otherwise, or when a link has no cursor (GitLab
/// answered by offset).
macro_rules! jobs_by_keyset {
    ($op:expr, $at:expr, $keyset:expr) => {{
        let at = $at;
        let mut op = $op;
        let cursor = at.param("cursor").map(str::to_owned);
        let page = match (at.request(), at.param("page")) {
            (crate::pagination::PageRequest::Number(n), _) => Some(*n),
            (crate::pagination::PageRequest::Link(_), Some(page)) if cursor.is_none() => {
                page.parse().ok()
            }
            _ => None,
        };
        if $keyset && (cursor.is_some() || page == Some(1)) {
            op = op
                .pagination(kitelab_api::gitlab::types::PaginationMode::Keyset)
                .order_by(kitelab_api::gitlab::types::JobOrderBy::Id)
                .sort(kitelab_api::gitlab::types::Sort::Desc);
            if let Some(cursor) = cursor {
                op = op.cursor(cursor);
            }
        } else {
            op = op.page(crate::pagination::non_zero(page.unwrap_or(at.number())));
        }
        op
    }};
}
use jobs_by_keyset;

/// A GitLab token, by the header it travels in.
///
/// Whatever its kind, a token may only hold visible ASCII characters (`0x21` to `0x7E`):
/// [`GitLabBuilder::build`] refuses an empty token, or one with a space, a control character
/// (CR, LF, ...) or any character outside ASCII (`tökén`), with
/// [`Error::InvalidInput`](crate::Error::InvalidInput) naming the position of the character,
/// never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Token {
    /// A personal, project or group access token: `Authorization: Bearer`.
    Personal(Secret),
    /// An OAuth 2 access token: `Authorization: Bearer`.
    OAuth(Secret),
    /// A CI job token (`$CI_JOB_TOKEN`): `JOB-TOKEN`. It works only on the routes GitLab allows
    /// job tokens on (jobs, artifacts, `/job`, ...).
    Job(Secret),
}

impl Token {
    /// The token itself.
    fn secret(&self) -> &Secret {
        match self {
            Token::Personal(secret) | Token::OAuth(secret) | Token::Job(secret) => secret,
        }
    }

    fn header(&self) -> Result<AuthHeader> {
        match self {
            Token::Personal(secret) | Token::OAuth(secret) => {
                secret.validate("the GitLab token")?;
                AuthHeader::bearer(secret)
            }
            Token::Job(secret) => {
                secret.validate("the CI job token")?;
                AuthHeader::custom("job-token", secret)
            }
        }
    }
}

/// A GitLab client. Cheap to clone; clones share connections and rate-limit state.
///
/// ```no_run
/// # fn run() -> kitelab::Result<()> {
/// use kitelab::gitlab::Token;
///
/// let gl = kitelab::GitLab::builder()
///     .base_url("https://gitlab.example.com")
///     .token(Token::Personal("glpat-…".into()))
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct GitLab {
    inner: Arc<Inner>,
}

struct Inner {
    api: Client,
    base: Url,
    per_page: u32,
    transport: Arc<crate::transport::Transport>,
}

impl fmt::Debug for GitLab {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitLab")
            .field("base_url", &self.inner.base.as_str())
            .finish_non_exhaustive()
    }
}

impl GitLab {
    /// `https://gitlab.com`.
    pub const DEFAULT_BASE_URL: &'static str = "https://gitlab.com";

    /// A client for gitlab.com with a personal, project or group access token. Fails on a token
    /// that is empty or holds anything but visible ASCII (see [`Token`]).
    pub fn new(token: impl Into<Secret>) -> Result<Self> {
        Self::builder().token(Token::Personal(token.into())).build()
    }

    /// A builder, to set the host, token kind, timeouts, retries or page size.
    pub fn builder() -> GitLabBuilder {
        GitLabBuilder::default()
    }

    /// A client from the environment GitLab CI sets, or a user's:
    ///
    /// - host: `CI_SERVER_URL`, else `GITLAB_URL`, else gitlab.com (`/api/v4` is added unless the
    ///   URL ends with it);
    /// - token: `GITLAB_TOKEN` (sent as a bearer token), else `CI_JOB_TOKEN` (sent as
    ///   `JOB-TOKEN`). With neither (unset or blank), this fails with
    ///   [`Error::InvalidInput`](crate::Error::InvalidInput): a client without a token is
    ///   [`GitLabBuilder::anonymous`], asked for explicitly.
    pub fn from_env() -> Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let mut builder = Self::builder();
        if let Some(url) = var("CI_SERVER_URL").or_else(|| var("GITLAB_URL")) {
            builder = builder.base_url(url);
        }
        let token =
            match (var("GITLAB_TOKEN"), var("CI_JOB_TOKEN")) {
                (Some(token), _) => Token::Personal(token.into()),
                (None, Some(token)) => Token::Job(token.into()),
                (None, None) => return Err(crate::Error::invalid(
                    "neither GITLAB_TOKEN nor CI_JOB_TOKEN is set: from_env needs a token (for \
                     a client without one, use GitLab::builder().anonymous())",
                )),
            };
        builder.token(token).build()
    }

    /// The generated low-level client, for the operations this crate does not wrap (those
    /// `COVERAGE.md` marks "raw only").
    ///
    /// Its operations are methods of one extension trait per resource, so a raw call needs
    /// their prelude in scope: `use kitelab::api::gitlab::prelude::*;`. The call goes through
    /// this client's token, retries, rate-limit handling and tracing; its error is the
    /// generated [`kitelab::api::Error`](crate::api::Error), not [`kitelab::Error`](crate::Error).
    ///
    /// ```no_run
    /// use kitelab::api::gitlab::prelude::*;
    ///
    /// # async fn run(gl: kitelab::GitLab) -> Result<(), Box<dyn std::error::Error>> {
    /// let answer = gl.api().list_package_pipelines().id("group/project").package_id(7).send().await?;
    /// println!("{:?}", answer.into_inner());
    /// # Ok(()) }
    /// ```
    pub fn api(&self) -> &Client {
        &self.inner.api
    }

    /// The API base URL (`https://host/api/v4`).
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The rate-limit headers of the last response that had them.
    pub fn rate_limit(&self) -> Option<crate::RateLimitStatus> {
        self.inner.transport.rate_limit()
    }

    /// A project, by numeric id or full path (`"group/subgroup/project"`).
    pub fn project(&self, id: impl Into<ProjectId>) -> Project {
        Project::new(self.clone(), id.into())
    }

    /// Triggers a pipeline with a trigger token (or a CI job token); the client's own token is not
    /// sent, so an [`anonymous`](GitLabBuilder::anonymous) client works. Like every token, the trigger token may only hold
    /// visible ASCII characters (`0x21` to `0x7E`): `send` refuses any other with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput), before anything is sent.
    ///
    /// ```no_run
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let pipeline = gl
    ///     .trigger_pipeline("group/project", "main", "glptt-…")
    ///     .variable("DEPLOY_ZONE", "eu")
    ///     .send()
    ///     .await?;
    /// # let _ = pipeline; Ok(()) }
    /// ```
    pub fn trigger_pipeline(
        &self,
        project: impl Into<ProjectId>,
        git_ref: impl Into<String>,
        token: impl Into<Secret>,
    ) -> TriggerPipeline {
        self.project(project).trigger_pipeline(git_ref, token)
    }

    /// The job whose CI/CD job token the client holds (inside a job: `GitLab::from_env()` with
    /// `CI_JOB_TOKEN`). The token must be a job token, of a running job.
    ///
    /// ```no_run
    /// # async fn run() -> kitelab::Result<()> {
    /// let gl = kitelab::GitLab::from_env()?; // CI_SERVER_URL and CI_JOB_TOKEN, inside a job
    /// let job = gl.current_job().await?;
    /// println!("job {} of pipeline {:?}", job.id, job.pipeline.map(|p| p.id));
    /// # Ok(()) }
    /// ```
    pub async fn current_job(&self) -> Result<types::Job> {
        use kitelab_api::gitlab::prelude::*;
        Ok(crate::send(self.api().get_current_job())
            .await?
            .into_inner())
    }

    /// The agents for Kubernetes the current job (see [`current_job`](Self::current_job)) may
    /// use, with the job's pipeline, project, user and environment.
    pub async fn current_job_allowed_agents(&self) -> Result<types::JobAllowedAgents> {
        use kitelab_api::gitlab::prelude::*;
        let op = self.api().get_job_allowed_agents();
        Ok(crate::send(op).await?.into_inner())
    }

    /// The generated client for one call that carries a secret of its own (a trigger token in
    /// the body): error text that echoes it is redacted like the client's token.
    pub(crate) fn api_with_secret(&self, secret: &Secret) -> Client {
        use kitelab_api::ClientInfo;
        let api = self.api();
        Client::new_with_client(
            api.baseurl(),
            api.client().clone(),
            api.inner()
                .clone()
                .with_secret(kitelab_api::SecretString::new(secret.expose())),
        )
    }

    pub(crate) fn per_page(&self) -> u32 {
        self.inner.per_page
    }
}

/// Builds a [`GitLab`] client.
#[derive(Default)]
pub struct GitLabBuilder {
    settings: Settings,
    token: Option<Token>,
    anonymous: bool,
}

impl fmt::Debug for GitLabBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitLabBuilder")
            .field("base_url", &self.settings.base_url)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl GitLabBuilder {
    /// The token and its kind. It may only hold visible ASCII characters (`0x21` to `0x7E`);
    /// see [`Token`].
    pub fn token(mut self, token: Token) -> Self {
        self.token = Some(token);
        self.anonymous = false;
        self
    }

    /// A client without a token, asked for explicitly: public projects, and
    /// [`GitLab::trigger_pipeline`], which carries its own token. Without a token or this,
    /// [`build`](Self::build) fails. Undoes [`token`](Self::token).
    ///
    /// ```no_run
    /// # async fn run() -> kitelab::Result<()> {
    /// let gl = kitelab::GitLab::builder().anonymous().build()?;
    /// gl.trigger_pipeline("group/project", "main", "glptt-…").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn anonymous(mut self) -> Self {
        self.token = None;
        self.anonymous = true;
        self
    }

    /// The GitLab host (`https://gitlab.example.com`, default gitlab.com); `/api/v4` is added
    /// unless the URL already ends with it.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.settings.base_url = Some(url.into());
        self
    }

    common_builder_methods!();

    /// Builds the client. Fails with neither a token nor [`anonymous`](Self::anonymous), on a
    /// token that is empty or holds anything but visible ASCII (see [`Token`]), an unusable
    /// base URL or a page size out of range.
    pub fn build(self) -> Result<GitLab> {
        if self.token.is_none() && !self.anonymous {
            return Err(crate::Error::invalid(
                "no GitLab token: set one with .token(…), or call .anonymous() for a client \
                 without one",
            ));
        }
        let auth = self.token.as_ref().map(Token::header).transpose()?;
        let built = self.settings.build(
            GitLab::DEFAULT_BASE_URL,
            "/api/v4",
            auth,
            self.token.as_ref().map(|t| t.secret().clone()),
        )?;
        let base = built.base.as_str().trim_end_matches('/').to_owned();
        let api = Client::new_with_client(
            &base,
            built.http,
            kitelab_api::Hooks::with_middleware(built.transport.clone()),
        );
        Ok(GitLab {
            inner: Arc::new(Inner {
                api,
                base: built.base,
                per_page: built.per_page,
                transport: built.transport,
            }),
        })
    }
}
