//! Projects: the handle most GitLab work starts from.

use std::collections::BTreeMap;
use std::fmt;

use kitelab_api::gitlab::prelude::*;
use kitelab_api::gitlab::types;

use super::Pipelines;
use super::ProjectJobs;
use super::{CreatePipeline, GitLab, Job, Pipeline, PipelinesQuery, ProjectJobsQuery};
use crate::{send, List, Result, Secret};

/// A project id: a number or a full path (`group/subgroup/project`), passed raw; kitelab
/// encodes it once.
///
/// ```
/// use kitelab::gitlab::ProjectId;
/// assert_eq!(ProjectId::from(42).as_str(), "42");
/// assert_eq!(ProjectId::from("group/sub project").as_str(), "group/sub project");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProjectId(String);

impl ProjectId {
    /// The id as GitLab's `:id` takes it, before encoding.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn checked(&self) -> Result<&str> {
        crate::segment("the project id", &self.0)
    }
}

impl fmt::Display for ProjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ProjectId {
    fn from(path: &str) -> Self {
        Self(path.to_owned())
    }
}

impl From<String> for ProjectId {
    fn from(path: String) -> Self {
        Self(path)
    }
}

impl From<&String> for ProjectId {
    fn from(path: &String) -> Self {
        Self(path.clone())
    }
}

macro_rules! project_id_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for ProjectId {
            fn from(id: $t) -> Self {
                Self(id.to_string())
            }
        }
    )*};
}
project_id_from_int!(u32, u64, i32, i64);

/// A project: `gl.project("group/project")` or `gl.project(42)`.
#[derive(Debug, Clone)]
pub struct Project {
    pub(crate) gl: GitLab,
    pub(crate) id: ProjectId,
}

impl Project {
    pub(crate) fn new(gl: GitLab, id: ProjectId) -> Self {
        Self { gl, id }
    }

    /// The project's id.
    pub fn id(&self) -> &ProjectId {
        &self.id
    }

    /// The project's pipelines, newest first.
    pub fn pipelines(&self) -> Pipelines {
        List::new(PipelinesQuery::new(self.clone()), self.gl.per_page())
    }

    /// A pipeline, by id.
    pub fn pipeline(&self, id: i64) -> Pipeline {
        Pipeline::new(self.clone(), id)
    }

    /// Starts creating a pipeline for a branch or tag.
    ///
    /// ```no_run
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let pipeline = gl
    ///     .project("group/project")
    ///     .create_pipeline("main")
    ///     .variable("DEPLOY_ZONE", "us-west1")
    ///     .send()
    ///     .await?;
    /// # let _ = pipeline; Ok(()) }
    /// ```
    pub fn create_pipeline(&self, git_ref: impl Into<String>) -> CreatePipeline {
        CreatePipeline::new(self.clone(), git_ref.into())
    }

    /// The project's jobs, newest first.
    pub fn jobs(&self) -> ProjectJobs {
        List::new(ProjectJobsQuery::new(self.clone()), self.gl.per_page())
    }

    /// A job, by id.
    pub fn job(&self, id: i64) -> Job {
        Job::new(self.clone(), id)
    }

    /// Triggers a pipeline with a trigger token; see [`GitLab::trigger_pipeline`].
    pub fn trigger_pipeline(
        &self,
        git_ref: impl Into<String>,
        token: impl Into<Secret>,
    ) -> TriggerPipeline {
        TriggerPipeline {
            project: self.clone(),
            git_ref: git_ref.into(),
            token: token.into(),
            variables: BTreeMap::new(),
            inputs: serde_json::Map::new(),
            ref_in_path: false,
        }
    }
}

/// Triggers a pipeline with a trigger token: [`GitLab::trigger_pipeline`], options, then
/// [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is triggered until `.send()`"]
pub struct TriggerPipeline {
    project: Project,
    git_ref: String,
    token: Secret,
    variables: BTreeMap<String, String>,
    inputs: serde_json::Map<String, serde_json::Value>,
    ref_in_path: bool,
}

impl TriggerPipeline {
    /// A CI/CD variable for the pipeline.
    pub fn variable(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.variables.insert(key.into(), value.into());
        self
    }

    /// Several variables at once.
    pub fn variables<K: Into<String>, V: Into<String>>(
        mut self,
        variables: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.variables
            .extend(variables.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// A pipeline input (`spec:inputs`).
    pub fn input(mut self, name: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        self.inputs.insert(name.into(), value.into());
        self
    }

    /// Sends the ref in the path, on GitLab's legacy route
    /// (`POST /projects/:id/ref/:ref/trigger/pipeline`), instead of in the body: for a proxy or
    /// an allow-list that only lets that route through. GitLab treats both alike.
    pub fn ref_in_path(mut self) -> Self {
        self.ref_in_path = true;
        self
    }

    /// Triggers the pipeline and returns it.
    pub async fn send(self) -> Result<types::Pipeline> {
        self.token.validate("the trigger token")?;
        if self.ref_in_path {
            self.send_ref_in_path().await
        } else {
            self.send_ref_in_body().await
        }
    }

    async fn send_ref_in_body(self) -> Result<types::Pipeline> {
        let body = types::TriggerPipelineRequest {
            inputs: self.inputs,
            ref_: self.git_ref,
            token: self.token.expose().into(),
            variables: self.variables,
        };
        // The token is the call's own secret: error text the service echoes it in is redacted.
        let api = self.project.gl.api_with_secret(&self.token);
        let op = api
            .trigger_pipeline()
            .id(self.project.id.as_str())
            .body(body);
        Ok(send(op).await?.into_inner())
    }

    async fn send_ref_in_path(self) -> Result<types::Pipeline> {
        let body = types::TriggerPipelineForRefRequest {
            inputs: self.inputs,
            token: self.token.expose().into(),
            variables: self.variables,
        };
        let api = self.project.gl.api_with_secret(&self.token);
        let op = api
            .trigger_pipeline_for_ref()
            .id(self.project.id.as_str())
            .ref_(self.git_ref)
            .body(body);
        Ok(send(op).await?.into_inner())
    }
}
