//! A pipeline's reports and bridges, a project's latest pipeline, the pipelines a schedule
//! started, and expiring a project's artifacts.

use kitelab_api::gitlab::prelude::*;
use kitelab_api::gitlab::types;

use super::{Pipeline, Project, Schedule};
use crate::pagination::{ListQuery, PageAt};
use crate::{send, List, Page, Result};

impl Project {
    /// The latest pipeline of the newest commit of a branch or tag (`None`: the default
    /// branch). GitLab answers 403 when there is none.
    pub async fn latest_pipeline(&self, git_ref: Option<&str>) -> Result<types::Pipeline> {
        let mut op = self.gl.api().get_latest_pipeline().id(self.id.as_str());
        if let Some(git_ref) = git_ref {
            op = op.ref_(crate::segment("the ref", git_ref)?);
        }
        Ok(send(op).await?.into_inner())
    }

    /// Expires every deletable artifact of the project (GitLab keeps the latest successful
    /// pipeline's per ref). The deletion runs in the background.
    pub async fn delete_artifacts(&self) -> Result<()> {
        let op = self
            .gl
            .api()
            .delete_project_artifacts()
            .id(self.id.as_str());
        send(op).await?;
        Ok(())
    }
}

impl Pipeline {
    /// The pipeline's unit test report (GitLab caches it for two minutes).
    pub async fn test_report(&self) -> Result<types::TestReport> {
        let op = self
            .project
            .gl
            .api()
            .get_pipeline_test_report()
            .id(self.project.id.as_str())
            .pipeline_id(self.id);
        Ok(send(op).await?.into_inner())
    }

    /// The summary of the pipeline's unit test report.
    pub async fn test_report_summary(&self) -> Result<types::TestReportSummary> {
        let op = self
            .project
            .gl
            .api()
            .get_pipeline_test_report_summary()
            .id(self.project.id.as_str())
            .pipeline_id(self.id);
        Ok(send(op).await?.into_inner())
    }

    /// The pipeline's trigger jobs ("bridges"), with their downstream pipelines.
    pub fn bridges(&self) -> Bridges {
        List::new(
            BridgesQuery {
                pipeline: self.clone(),
                statuses: Vec::new(),
            },
            self.project.gl.per_page(),
        )
    }
}

impl Schedule {
    /// The pipelines the schedule started, oldest first.
    pub fn pipelines(&self) -> SchedulePipelines {
        List::new(
            SchedulePipelinesQuery {
                schedule: self.clone(),
                status: None,
            },
            self.project.gl.per_page(),
        )
    }
}

/// A pipeline's bridges: [`Pipeline::bridges`].
#[derive(Debug, Clone)]
pub struct BridgesQuery {
    pipeline: Pipeline,
    statuses: Vec<types::JobStatus>,
}

/// Bridge-list filters.
impl List<BridgesQuery> {
    /// Only bridges with these statuses (`scope[]`).
    pub fn status(mut self, statuses: impl IntoIterator<Item = types::JobStatus>) -> Self {
        self.query.statuses.extend(statuses);
        self
    }
}

impl crate::pagination::sealed::Sealed for BridgesQuery {}

impl ListQuery for BridgesQuery {
    type Item = types::Job;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let project = &self.pipeline.project;
        let mut op = project
            .gl
            .api()
            .list_pipeline_bridges()
            .id(project.id.as_str())
            .pipeline_id(self.pipeline.id)
            .page(at.page())
            .per_page(at.per_page());
        if !self.statuses.is_empty() {
            op = op.scope(self.statuses.clone());
        }
        at.send(op).await
    }
}

/// The pipelines a schedule started: [`Schedule::pipelines`].
#[derive(Debug, Clone)]
pub struct SchedulePipelinesQuery {
    schedule: Schedule,
    status: Option<types::PipelineStatus>,
}

/// Filters of a schedule's pipelines.
impl List<SchedulePipelinesQuery> {
    /// Only pipelines with this status.
    pub fn status(mut self, status: types::PipelineStatus) -> Self {
        self.query.status = Some(status);
        self
    }
}

impl crate::pagination::sealed::Sealed for SchedulePipelinesQuery {}

impl ListQuery for SchedulePipelinesQuery {
    type Item = types::PipelineBasic;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let project = &self.schedule.project;
        let mut op = project
            .gl
            .api()
            .list_pipeline_schedule_pipelines()
            .id(project.id.as_str())
            .pipeline_schedule_id(self.schedule.id)
            .page(at.page())
            .per_page(at.per_page());
        if let Some(status) = self.status.clone() {
            op = op.status(status);
        }
        at.send(op).await
    }
}

/// A list of bridges, `List<BridgesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Bridges = List<BridgesQuery>;

/// A list of schedule pipelines, `List<SchedulePipelinesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type SchedulePipelines = List<SchedulePipelinesQuery>;
