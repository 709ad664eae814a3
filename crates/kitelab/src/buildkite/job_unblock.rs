//! Unblocking a block (`manual`) job.

use std::collections::BTreeMap;

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::jobs::JobRoute;
use super::Job;
use crate::{send, Result};

impl Job {
    /// Starts unblocking this block step's job: optionally fill in the step's fields and name the
    /// unblocking user, then [`send`](UnblockJob::send).
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let job = bk
    ///     .pipeline("acme", "web")
    ///     .build(42)
    ///     .job("ded35de2-7de0-4da8-8daa-b4ce0b7f1064")
    ///     .unblock()
    ///     .field("release-name", "Flying Dolphin")
    ///     .send()
    ///     .await?;
    /// if let Some(state) = &job.state {
    ///     println!("{state}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn unblock(&self) -> UnblockJob {
        UnblockJob {
            job: self.clone(),
            unblocker: None,
            fields: BTreeMap::new(),
        }
    }
}

/// Unblocks a job: `job.unblock()`, options, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is unblocked until `.send()`"]
pub struct UnblockJob {
    job: Job,
    unblocker: Option<String>,
    fields: BTreeMap<String, String>,
}

impl UnblockJob {
    /// The user (a UUID of this organization's) who unblocks the job; by default the token's.
    pub fn unblocker(mut self, user_id: impl Into<String>) -> Self {
        self.unblocker = Some(user_id.into());
        self
    }

    /// The value of one of the block step's fields, by its key.
    pub fn field(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.insert(key.into(), value.into());
        self
    }

    /// Unblocks the job and returns it. Buildkite answers `400` for a job that is not a block
    /// step's and `422` for a job of a canceled build or an unknown unblocker.
    pub async fn send(self) -> Result<types::Job> {
        let UnblockJob {
            job,
            unblocker,
            fields,
        } = self;
        let body = types::UnblockJobRequest { fields, unblocker };
        let api = job.api();
        let unblocked = match job.route() {
            JobRoute::Build(org, pipeline, number) => {
                let op = api.unblock_job().org_slug(org).pipeline_slug(pipeline);
                send(op.build_number(number).job_id(&job.id).body(body)).await?
            }
            JobRoute::Organization(org) => {
                let op = api.unblock_organization_job().org_slug(org);
                send(op.job_id(&job.id).body(body)).await?
            }
        };
        Ok(unblocked.into_inner())
    }
}
