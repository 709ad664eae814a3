//! Deployments of a project: list, create, read, update the status of and delete them; the merge
//! requests a deployment shipped; approving or rejecting a blocked one.

use kitelab_api::gitlab::prelude::*;
use kitelab_api::gitlab::types;
use kitelab_api::Timestamp;

use super::Project;
use crate::pagination::{ListQuery, PageAt};
use crate::{segment, send, Error, List, Page, Result};

/// Deployments.
impl Project {
    /// The project's deployments, by id ascending unless ordered otherwise; filter with the
    /// methods of [`List<DeploymentsQuery>`](List#impl-List<DeploymentsQuery>).
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    /// use kitelab::gitlab::types::{DeploymentOrderBy, DeploymentStatus, Sort};
    ///
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let to_production: Vec<_> = gl
    ///     .project("group/project")
    ///     .deployments()
    ///     .environment("production")
    ///     .status(DeploymentStatus::Success)
    ///     .order_by(DeploymentOrderBy::FinishedAt)
    ///     .finished_after(kitelab::Timestamp::parse("2026-11-01T00:00:00Z").unwrap())
    ///     .sort(Sort::Desc)
    ///     .max_items(20)
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// # let _ = to_production; Ok(()) }
    /// ```
    pub fn deployments(&self) -> Deployments {
        List::new(
            DeploymentsQuery {
                project: self.clone(),
                filters: Filters::default(),
            },
            self.gl.per_page(),
        )
    }

    /// A deployment, by id.
    pub fn deployment(&self, id: i64) -> Deployment {
        Deployment {
            project: self.clone(),
            id,
        }
    }

    /// Starts recording a deployment made outside GitLab CI/CD: of commit `sha` of `git_ref` to
    /// the environment named `environment` (created if missing), in `status` (running, success,
    /// failed or canceled).
    ///
    /// ```no_run
    /// use kitelab::gitlab::types::DeploymentStatus;
    ///
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let project = gl.project("group/project");
    /// let deployment = project
    ///     .create_deployment("production", "a91957a8", "v1.4.0", DeploymentStatus::Running)
    ///     .tag(true)
    ///     .send()
    ///     .await?;
    /// // … deploy …
    /// project
    ///     .deployment(deployment.id)
    ///     .set_status(DeploymentStatus::Success)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn create_deployment(
        &self,
        environment: impl Into<String>,
        sha: impl Into<String>,
        git_ref: impl Into<String>,
        status: types::DeploymentStatus,
    ) -> CreateDeployment {
        CreateDeployment {
            project: self.clone(),
            body: types::CreateDeploymentRequest {
                environment: environment.into(),
                ref_: git_ref.into(),
                sha: sha.into(),
                status,
                tag: false,
            },
        }
    }
}

/// A deployment of a project: `project.deployment(42)`.
///
/// ```no_run
/// use futures_util::TryStreamExt;
///
/// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
/// let deployment = gl.project("group/project").deployment(42);
/// let details = deployment.get().await?;
/// let shipped: Vec<_> = deployment.merge_requests().stream().try_collect().await?;
/// deployment.approve().comment("Looks good").send().await?;
/// # let _ = (details, shipped); Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Deployment {
    project: Project,
    id: i64,
}

impl Deployment {
    fn api(&self) -> &kitelab_api::gitlab::Client {
        self.project.gl.api()
    }

