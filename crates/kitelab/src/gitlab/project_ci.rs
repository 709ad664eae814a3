//! More of a project's CI/CD: who may use CI/CD job tokens against it (the job token scope and
//! its allowlists), resource groups (one job at a time per group), and merge request
//! pipelines.

use kitelab_api::gitlab::prelude::*;
use kitelab_api::gitlab::types;

use super::Project;
use crate::pagination::simple_list;
use crate::{send, List, Result};

/// Job token access, resource groups and merge requests.
impl Project {
    /// Who may reach this project with a CI/CD job token: the setting and its allowlists.
    ///
    /// ```no_run
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let access = gl.project("group/project").job_token_access();
    /// access.set_enabled(true).await?; // only allowlisted projects and groups
    /// access.allow_project(42).await?;
    /// access.allow_group(7).await?;
    /// # Ok(()) }
    /// ```
    pub fn job_token_access(&self) -> JobTokenAccess {
        JobTokenAccess {
            project: self.clone(),
        }
    }

    /// The project's resource groups.
    pub fn resource_groups(&self) -> ResourceGroups {
        List::new(
            ResourceGroupsQuery {
                project: self.clone(),
            },
            self.gl.per_page(),
        )
    }

    /// A resource group, by key (`production`).
    pub fn resource_group(&self, key: impl Into<String>) -> ResourceGroup {
        ResourceGroup {
            project: self.clone(),
            key: key.into(),
        }
    }

    /// A merge request, by its iid (the number shown in the project).
    pub fn merge_request(&self, iid: i64) -> MergeRequest {
        MergeRequest {
            project: self.clone(),
            iid,
        }
    }
}

/// A project's job token access: `project.job_token_access()`.
#[derive(Debug, Clone)]
pub struct JobTokenAccess {
    project: Project,
}

impl JobTokenAccess {
    /// Whether job tokens of other projects are limited to the allowlists
    /// (`inbound_enabled`).
    pub async fn get(&self) -> Result<types::JobTokenScope> {
        let op = self
            .project
            .gl
            .api()
            .get_job_token_scope()
            .id(self.project.id.as_str());
        Ok(send(op).await?.into_inner())
    }

    /// Limits job tokens of other projects to the allowlists (`true`), or lets any project's
    /// job token in (`false`, which GitLab advises against).
    pub async fn set_enabled(&self, enabled: bool) -> Result<()> {
        let body = types::UpdateJobTokenScopeRequest { enabled };
        let op = self
            .project
            .gl
            .api()
            .update_job_token_scope()
            .id(self.project.id.as_str())
            .body(body);
        send(op).await?;
        Ok(())
    }

    /// The projects whose job tokens may reach this project.
    pub fn projects(&self) -> JobTokenProjects {
        List::new(
            JobTokenProjectsQuery {
                project: self.project.clone(),
            },
            self.project.gl.per_page(),
        )
    }

    /// Lets the job tokens of project `id` reach this project.
    pub async fn allow_project(&self, id: i64) -> Result<types::JobTokenProjectScopeLink> {
        let body = types::AddJobTokenAllowlistProjectRequest {
            target_project_id: id,
        };
        let op = self
            .project
            .gl
            .api()
            .add_job_token_allowlist_project()
            .id(self.project.id.as_str())
            .body(body);
        Ok(send(op).await?.into_inner())
    }

    /// Takes project `id` off the allowlist.
    pub async fn remove_project(&self, id: i64) -> Result<()> {
        let op = self
            .project
            .gl
            .api()
            .remove_job_token_allowlist_project()
            .id(self.project.id.as_str())
            .target_project_id(id);
        send(op).await?;
        Ok(())
    }

    /// The groups whose projects' job tokens may reach this project.
    pub fn groups(&self) -> JobTokenGroups {
        List::new(
            JobTokenGroupsQuery {
                project: self.project.clone(),
            },
            self.project.gl.per_page(),
        )
    }

    /// Lets the job tokens of group `id`'s projects reach this project.
    pub async fn allow_group(&self, id: i64) -> Result<types::JobTokenGroupScopeLink> {
        let body = types::AddJobTokenGroupsAllowlistGroupRequest {
            target_group_id: id,
        };
        let op = self
            .project
            .gl
            .api()
            .add_job_token_groups_allowlist_group()
            .id(self.project.id.as_str())
            .body(body);
        Ok(send(op).await?.into_inner())
    }

    /// Takes group `id` off the allowlist.
    pub async fn remove_group(&self, id: i64) -> Result<()> {
        let op = self
            .project
            .gl
            .api()
            .remove_job_token_groups_allowlist_group()
            .id(self.project.id.as_str())
            .target_group_id(id);
        send(op).await?;
        Ok(())
    }
}

/// A resource group of a project: `project.resource_group("production")`.
///
/// ```no_run
/// use futures_util::TryStreamExt;
/// use kitelab::gitlab::types::ResourceGroupProcessMode;
///
/// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
/// let group = gl.project("group/project").resource_group("production");
/// group.set_process_mode(ResourceGroupProcessMode::OldestFirst).await?;
/// if let Some(job) = group.current_job().await? {
///     println!("deploying: job {}", job.id);
/// }
/// let waiting: Vec<_> = group.upcoming_jobs().stream().try_collect().await?;
/// # let _ = waiting; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ResourceGroup {
    project: Project,
    key: String,
}

