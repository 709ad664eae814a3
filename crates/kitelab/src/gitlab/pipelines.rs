//! Pipelines: lists with typed filters, one pipeline's verbs, and creating one.

use kitelab_api::gitlab::prelude::*;
use kitelab_api::gitlab::types;
use kitelab_api::Timestamp;

use super::PipelineJobs;
use super::{PipelineJobsQuery, Project};
use crate::pagination::{ListQuery, PageAt};
use crate::{send, List, Page, Result};

/// A pipeline of a project: `project.pipeline(7)`.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub(crate) project: Project,
    pub(crate) id: i64,
}

impl Pipeline {
    fn api(&self) -> &kitelab_api::gitlab::Client {
        self.project.gl.api()
    }

    pub(crate) fn new(project: Project, id: i64) -> Self {
        Self { project, id }
    }

    /// The pipeline id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Fetches the pipeline.
    pub async fn get(&self) -> Result<types::Pipeline> {
        let op = self
            .api()
            .get_pipeline()
            .id(self.project.id.as_str())
            .pipeline_id(self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Retries the pipeline's failed and canceled jobs.
    pub async fn retry(&self) -> Result<types::Pipeline> {
        let op = self
            .api()
            .retry_pipeline()
            .id(self.project.id.as_str())
            .pipeline_id(self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Renames the pipeline (the name shown in the pipeline list, as `workflow:name` sets it);
    /// returns it. An empty name fails with [`Error::InvalidInput`](crate::Error::InvalidInput)
    /// before anything is sent.
    pub async fn set_name(&self, name: impl Into<String>) -> Result<types::Pipeline> {
        let name = name.into();
        crate::segment("the pipeline name", &name)?;
        let body = types::UpdatePipelineMetadataRequest { name };
        let op = self
            .api()
            .update_pipeline_metadata()
            .id(self.project.id.as_str())
            .pipeline_id(self.id)
            .body(body);
        Ok(send(op).await?.into_inner())
    }

    /// Cancels the pipeline's running and pending jobs.
    pub async fn cancel(&self) -> Result<types::Pipeline> {
        let op = self
            .api()
            .cancel_pipeline()
            .id(self.project.id.as_str())
            .pipeline_id(self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Deletes the pipeline with its jobs, logs and artifacts.
    pub async fn delete(&self) -> Result<()> {
        let op = self
            .api()
            .delete_pipeline()
            .id(self.project.id.as_str())
            .pipeline_id(self.id);
        send(op).await?;
        Ok(())
    }

    /// The variables the pipeline was created with. GitLab answers them all at once (the list
    /// has one page; `per_page` does not apply).
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    ///
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let pipeline = gl.project("group/app").pipeline(46);
    /// let variables: Vec<_> = pipeline.variables().stream().try_collect().await?;
    /// # let _ = variables;
    /// # Ok(()) }
    /// ```
    pub fn variables(&self) -> PipelineVariables {
        List::new(
            PipelineVariablesQuery {
                pipeline: self.clone(),
            },
            self.project.gl.per_page(),
        )
    }

    /// Polls until the pipeline finishes (success, failed, canceled or skipped; a status this
    /// version does not know counts as finished once `finished_at` is set), and returns it. A
    /// pipeline waiting on a manual job (`manual`) has not finished. See [`Wait`](crate::Wait).
    ///
    /// ```no_run
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let project = gl.project("group/project");
    /// let p = gl.trigger_pipeline("group/project", "main", "glptt-…").send().await?;
    /// let done = project.pipeline(p.id).wait().await?;
    /// println!("{} {}", done.id, done.status);
    /// # Ok(()) }
    /// ```
    pub fn wait(&self) -> crate::Wait<types::Pipeline> {
        let pipeline = self.clone();
        let what = format!("pipeline {} of {}", self.id, self.project.id);
        crate::Wait::new(
            what,
            move || {
                let pipeline = pipeline.clone();
                async move { pipeline.get().await }
            },
            unfinished_pipeline,
        )
    }

    /// The pipeline's jobs.
    pub fn jobs(&self) -> PipelineJobs {
        List::new(
            PipelineJobsQuery::new(self.clone()),
            self.project.gl.per_page(),
        )
    }
}

/// The status of a pipeline that has not finished; `None` once it has.
fn unfinished_pipeline(pipeline: &types::Pipeline) -> Option<String> {
    use types::PipelineStatus as S;
    let finished = match &pipeline.status {
        S::Success | S::Failed | S::Canceled | S::Skipped => true,
        S::Unrecognized(_) => pipeline.finished_at.is_some(),
        _ => false,
    };
    (!finished).then(|| pipeline.status.to_string())
}

/// A project's pipelines with filters: `project.pipelines()`.
#[derive(Debug, Clone)]
pub struct PipelinesQuery {
    project: Project,
    scope: Option<types::PipelineScope>,
    status: Option<types::PipelineStatus>,
    source: Option<types::PipelineSource>,
    git_ref: Option<String>,
    sha: Option<String>,
    yaml_errors: Option<bool>,
    username: Option<String>,
    name: Option<String>,
    updated_after: Option<Timestamp>,
    updated_before: Option<Timestamp>,
    created_after: Option<Timestamp>,
    created_before: Option<Timestamp>,
    order_by: Option<types::PipelineOrderBy>,
    sort: Option<types::Sort>,
}

impl PipelinesQuery {
    pub(crate) fn new(project: Project) -> Self {
        Self {
            project,
            scope: None,
            status: None,
            source: None,
            git_ref: None,
            sha: None,
            yaml_errors: None,
            username: None,
            name: None,
            updated_after: None,
            updated_before: None,
            created_after: None,
            created_before: None,
            order_by: None,
            sort: None,
        }
    }
}

/// Pipeline-list filters.
impl List<PipelinesQuery> {
    /// Only running, pending or finished pipelines, or those of branches or tags.
    pub fn scope(mut self, scope: types::PipelineScope) -> Self {
        self.query.scope = Some(scope);
        self
    }

    /// Only pipelines with this status.
    pub fn status(mut self, status: types::PipelineStatus) -> Self {
        self.query.status = Some(status);
        self
    }

    /// Only pipelines started this way (`push`, `schedule`, `parent_pipeline` for child pipelines, ...).
    pub fn source(mut self, source: types::PipelineSource) -> Self {
        self.query.source = Some(source);
        self
    }

    /// Only pipelines of this branch or tag.
    pub fn git_ref(mut self, git_ref: impl Into<String>) -> Self {
        self.query.git_ref = Some(git_ref.into());
        self
    }

    /// Only pipelines of this commit.
    pub fn sha(mut self, sha: impl Into<String>) -> Self {
        self.query.sha = Some(sha.into());
        self
    }

    /// Only pipelines with an invalid configuration (`yaml_errors`).
    pub fn yaml_errors(mut self, yes: bool) -> Self {
        self.query.yaml_errors = Some(yes);
        self
    }

    /// Only pipelines triggered by this user.
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.query.username = Some(username.into());
        self
    }

    /// Only pipelines with this name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.query.name = Some(name.into());
        self
    }

    /// Only pipelines updated after this time.
    pub fn updated_after(mut self, time: impl Into<Timestamp>) -> Self {
        self.query.updated_after = Some(time.into());
        self
    }

    /// Only pipelines updated before this time.
    pub fn updated_before(mut self, time: impl Into<Timestamp>) -> Self {
        self.query.updated_before = Some(time.into());
        self
    }

    /// Only pipelines created after this time.
    pub fn created_after(mut self, time: impl Into<Timestamp>) -> Self {
        self.query.created_after = Some(time.into());
        self
    }

    /// Only pipelines created before this time.
    pub fn created_before(mut self, time: impl Into<Timestamp>) -> Self {
        self.query.created_before = Some(time.into());
        self
    }

    /// The order (default `id`).
    pub fn order_by(mut self, order_by: types::PipelineOrderBy) -> Self {
        self.query.order_by = Some(order_by);
        self
    }

    /// Ascending or descending (default descending).
    pub fn sort(mut self, sort: types::Sort) -> Self {
        self.query.sort = Some(sort);
        self
    }
}

impl crate::pagination::sealed::Sealed for PipelinesQuery {}

impl ListQuery for PipelinesQuery {
    type Item = types::PipelineBasic;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let mut op = self
            .project
            .gl
            .api()
            .list_project_pipelines()
            .id(self.project.id.as_str())
            .page(at.page())
            .per_page(at.per_page());
        if let Some(v) = self.scope.clone() {
            op = op.scope(v);
        }
        if let Some(v) = self.status.clone() {
            op = op.status(v);
        }
        if let Some(v) = self.source.clone() {
            op = op.source(v);
        }
        if let Some(v) = self.git_ref.clone() {
            op = op.ref_(v);
        }
        if let Some(v) = self.sha.clone() {
            op = op.sha(v);
        }
        if let Some(v) = self.yaml_errors {
            op = op.yaml_errors(v);
        }
        if let Some(v) = self.username.clone() {
            op = op.username(v);
        }
        if let Some(v) = self.name.clone() {
            op = op.name(v);
        }
        if let Some(v) = self.updated_after {
            op = op.updated_after(v);
        }
        if let Some(v) = self.updated_before {
            op = op.updated_before(v);
        }
        if let Some(v) = self.created_after {
            op = op.created_after(v);
        }
        if let Some(v) = self.created_before {
            op = op.created_before(v);
        }
        if let Some(v) = self.order_by.clone() {
            op = op.order_by(v);
        }
        if let Some(v) = self.sort.clone() {
            op = op.sort(v);
        }
        at.send(op).await
    }
}

/// Creates a pipeline: `project.create_pipeline(ref)`, options, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreatePipeline {
    project: Project,
    git_ref: String,
    variables: Vec<types::PipelineVariableInput>,
    inputs: serde_json::Map<String, serde_json::Value>,
}

impl CreatePipeline {
    pub(crate) fn new(project: Project, git_ref: String) -> Self {
        Self {
            project,
            git_ref,
            variables: Vec::new(),
            inputs: serde_json::Map::new(),
        }
    }

    /// An environment variable for the pipeline.
    pub fn variable(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.variables.push(types::PipelineVariableInput {
            key: key.into(),
            value: kitelab_api::SecretString::new(value),
            variable_type: None,
        });
        self
    }

    /// A file variable: the job sees a path to a file holding `value`.
    pub fn file_variable(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.variables.push(types::PipelineVariableInput {
            key: key.into(),
            value: kitelab_api::SecretString::new(value),
            variable_type: Some(types::VariableType::File),
        });
        self
    }

    /// A pipeline input (`spec:inputs`).
    pub fn input(mut self, name: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        self.inputs.insert(name.into(), value.into());
        self
    }

    /// Creates the pipeline and returns it.
    pub async fn send(self) -> Result<types::Pipeline> {
        let id = self.project.id.as_str();
        let body = types::CreatePipelineRequest {
            inputs: self.inputs,
            ref_: self.git_ref,
            variables: self.variables,
        };
        let op = self.project.gl.api().create_pipeline().id(id).body(body);
        Ok(send(op).await?.into_inner())
    }
}

/// The variables a pipeline was created with: `pipeline.variables()`.
#[derive(Debug, Clone)]
pub struct PipelineVariablesQuery {
    pipeline: Pipeline,
}

impl crate::pagination::sealed::Sealed for PipelineVariablesQuery {}

impl ListQuery for PipelineVariablesQuery {
    type Item = types::Variable;

    async fn fetch(self, at: crate::pagination::PageAt) -> Result<crate::Page<Self::Item>> {
        let p = &self.pipeline;
        let op = p
            .api()
            .list_pipeline_variables()
            .id(p.project.id.as_str())
            .pipeline_id(p.id);
        at.send_whole(op).await
    }
}

/// A list of pipeline variables, `List<PipelineVariablesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type PipelineVariables = List<PipelineVariablesQuery>;

/// A list of pipelines, `List<PipelinesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Pipelines = List<PipelinesQuery>;