    /// The deployment's id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Fetches the deployment.
    pub async fn get(&self) -> Result<types::Deployment> {
        let op = self
            .api()
            .get_deployment()
            .id(self.project.id.as_str())
            .deployment_id(self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Sets the status of a deployment made outside GitLab CI/CD (running, success, failed or
    /// canceled); returns the deployment.
    pub async fn set_status(&self, status: types::DeploymentStatus) -> Result<types::Deployment> {
        let body = types::UpdateDeploymentRequest { status };
        let op = self
            .api()
            .update_deployment()
            .id(self.project.id.as_str())
            .deployment_id(self.id)
            .body(body);
        Ok(send(op).await?.into_inner())
    }

    /// Deletes the deployment (GitLab refuses the environment's last one, or a running one).
    pub async fn delete(&self) -> Result<()> {
        let op = self
            .api()
            .delete_deployment()
            .id(self.project.id.as_str())
            .deployment_id(self.id);
        send(op).await?;
        Ok(())
    }

    /// The merge requests the deployment shipped.
    pub fn merge_requests(&self) -> DeploymentMergeRequests {
        List::new(
            DeploymentMergeRequestsQuery {
                deployment: self.clone(),
                state: None,
            },
            self.project.gl.per_page(),
        )
    }

    /// Starts approving the deployment, blocked on a protected environment (Premium).
    pub fn approve(&self) -> DecideDeployment {
        self.decide(types::DeploymentApprovalStatus::Approved)
    }

    /// Starts rejecting the deployment, blocked on a protected environment (Premium).
    pub fn reject(&self) -> DecideDeployment {
        self.decide(types::DeploymentApprovalStatus::Rejected)
    }

    fn decide(&self, status: types::DeploymentApprovalStatus) -> DecideDeployment {
        DecideDeployment {
            deployment: self.clone(),
            body: types::DeploymentApprovalRequest {
                comment: None,
                represented_as: None,
                status,
            },
        }
    }
}

/// Records a deployment: `project.create_deployment(…)`, options, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateDeployment {
    project: Project,
    body: types::CreateDeploymentRequest,
}

impl CreateDeployment {
    /// The ref is a tag, not a branch (default `false`).
    pub fn tag(mut self, yes: bool) -> Self {
        self.body.tag = yes;
        self
    }

    /// Creates the deployment and returns it. An empty environment, SHA or ref fails with
    /// [`Error::InvalidInput`] before anything is sent.
    pub async fn send(self) -> Result<types::Deployment> {
        let id = self.project.id.as_str();
        for (what, value) in [
            ("the environment name", &self.body.environment),
            ("the deployed SHA", &self.body.sha),
            ("the deployed ref", &self.body.ref_),
        ] {
            segment(what, value)?;
        }
        let op = self
            .project
            .gl
            .api()
            .create_deployment()
            .id(id)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// Approves or rejects a blocked deployment: `deployment.approve()` or `.reject()`, options,
/// then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is decided until `.send()`"]
pub struct DecideDeployment {
    deployment: Deployment,
    body: types::DeploymentApprovalRequest,
}

impl DecideDeployment {
    /// A comment on the decision.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.body.comment = Some(comment.into());
        self
    }

    /// The user, group or role to decide as, when the user belongs to several approval rules.
    pub fn represented_as(mut self, who: impl Into<String>) -> Self {
        self.body.represented_as = Some(who.into());
        self
    }

    /// Records the decision and returns it.
    pub async fn send(self) -> Result<types::DeploymentApproval> {
        let op = self
            .deployment
            .api()
            .approve_deployment()
            .id(self.deployment.project.id.as_str())
            .deployment_id(self.deployment.id)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

#[derive(Debug, Clone, Default)]
struct Filters {
    order_by: Option<types::DeploymentOrderBy>,
    sort: Option<types::Sort>,
    updated_after: Option<Timestamp>,
    updated_before: Option<Timestamp>,
    finished_after: Option<Timestamp>,
    finished_before: Option<Timestamp>,
    environment: Option<String>,
    status: Option<types::DeploymentStatus>,
}

impl Filters {
    /// The combinations GitLab's `DeploymentsFinder` refuses, refused here first with the
    /// reason.
    fn check(&self) -> Result<()> {
        let updated = self.updated_after.is_some() || self.updated_before.is_some();
        let finished = self.finished_after.is_some() || self.finished_before.is_some();
        let by_finish = self.order_by == Some(types::DeploymentOrderBy::FinishedAt);
        if updated && finished {
            return Err(Error::invalid(
                "a deployment list filters by update time or by finish time, not both",
            ));
        }
        if finished != by_finish {
            return Err(Error::invalid(
                "finished_after and finished_before go with order_by(FinishedAt), and only \
                 with it",
            ));
        }
        if finished && self.status != Some(types::DeploymentStatus::Success) {
            return Err(Error::invalid(
                "finished_after and finished_before need status(Success)",
            ));
        }
        if let Some(environment) = &self.environment {
            segment("the environment name", environment)?;
        }
        Ok(())
    }
}

/// A project's deployments: `project.deployments()`.
#[derive(Debug, Clone)]
pub struct DeploymentsQuery {
    project: Project,
    filters: Filters,
}

/// Deployment-list filters. GitLab takes either the update-time filters or the finish-time
/// ones; the finish-time ones need `order_by(FinishedAt)` and `status(Success)`. Other
/// combinations fail with [`Error::InvalidInput`] before anything is sent.
impl List<DeploymentsQuery> {
    /// Orders by this field (GitLab's default `id`; with an update-time filter, `updated_at`).
    pub fn order_by(mut self, field: types::DeploymentOrderBy) -> Self {
        self.query.filters.order_by = Some(field);
        self
    }

    /// Ascending (GitLab's default) or descending.
    pub fn sort(mut self, sort: types::Sort) -> Self {
        self.query.filters.sort = Some(sort);
        self
    }

    /// Only deployments updated after this time.
    pub fn updated_after(mut self, time: impl Into<Timestamp>) -> Self {
        self.query.filters.updated_after = Some(time.into());
        self
    }

    /// Only deployments updated before this time.
    pub fn updated_before(mut self, time: impl Into<Timestamp>) -> Self {
        self.query.filters.updated_before = Some(time.into());
        self
    }

    /// Only deployments finished after this time.
    pub fn finished_after(mut self, time: impl Into<Timestamp>) -> Self {
        self.query.filters.finished_after = Some(time.into());
        self
    }

    /// Only deployments finished before this time.
    pub fn finished_before(mut self, time: impl Into<Timestamp>) -> Self {
        self.query.filters.finished_before = Some(time.into());
        self
    }

    /// Only deployments to the environment with this name.
    pub fn environment(mut self, name: impl Into<String>) -> Self {
        self.query.filters.environment = Some(name.into());
        self
    }

    /// Only deployments with this status.
    pub fn status(mut self, status: types::DeploymentStatus) -> Self {
        self.query.filters.status = Some(status);
        self
    }
}

impl crate::pagination::sealed::Sealed for DeploymentsQuery {}

impl ListQuery for DeploymentsQuery {
    type Item = types::Deployment;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let f = self.filters;
        f.check()?;
        let mut op = self
            .project
            .gl
            .api()
            .list_deployments()
            .id(self.project.id.as_str())
            .page(at.page())
            .per_page(at.per_page());
        if let Some(order_by) = f.order_by {
            op = op.order_by(order_by);
        }
        if let Some(sort) = f.sort {
            op = op.sort(sort);
        }
        if let Some(time) = f.updated_after {
            op = op.updated_after(time);
        }
        if let Some(time) = f.updated_before {
            op = op.updated_before(time);
        }
        if let Some(time) = f.finished_after {
            op = op.finished_after(time);
        }
        if let Some(time) = f.finished_before {
            op = op.finished_before(time);
        }
        if let Some(environment) = f.environment {
            op = op.environment(environment);
        }
        if let Some(status) = f.status {
            op = op.status(status);
        }
        at.send(op).await
    }
}

/// The merge requests a deployment shipped: `deployment.merge_requests()`.
#[derive(Debug, Clone)]
pub struct DeploymentMergeRequestsQuery {
    deployment: Deployment,
    state: Option<String>,
}

/// Filters of the merge requests of a deployment.
impl List<DeploymentMergeRequestsQuery> {
    /// Only merge requests in this state: `opened`, `closed`, `locked`, `merged` or `all`.
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.query.state = Some(state.into());
        self
    }
}

impl crate::pagination::sealed::Sealed for DeploymentMergeRequestsQuery {}

impl ListQuery for DeploymentMergeRequestsQuery {
    type Item = types::MergeRequestBasic;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let mut op = self
            .deployment
            .api()
            .list_deployment_merge_requests()
            .id(self.deployment.project.id.as_str())
            .deployment_id(self.deployment.id)
            .page(at.page())
            .per_page(at.per_page());
        if let Some(state) = self.state {
            op = op.state(segment("the merge request state", &state)?.to_owned());
        }
        at.send(op).await
    }
}

/// A list of deployment merge requests, `List<DeploymentMergeRequestsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type DeploymentMergeRequests = List<DeploymentMergeRequestsQuery>;

/// A list of deployments, `List<DeploymentsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Deployments = List<DeploymentsQuery>;
