//! Annotations of a build and of its jobs: list, create (or append to) and delete.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::jobs::JobRoute;
use super::{Build, Job};
use crate::pagination::{ListQuery, PageAt};
use crate::{segment, send, Error, List, Page, Result};

impl Build {
    /// The build's annotations: build-scoped ones unless `.scope(…)` says otherwise.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    /// use kitelab::buildkite::types::AnnotationScopeFilter;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let annotations: Vec<_> = bk
    ///     .pipeline("acme", "web")
    ///     .build(42)
    ///     .annotations()
    ///     .scope(AnnotationScopeFilter::All)
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// # let _ = annotations;
    /// # Ok(()) }
    /// ```
    pub fn annotations(&self) -> Annotations {
        List::new(
            AnnotationsQuery {
                build: self.clone(),
                scope: None,
                omit_body: None,
            },
            self.pipeline.bk.per_page(),
        )
    }

    /// Starts annotating the build: `body` is Markdown or HTML. Set a
    /// [`context`](CreateAnnotation::context) to replace (or [`append`](CreateAnnotation::append)
    /// to) the annotation of that context later.
    ///
    /// ```no_run
    /// use kitelab::buildkite::types::AnnotationStyle;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let build = bk.pipeline("acme", "web").build(42);
    /// build
    ///     .annotate("**Coverage**: 81.4%")
    ///     .context("coverage")
    ///     .style(AnnotationStyle::Info)
    ///     .send()
    ///     .await?;
    /// build
    ///     .annotate("\n- `api`: 78.9%")
    ///     .context("coverage")
    ///     .append(true)
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn annotate(&self, body: impl Into<String>) -> CreateAnnotation {
        CreateAnnotation::new(On::Build(self.clone()), body.into())
    }

    /// Deletes one of the build's annotations, by its uuid.
    pub async fn delete_annotation(&self, uuid: &str) -> Result<()> {
        let (org, slug) = self.pipeline.ids();
        let op = self
            .pipeline
            .bk
            .api()
            .delete_annotation()
            .org_slug(org)
            .pipeline_slug(slug)
            .build_number(self.number)
            .annotation_uuid(uuid);
        send(op).await?;
        Ok(())
    }
}

/// Job annotations.
impl Job {
    /// The job's annotations.
    pub fn annotations(&self) -> JobAnnotations {
        List::new(
            JobAnnotationsQuery { job: self.clone() },
            self.client().per_page(),
        )
    }

    /// Starts annotating the job (a job-scoped annotation, shown with the job): `body` is
    /// Markdown or HTML. See [`Build::annotate`].
    pub fn annotate(&self, body: impl Into<String>) -> CreateAnnotation {
        CreateAnnotation::new(On::Job(self.clone()), body.into())
    }

    /// Deletes one of the job's annotations, by its uuid.
    pub async fn delete_annotation(&self, uuid: &str) -> Result<()> {
        let api = self.api();
        match self.route() {
            JobRoute::Build(org, pipeline, number) => {
                let op = api
                    .delete_job_annotation()
                    .org_slug(org)
                    .pipeline_slug(pipeline);
                send(
                    op.build_number(number)
                        .job_id(&self.id)
                        .annotation_uuid(uuid),
                )
                .await?;
            }
            JobRoute::Organization(org) => {
                let op = api.delete_organization_job_annotation().org_slug(org);
                send(op.job_id(&self.id).annotation_uuid(uuid)).await?;
            }
        }
        Ok(())
    }
}

/// What an annotation is created on.
#[derive(Debug, Clone)]
enum On {
    Build(Build),
    Job(Job),
}

/// Creates an annotation on a build or a job: `build.annotate(body)` or `job.annotate(body)`,
/// options, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateAnnotation {
    on: On,
    body: types::CreateAnnotationRequest,
}

impl CreateAnnotation {
    fn new(on: On, body: String) -> Self {
        Self {
            on,
            body: types::CreateAnnotationRequest {
                append: None,
                body,
                context: None,
                priority: None,
                style: None,
            },
        }
    }

    /// The style: `success`, `info`, `warning` or `error` (Buildkite's default: none).
    pub fn style(mut self, style: types::AnnotationStyle) -> Self {
        self.body.style = Some(style);
        self
    }

    /// The context, which names the annotation within its build (or job): creating another
    /// with the same context replaces it, or appends to it with [`append`](Self::append).
    pub fn context(mut self, context: impl Into<String>) -> Self {
        self.body.context = Some(context.into());
        self
    }

