//! Waiting for a build or a pipeline to finish: [`Wait`].
//!
//! `wait()` polls until the build or pipeline reaches a terminal state and returns its final
//! state. It is a future with options: `.poll_every(…)` (default 5 s) and `.timeout(…)` (default
//! one hour; [`Error::WaitTimeout`] past it). Polls go through the client's retry policy like any
//! call, so a transient error does not end the wait.
//!
//! ```no_run
//! use std::time::Duration;
//!
//! # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
//! let project = gl.project("group/project");
//! let created = project.create_pipeline("main").send().await?;
//! let finished = project
//!     .pipeline(created.id)
//!     .wait()
//!     .poll_every(Duration::from_secs(2))
//!     .timeout(Duration::from_secs(1800))
//!     .await?;
//! println!("pipeline {} {}", finished.id, finished.status);
//! # Ok(()) }
//! ```

use std::fmt;
use std::future::{Future, IntoFuture};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;

use crate::{Error, Result};

type Fetch<T> = Arc<dyn Fn() -> BoxFuture<'static, Result<T>> + Send + Sync>;

/// Polls a build or pipeline until it finishes; `.await` it.
#[must_use = "a wait does nothing until it is awaited"]
pub struct Wait<T> {
    what: String,
    fetch: Fetch<T>,
    /// `Some(state)` while unfinished (the state, for messages); `None` once finished.
    pending: fn(&T) -> Option<String>,
    poll_every: Duration,
    timeout: Option<Duration>,
}

impl<T> fmt::Debug for Wait<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("what", &self.what)
            .field("poll_every", &self.poll_every)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl<T: Send + 'static> Wait<T> {
    pub(crate) fn new<F, Fut>(what: String, fetch: F, pending: fn(&T) -> Option<String>) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T>> + Send + 'static,
    {
        Self {
            what,
            fetch: Arc::new(move || Box::pin(fetch())),
            pending,
            poll_every: Duration::from_secs(5),
            timeout: Some(Duration::from_secs(3600)),
        }
    }

    /// How long to wait between polls (default 5 s).
    pub fn poll_every(mut self, interval: Duration) -> Self {
        self.poll_every = interval;
        self
    }

    /// How long to wait in all before giving up with [`Error::WaitTimeout`] (default one hour);
    /// `None` waits for as long as it takes.
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.timeout = timeout.into();
        self
    }

    async fn run(self) -> Result<T> {
        let started = Instant::now();
        loop {
            let current = (self.fetch)().await?;
            let Some(state) = (self.pending)(&current) else {
                return Ok(current);
            };
            let waited = started.elapsed();
            if let Some(limit) = self.timeout {
                if waited + self.poll_every > limit {
                    return Err(Error::WaitTimeout {
                        what: self.what,
                        waited,
                        last_state: state,
                    });
                }
            }
            tracing::debug!(target: "kitelab", what = %self.what, state = %state, "still waiting");
            tokio::time::sleep(self.poll_every).await;
        }
    }
}

impl<T: Send + 'static> IntoFuture for Wait<T> {
    type Output = Result<T>;
    type IntoFuture = BoxFuture<'static, Result<T>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}
