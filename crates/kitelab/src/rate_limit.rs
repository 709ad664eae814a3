//! [`RateLimitStatus`]: the last rate-limit headers a client saw.

use std::time::Duration;

use reqwest::header::HeaderMap;

/// The rate-limit headers of the last response that had them.
///
/// Buildkite sends an organization window (`RateLimit-*`) and a user window
/// (`RateLimit-User-*`), with resets in seconds; GitLab sends `RateLimit-*` with the reset as a
/// Unix time. Both are given here as a wait from when the response arrived.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RateLimitStatus {
    /// Requests allowed in the window (`RateLimit-Limit`).
    pub limit: Option<u64>,
    /// Requests left in the window (`RateLimit-Remaining`).
    pub remaining: Option<u64>,
    /// How long until the window resets (`RateLimit-Reset`).
    pub reset_after: Option<Duration>,
    /// Buildkite's per-user window: `RateLimit-User-Limit`.
    pub user_limit: Option<u64>,
    /// Buildkite's per-user window: `RateLimit-User-Remaining`.
    pub user_remaining: Option<u64>,
    /// Buildkite's per-user window: `RateLimit-User-Reset`.
    pub user_reset_after: Option<Duration>,
}

impl RateLimitStatus {
    pub(crate) fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let status = Self {
            limit: number("ratelimit-limit"),
            remaining: number("ratelimit-remaining"),
            reset_after: number("ratelimit-reset").map(crate::transport::reset_to_wait),
            user_limit: number("ratelimit-user-limit"),
            user_remaining: number("ratelimit-user-remaining"),
            user_reset_after: number("ratelimit-user-reset").map(crate::transport::reset_to_wait),
        };
        (status != Self::default()).then_some(status)
    }
}