impl ResourceGroup {
    /// The resource group's key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Fetches the resource group.
    pub async fn get(&self) -> Result<types::ResourceGroup> {
        let op = self
            .project
            .gl
            .api()
            .get_resource_group()
            .id(self.project.id.as_str())
            .key(&self.key);
        Ok(send(op).await?.into_inner())
    }

    /// Sets the order in which waiting jobs take the resource; returns the group.
    pub async fn set_process_mode(
        &self,
        mode: types::ResourceGroupProcessMode,
    ) -> Result<types::ResourceGroup> {
        let body = types::UpdateResourceGroupRequest {
            process_mode: Some(mode),
        };
        let op = self
            .project
            .gl
            .api()
            .update_resource_group()
            .id(self.project.id.as_str())
            .key(&self.key)
            .body(body);
        Ok(send(op).await?.into_inner())
    }

    /// The job holding the resource now, if any.
    pub async fn current_job(&self) -> Result<Option<types::Job>> {
        let op = self
            .project
            .gl
            .api()
            .get_resource_group_current_job()
            .id(self.project.id.as_str())
            .key(&self.key);
        Ok(send(op).await?.into_inner().0)
    }

    /// The jobs waiting for the resource, in the order they will take it.
    pub fn upcoming_jobs(&self) -> UpcomingJobs {
        List::new(
            UpcomingJobsQuery {
                group: self.clone(),
            },
            self.project.gl.per_page(),
        )
    }
}

/// A merge request of a project: `project.merge_request(iid)`; its pipelines.
#[derive(Debug, Clone)]
pub struct MergeRequest {
    project: Project,
    iid: i64,
}

impl MergeRequest {
    /// The merge request's iid.
    pub fn iid(&self) -> i64 {
        self.iid
    }

    /// The merge request's pipelines, newest first.
    pub fn pipelines(&self) -> MergeRequestPipelines {
        List::new(
            MergeRequestPipelinesQuery {
                merge_request: self.clone(),
            },
            self.project.gl.per_page(),
        )
    }

    /// Starts running a merge request pipeline (detached, or on the merged result when the
    /// project does that); [`send`](CreateMergeRequestPipeline::send) returns it once GitLab
    /// has created it. (GitLab's background creation, `async=true`, answers 202 with no body
    /// and is left to the generated client.)
    ///
    /// ```no_run
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let pipeline = gl.project("group/app").merge_request(7).create_pipeline().send().await?;
    /// # let _ = pipeline;
    /// # Ok(()) }
    /// ```
    pub fn create_pipeline(&self) -> CreateMergeRequestPipeline {
        CreateMergeRequestPipeline {
            merge_request: self.clone(),
        }
    }
}

/// Runs a merge request pipeline: `merge_request.create_pipeline()`, then
/// [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateMergeRequestPipeline {
    merge_request: MergeRequest,
}

impl CreateMergeRequestPipeline {
    /// Creates the pipeline and returns it.
    pub async fn send(self) -> Result<types::Pipeline> {
        let mr = &self.merge_request;
        let op = mr
            .project
            .gl
            .api()
            .create_merge_request_pipeline()
            .id(mr.project.id.as_str())
            .merge_request_iid(mr.iid);
        Ok(send(op).await?.into_inner())
    }
}

simple_list!(
    /// The projects on a job token allowlist: `access.projects()`.
    JobTokenProjectsQuery { project: Project } => types::BasicProjectDetails,
    |p| p.gl.api().list_job_token_allowlist().id(p.id.as_str())
);

simple_list!(
    /// The groups on a job token allowlist: `access.groups()`.
    JobTokenGroupsQuery { project: Project } => types::BasicGroupDetails,
    |p| p.gl.api().list_job_token_groups_allowlist().id(p.id.as_str())
);

simple_list!(
    /// A project's resource groups: `project.resource_groups()`.
    ResourceGroupsQuery { project: Project } => types::ResourceGroup,
    |p| p.gl.api().list_resource_groups().id(p.id.as_str())
);

simple_list!(
    /// The jobs waiting for a resource group: `group.upcoming_jobs()`.
    UpcomingJobsQuery { group: ResourceGroup } => types::Job,
    |g| g.project.gl.api().list_resource_group_upcoming_jobs().id(g.project.id.as_str()).key(&g.key)
);

simple_list!(
    /// A merge request's pipelines: `merge_request.pipelines()`.
    MergeRequestPipelinesQuery { merge_request: MergeRequest } => types::PipelineBasic,
    |m| m.project.gl.api().list_merge_request_pipelines().id(m.project.id.as_str()).merge_request_iid(m.iid)
);

/// A list of job token groups, `List<JobTokenGroupsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type JobTokenGroups = List<JobTokenGroupsQuery>;

/// A list of job token projects, `List<JobTokenProjectsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type JobTokenProjects = List<JobTokenProjectsQuery>;

/// A list of merge request pipelines, `List<MergeRequestPipelinesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type MergeRequestPipelines = List<MergeRequestPipelinesQuery>;

/// A list of resource groups, `List<ResourceGroupsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type ResourceGroups = List<ResourceGroupsQuery>;

/// A list of upcoming jobs, `List<UpcomingJobsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type UpcomingJobs = List<UpcomingJobsQuery>;
