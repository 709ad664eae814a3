//! [`RetryPolicy`]: when and how long kitelab waits and tries again.
//!
//! - A 429 is retried after the wait the service gives (`Retry-After`, Buildkite's
//!   `RateLimit-Reset`/`RateLimit-User-Reset` seconds, GitLab's `RateLimit-Reset` time), for every
//!   method: a rate-limited request was not processed.
//! - A 5xx, GitLab's 409 "Resource lock", and a connection failure or timeout are retried with
//!   jittered exponential backoff, for GET, HEAD, PUT and DELETE only: a POST may have been
//!   processed.
//! - A request with a streamed body is never retried.
//!
//! Each retry is a `WARN` tracing event of target `kitelab`.

use std::time::Duration;

/// When and how long kitelab waits and tries again. The default makes at most 4 attempts, backs
/// off from 500 ms up to 30 s, and waits at most 5 minutes for a rate limit to reset.
///
/// ```
/// use std::time::Duration;
/// use kitelab::RetryPolicy;
///
/// let patient = RetryPolicy::default().max_attempts(10).max_wait(Duration::from_secs(600));
/// let never = RetryPolicy::none();
/// # let _ = (patient, never);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    pub(crate) max_attempts: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) max_wait: Duration,
    pub(crate) rate_limits: bool,
    pub(crate) server_errors: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_wait: Duration::from_secs(300),
            rate_limits: true,
            server_errors: true,
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first backoff step; each retry doubles it, up to [`max_backoff`](Self::max_backoff).
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The longest backoff step.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The longest a rate-limit wait may be; a 429 asking for more is returned as
    /// [`Error::RateLimited`](crate::Error::RateLimited) at once.
    pub fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
        self
    }

    /// Whether to retry 429 answers (default true).
    pub fn retry_rate_limits(mut self, yes: bool) -> Self {
        self.rate_limits = yes;
        self
    }

    /// Whether to retry server errors and connection failures of idempotent requests (default
    /// true).
    pub fn retry_server_errors(mut self, yes: bool) -> Self {
        self.server_errors = yes;
        self
    }
}