    /// The priority, 1 to 10 (Buildkite's default 3); higher ones are shown first.
    pub fn priority(mut self, priority: u8) -> Self {
        self.body.priority = Some(i64::from(priority));
        self
    }

    /// Appends the body to the annotation of the same [`context`](Self::context) instead of
    /// replacing it.
    pub fn append(mut self, yes: bool) -> Self {
        self.body.append = Some(yes);
        self
    }

    /// Creates the annotation and returns it. An empty body, an empty context or a priority
    /// outside 1 to 10 fails with [`Error::InvalidInput`] before anything is sent.
    pub async fn send(self) -> Result<types::Annotation> {
        let Self { on, body } = self;
        segment("the annotation body", &body.body)?;
        if let Some(context) = &body.context {
            segment("the annotation context", context)?;
        }
        if let Some(priority) = body.priority.filter(|p| !(1..=10).contains(p)) {
            return Err(Error::invalid(format!(
                "an annotation's priority is 1 to 10, not {priority}"
            )));
        }
        let created = match on {
            On::Build(build) => {
                let (org, slug) = build.pipeline.ids();
                let op = build
                    .pipeline
                    .bk
                    .api()
                    .create_annotation()
                    .org_slug(org)
                    .pipeline_slug(slug)
                    .build_number(build.number)
                    .body(body);
                send(op).await?
            }
            On::Job(job) => match job.route() {
                JobRoute::Build(org, pipeline, number) => {
                    let op = job.api().create_job_annotation().org_slug(org);
                    let op = op.pipeline_slug(pipeline).build_number(number);
                    send(op.job_id(&job.id).body(body)).await?
                }
                JobRoute::Organization(org) => {
                    let op = job.api().create_organization_job_annotation().org_slug(org);
                    send(op.job_id(&job.id).body(body)).await?
                }
            },
        };
        Ok(created.into_inner())
    }
}

/// A job's annotations: [`Job::annotations`].
#[derive(Debug, Clone)]
pub struct JobAnnotationsQuery {
    job: Job,
}

impl crate::pagination::sealed::Sealed for JobAnnotationsQuery {}

impl ListQuery for JobAnnotationsQuery {
    type Item = types::Annotation;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let (job, api) = (&self.job.id, self.job.api());
        match self.job.route() {
            JobRoute::Build(org, pipeline, number) => {
                let op = api
                    .list_job_annotations()
                    .org_slug(org)
                    .pipeline_slug(pipeline);
                let op = op.build_number(number).job_id(job);
                at.send(op.page(at.page()).per_page(at.per_page())).await
            }
            JobRoute::Organization(org) => {
                let op = api
                    .list_organization_job_annotations()
                    .org_slug(org)
                    .job_id(job);
                at.send(op.page(at.page()).per_page(at.per_page())).await
            }
        }
    }
}

/// A build's annotations: `build.annotations()`. Set filters with the methods of
/// [`List<AnnotationsQuery>`](List#impl-List<AnnotationsQuery>).
#[derive(Debug, Clone)]
pub struct AnnotationsQuery {
    build: Build,
    scope: Option<types::AnnotationScopeFilter>,
    omit_body: Option<bool>,
}

/// Annotation-list filters.
impl List<AnnotationsQuery> {
    /// Which annotations: the build's (Buildkite's default), its jobs', or all.
    pub fn scope(mut self, scope: types::AnnotationScopeFilter) -> Self {
        self.query.scope = Some(scope);
        self
    }

    /// Leave out each annotation's `body_html` (smaller pages).
    pub fn omit_body(mut self, yes: bool) -> Self {
        self.query.omit_body = Some(yes);
        self
    }
}

impl crate::pagination::sealed::Sealed for AnnotationsQuery {}

impl ListQuery for AnnotationsQuery {
    type Item = types::Annotation;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let (org, slug) = self.build.pipeline.ids();
        let mut op = self
            .build
            .pipeline
            .bk
            .api()
            .list_annotations()
            .org_slug(org)
            .pipeline_slug(slug)
            .build_number(self.build.number)
            .page(at.page())
            .per_page(at.per_page());
        if let Some(scope) = &self.scope {
            op = op.scope(scope.clone());
        }
        if let Some(omit_body) = self.omit_body {
            op = op.omit_body(omit_body);
        }
        at.send(op).await
    }
}

/// A list of annotations, `List<AnnotationsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Annotations = List<AnnotationsQuery>;

/// A list of job annotations, `List<JobAnnotationsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type JobAnnotations = List<JobAnnotationsQuery>;
