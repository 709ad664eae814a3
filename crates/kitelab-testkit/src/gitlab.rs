//! The fake GitLab CI REST API v4 ([`FakeGitLab`]): pipelines, jobs and their traces and artifacts,
//! trigger tokens, pipeline schedules, and project, group and instance CI/CD variables, with an
//! object store that artifact downloads redirect to.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::fixtures::fixture;
use crate::server::{
    gitlab_page, minutes_ago, no_content, noise, patch, redirect, reply, sha, zip, Access, Api,
    Call, Object, Response, Service, Storage,
};
use crate::{Fault, Request};

/// The project the fake GitLab knows (id 3 in its answers).
pub const PROJECT: &str = "group/subgroup/project";
/// The group of [`PROJECT`], with group variables.
pub const GROUP: &str = "group/subgroup";
/// The personal access token the fake GitLab accepts (`Authorization: Bearer` or
/// `PRIVATE-TOKEN`).
pub const TOKEN: &str = "glpat-testkit";
/// The OAuth 2 access token the fake GitLab accepts (`Authorization: Bearer`).
pub const OAUTH_TOKEN: &str = "oauth-testkit";
/// The CI job token the fake GitLab accepts (`JOB-TOKEN`).
pub const JOB_TOKEN: &str = "glcbt-testkit";
/// A personal access token with the `read_api` scope only: it reads what [`TOKEN`] reads, and
/// every other method gets GitLab's `403 insufficient_scope`.
pub const READ_API_TOKEN: &str = "glpat-testkit-read-api";
/// A file in the artifacts of the fake's `build` jobs.
pub const ARTIFACT_PATH: &str = "dist/report.txt";

/// The running job whose log grows each time it is read; it succeeds after three reads.
const FOLLOWED_JOB: i64 = 12;
/// The statuses a created or triggered pipeline goes through, one per poll.
const LIFECYCLE: &[&str] = &["created", "pending", "running", "success"];

const WEB: &str = "https://gitlab.example.com/group/subgroup/project";

/// What the fake GitLab knows, and what changes as it is called and driven.
#[derive(Default)]
struct State {
    /// Pipelines (the full form), newest first.
    pipelines: Vec<Value>,
    /// How many times each created or triggered pipeline has been fetched.
    polls: HashMap<i64, usize>,
    /// The variables pipelines were created or triggered with.
    pipeline_variables: HashMap<i64, Value>,
    /// Jobs, newest first.
    jobs: Vec<Value>,
    /// How many times the followed job's log has been read.
    trace_reads: usize,
    triggers: Vec<Value>,
    schedules: Vec<Value>,
    project_variables: Vec<Value>,
    group_variables: Vec<Value>,
    instance_variables: Vec<Value>,
    /// What the test appended to each job's trace.
    appended: HashMap<i64, String>,
    /// Where the artifacts archive of every `build` job is, in the object store.
    archive_url: String,
    /// How the next pipelines created or triggered end, in order (instead of `success`).
    next_outcomes: std::collections::VecDeque<String>,
    /// How each created or triggered pipeline ends.
    outcomes: HashMap<i64, String>,
}

type Shared = Arc<Mutex<State>>;

/// A running fake GitLab CI REST API v4, in-process on `127.0.0.1` and an ephemeral port, with
/// the object store its artifact downloads redirect to. It stops when dropped.
///
/// It knows the project [`PROJECT`] and its group [`GROUP`], seeded from the docs' example
/// bodies: 16 pipelines, their jobs (with traces and artifacts), trigger tokens, a schedule, and
/// project, group and instance variables. A pipeline created or triggered through the API is
/// listed at once with the next id, and moves from `created` through `pending` and `running` to
/// `success` one step each time it is fetched, unless the test finishes it with
/// [`finish_pipeline`](Self::finish_pipeline); its jobs (`build`, whose artifacts hold
/// [`ARTIFACT_PATH`] once it succeeds, then `rspec`) move with it. Pipelines list a bridge. Lists
/// are paginated with `X-Next-Page`, `X-Total` and `Link` headers (without the totals and the
/// `last` link above 10,000 rows, as GitLab does; project jobs also by keyset), a request
/// without one of its tokens gets GitLab's 401, and a write with [`READ_API_TOKEN`] its
/// `403 insufficient_scope`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> kitelab::Result<()> {
/// use kitelab_testkit::FakeGitLab;
///
/// let fake = FakeGitLab::start().await;
/// let project = fake.client().project(fake.project());
/// let pipeline = project.create_pipeline("main").send().await?;
/// fake.finish_pipeline(pipeline.id, "failed");
/// let done = project.pipeline(pipeline.id).wait().await?;
/// assert_eq!(done.status.to_string(), "failed");
/// # Ok(()) }
/// ```
pub struct FakeGitLab {
    api: Api,
    storage: Storage,
    state: Shared,
}

impl FakeGitLab {
    /// Starts a fake GitLab (and its object store) seeded with the docs' examples.
    ///
    /// # Panics
    ///
    /// When it cannot listen on `127.0.0.1`, or outside a Tokio runtime.
    pub async fn start() -> Self {
        let guard = Arc::new(|call: &Call, access: Access| {
            let bearer = call.header("authorization");
            let presented = |token: &str| {
                bearer.as_deref() == Some(&format!("Bearer {token}"))
                    || call.header("private-token").as_deref() == Some(token)
            };
            let read_api = presented(READ_API_TOKEN);
            let authorized = presented(TOKEN)
                || read_api
                || bearer.as_deref() == Some(&format!("Bearer {OAUTH_TOKEN}"))
                || call.header("job-token").as_deref() == Some(JOB_TOKEN);
            if access == Access::Token && !authorized {
                return Some(reply(401, &json!({"message": "401 Unauthorized"})));
            }
            if read_api && !matches!(call.method(), "GET" | "HEAD") {
                let refused = reply(
                    403,
                    &json!({
                        "error": "insufficient_scope",
                        "error_description": "The request requires higher privileges than provided by the access token.",
                        "scope": "api",
                    }),
                );
                return Some(crate::server::with_header(
                    refused,
                    "www-authenticate",
                    "Bearer realm=\"Protected by OAuth 2.0\", error=\"insufficient_scope\", error_description=\"The request requires higher privileges than provided by the access token.\", scope=\"api\"",
                ));
            }
            let project = call.param("project");
            if !project.is_empty() && project != PROJECT {
                return Some(reply(404, &json!({"message": "404 Project Not Found"})));
            }
            let group = call.param("group");
            if !group.is_empty() && group != GROUP {
                return Some(reply(404, &json!({"message": "404 Group Not Found"})));
            }
            None
        });
        let api = Api::start(Service::GitLab, "/api/v4", guard, Arc::new(|r| r)).await;
        let storage = Storage::start().await;
        let mut state = State {
            pipelines: (33..=48).rev().map(generated_pipeline).collect(),
            jobs: JOBS.iter().rev().map(generated_job).collect(),
            triggers: list("listTriggers"),
            schedules: vec![fixture("gitlab", "getPipelineSchedule")],
            project_variables: list("listProjectVariables"),
            group_variables: list("listGroupVariables"),
            instance_variables: list("listInstanceVariables"),
            ..State::default()
        };
        // The artifacts of the `build` jobs, in the object store.
        let report =
            b"Build report\n============\nartifact: dist/app.bin (196608 bytes)\nchecksums: ok\n";
        let archive = zip(&[
            (ARTIFACT_PATH, report),
            ("dist/app.bin", &noise(196_608, 7)),
        ]);
        for job in state
            .jobs
            .iter_mut()
            .filter(|j| j["artifacts_file"].is_object())
        {
            let url = storage.put(
                &format!("gitlab-artifacts/{}/artifacts.zip", job["id"]),
                Object {
                    bytes: archive.clone(),
                    content_type: "application/zip".into(),
                    file_name: "artifacts.zip".into(),
                },
            );
            job["artifacts_file"]["size"] = json!(archive.len());
            job["artifacts"][0]["size"] = json!(archive.len());
            job["_storage_url"] = json!(url.clone());
            state.archive_url = url;
        }
        let state = Arc::new(Mutex::new(state));
        pipeline_routes(&api, &state).await;
        job_routes(&api, &state).await;
        trigger_routes(&api, &state).await;
        schedule_routes(&api, &state).await;
        variable_routes(&api, &state, "/projects/:project", "Project").await;
        variable_routes(&api, &state, "/groups/:group", "Group").await;
        variable_routes(&api, &state, "/admin/ci", "Instance").await;
        Self {
            api,
            storage,
            state,
        }
    }

    /// The instance's base URL (`http://127.0.0.1:port`, the API under `/api/v4`), for
    /// `GitLab::builder().base_url(..)`.
    pub fn url(&self) -> String {
        self.api.base_url()
    }

    /// The base URL of the object store artifact downloads redirect to.
    pub fn storage_url(&self) -> String {
        self.storage.api.base_url()
    }

    /// The project's full path ([`PROJECT`]).
    pub fn project(&self) -> &'static str {
        PROJECT
    }

    /// The group's full path ([`GROUP`]).
    pub fn group(&self) -> &'static str {
        GROUP
    }

    /// A builder for a client of this fake with `token`: set page size, retries, timeouts.
    pub fn builder(&self, token: kitelab::gitlab::Token) -> kitelab::gitlab::GitLabBuilder {
        kitelab::GitLab::builder().base_url(self.url()).token(token)
    }

    fn client_with(&self, token: kitelab::gitlab::Token) -> kitelab::GitLab {
        self.builder(token)
            .build()
            .expect("a client for a local URL and a valid token builds")
    }

    /// A client with the personal access token [`TOKEN`].
    pub fn client(&self) -> kitelab::GitLab {
        self.client_with(kitelab::gitlab::Token::Personal(TOKEN.into()))
    }

    /// A client with the OAuth 2 token [`OAUTH_TOKEN`].
    pub fn oauth_client(&self) -> kitelab::GitLab {
        self.client_with(kitelab::gitlab::Token::OAuth(OAUTH_TOKEN.into()))
    }

    /// A client with the `read_api` token [`READ_API_TOKEN`]: what it reads succeeds, what it
    /// writes gets GitLab's `403 insufficient_scope`.
    pub fn read_api_client(&self) -> kitelab::GitLab {
        self.client_with(kitelab::gitlab::Token::Personal(READ_API_TOKEN.into()))
    }

    /// A client with the CI job token [`JOB_TOKEN`], as a job's `$CI_JOB_TOKEN`. (The fake
    /// accepts it on every route; GitLab allows fewer.)
    pub fn job_token_client(&self) -> kitelab::GitLab {
        self.client_with(kitelab::gitlab::Token::Job(JOB_TOKEN.into()))
    }

    /// A trigger token of the project (the docs' example), for `trigger_pipeline`.
    pub fn trigger_token(&self) -> String {
        let state = self.state.lock().unwrap();
        state.triggers[0]["token"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Finishes pipeline `id` with `status` (`success`, `failed`, `canceled`, ...):
    /// `finished_at` is now, and it no longer moves on by itself.
    ///
    /// # Panics
    ///
    /// When the fake has no pipeline `id`.
    pub fn finish_pipeline(&self, id: i64, status: &str) {
        let mut state = self.state.lock().unwrap();
        state.polls.remove(&id);
        let pipeline = state
            .pipelines
            .iter_mut()
            .find(|p| p["id"] == id)
            .unwrap_or_else(|| panic!("the fake GitLab has no pipeline {id}"));
        *pipeline = patch(
            with_status(pipeline.clone(), status),
            json!({"finished_at": minutes_ago(0), "updated_at": minutes_ago(0), "duration": 3}),
        );
        sync_jobs(&mut state, id);
    }

    /// Makes the next pipeline created or triggered through the API end with `status`
    /// (`failed`, `canceled`, ...) instead of `success`, after the same steps; for code under
    /// test that creates its own pipelines. Called again, it scripts the one after.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> kitelab::Result<()> {
    /// let fake = kitelab_testkit::FakeGitLab::start().await;
    /// fake.next_pipeline_ends("failed");
    /// let project = fake.client().project(fake.project());
    /// let created = project.create_pipeline("main").send().await?;
    /// let done = project.pipeline(created.id).wait().poll_every(std::time::Duration::ZERO).await?;
    /// assert_eq!(done.status.to_string(), "failed");
    /// # Ok(()) }
    /// ```
    pub fn next_pipeline_ends(&self, status: &str) {
        let mut state = self.state.lock().unwrap();
        state.next_outcomes.push_back(status.to_owned());
    }

    /// Adds a pipeline on `git_ref` with `status` (the docs' example pipeline, with the next
    /// id, created now, source `push`); returns its id. It does not move on by itself.
    pub fn add_pipeline(&self, git_ref: &str, status: &str) -> i64 {
        let mut state = self.state.lock().unwrap();
        let created = new_pipeline(&mut state, "createPipeline", git_ref, "push", Value::Null);
        let id = created["id"].as_i64().unwrap_or_default();
        state.polls.remove(&id);
        // An outcome scripted for the next pipeline is for the code under test's, not this one.
        if let Some(outcome) = state.outcomes.remove(&id) {
            state.next_outcomes.push_front(outcome);
        }
        let finished = !matches!(status, "created" | "pending" | "running" | "manual");
        let pipeline = state.pipelines.iter_mut().find(|p| p["id"] == id);
        let pipeline = pipeline.expect("the pipeline was just added");
        *pipeline = patch(
            with_status(pipeline.clone(), status),
            json!({"finished_at": finished.then(|| minutes_ago(0))}),
        );
        sync_jobs(&mut state, id);
        id
    }

    /// Appends `text` to the trace of job `id`, as a runner would while it runs: a `follow()`
    /// sees it grow.
    pub fn append_trace(&self, id: i64, text: &str) {
        let mut state = self.state.lock().unwrap();
        state.appended.entry(id).or_default().push_str(text);
    }

    /// Sets job `id` to `manual`, so that it can be played.
    ///
    /// # Panics
    ///
    /// When the fake has no job `id`.
    pub fn make_playable(&self, id: i64) {
        let mut state = self.state.lock().unwrap();
        let job = state
            .jobs
            .iter_mut()
            .find(|j| j["id"] == id)
            .unwrap_or_else(|| panic!("the fake GitLab has no job {id}"));
        job["status"] = json!("manual");
    }

    /// Every API request received so far, oldest first, secrets redacted.
    pub fn requests(&self) -> Vec<Request> {
        self.api.requests()
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        self.api.clear_requests();
    }

    /// Makes the API fail as `fault` says (see [`Fault`]); the first fault that matches applies.
    pub fn inject(&self, fault: Fault) {
        self.api.inject(fault);
    }

    /// Removes every injected fault.
    pub fn clear_faults(&self) {
        self.api.clear_faults();
    }

    /// How long every API answer takes (none by default); 20 ms is a nearby data centre.
    pub fn set_latency(&self, latency: std::time::Duration) {
        self.api.set_latency(latency);
        self.storage.api.set_latency(latency);
    }
}

fn list(name: &str) -> Vec<Value> {
    fixture("gitlab", name)
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn not_found(what: &str) -> Response {
    reply(404, &json!({ "message": format!("404 {what} Not Found") }))
}

/// A new id: the docs' example id, or the next one if that is taken.
fn next_id(taken: &[Value], example: i64) -> i64 {
    let max = taken
        .iter()
        .filter_map(|v| v["id"].as_i64())
        .max()
        .unwrap_or(0);
    example.max(max + 1)
}

// ---------------------------------------------------------------------------------------------
// Pipelines

/// A pipeline of the history: the docs' example pipeline with an id, a status and a ref.
fn generated_pipeline(id: i64) -> Value {
    let (status, git_ref, source) = match id {
        48 => ("running", "main", "push"),
        47 => ("pending", "feature/login", "web"),
        46 | 39 => ("failed", "main", "push"),
        43 => ("failed", "feature/login", "push"),
        42 => ("canceled", "main", "push"),
        41 | 37 | 33 => ("success", "main", "schedule"),
        n if n % 2 == 0 => ("success", "feature/login", "push"),
        _ => ("success", "main", "push"),
    };
    let created = (49 - id) * 45;
    let finished = !matches!(status, "running" | "pending");
    with_status(
        patch(
            fixture("gitlab", "getPipeline"),
            json!({
                "id": id,
                "iid": id - 30,
                "ref": git_ref,
                "source": source,
                "sha": sha(id * 7919),
                "web_url": format!("{WEB}/-/pipelines/{id}"),
                "created_at": minutes_ago(created),
                "updated_at": minutes_ago(created - 8),
                "started_at": minutes_ago(created - 1),
                "finished_at": finished.then(|| minutes_ago(created - 8)),
                "duration": finished.then_some(412),
            }),
        ),
        status,
    )
}

/// Sets a pipeline's status, and the detailed status that shows it.
fn with_status(pipeline: Value, status: &str) -> Value {
    let detailed = patch(
        pipeline["detailed_status"].clone(),
        json!({"icon": format!("status_{status}"), "text": status, "label": status, "group": status, "tooltip": status}),
    );
    patch(
        pipeline,
        json!({"status": status, "detailed_status": detailed}),
    )
}

/// The list form of a pipeline.
fn basic(pipeline: &Value) -> Value {
    let fields = [
        "id",
        "iid",
        "project_id",
        "status",
        "source",
        "ref",
        "sha",
        "name",
        "web_url",
        "created_at",
        "updated_at",
    ];
    let template = list("listProjectPipelines")[0].clone();
    let picked: serde_json::Map<String, Value> = fields
        .iter()
        .map(|f| ((*f).to_owned(), pipeline[*f].clone()))
        .collect();
    patch(template, Value::Object(picked))
}

/// Whether a pipeline passes the list filters of the request.
fn pipeline_matches(call: &Call, p: &Value) -> bool {
    let is = |name: &str, field: &str| call.query(name).is_none_or(|v| p[field] == v.as_str());
    let status = p["status"].as_str().unwrap_or("");
    let scope = call
        .query("scope")
        .is_none_or(|scope| match scope.as_str() {
            "running" | "pending" => status == scope,
            "finished" => matches!(status, "success" | "failed" | "canceled" | "skipped"),
            "tags" => p["tag"] == true,
            _ => p["tag"] != true,
        });
    scope
        && is("status", "status")
        && is("ref", "ref")
        && is("source", "source")
        && is("sha", "sha")
        && is("name", "name")
}

/// Creates a pipeline (created, or triggered) in the state; returns it.
fn new_pipeline(
    state: &mut State,
    example: &str,
    git_ref: &str,
    source: &str,
    variables: Value,
) -> Value {
    let id = next_id(
        &state.pipelines,
        fixture("gitlab", example)["id"].as_i64().unwrap_or(1),
    );
    let pipeline = with_status(
        patch(
            generated_pipeline(id),
            json!({
                "ref": git_ref,
                "source": source,
                "created_at": minutes_ago(0),
                "updated_at": minutes_ago(0),
                "started_at": null,
                "finished_at": null,
                "duration": null,
            }),
        ),
        LIFECYCLE[0],
    );
    state.pipelines.insert(0, pipeline.clone());
    state.polls.insert(id, 0);
    state.pipeline_variables.insert(id, variables);
    if let Some(outcome) = state.next_outcomes.pop_front() {
        state.outcomes.insert(id, outcome);
    }
    // Its jobs: `build` (with the artifacts archive once it succeeds), then `rspec`.
    for (name, stage, artifacts) in [("build", "build", true), ("rspec", "test", false)] {
        let job_id = next_id(&state.jobs, 1);
        let job = patch(
            generated_job(&(job_id, name, stage, "created", id, artifacts)),
            json!({
                "ref": git_ref,
                "pipeline": {"id": id, "ref": git_ref, "sha": pipeline["sha"], "status": pipeline["status"]},
                "created_at": minutes_ago(0),
                "_storage_url": artifacts.then(|| state.archive_url.clone()),
                "_created": true,
            }),
        );
        state.jobs.insert(0, job);
    }
    sync_jobs(state, id);
    pipeline
}

/// Moves the jobs of a created pipeline along with its status: `build` first, then `rspec`
/// (which is the one that fails or is canceled). A `build` job has its artifacts once it
/// succeeds.
fn sync_jobs(state: &mut State, id: i64) {
    let Some(status) = state
        .pipelines
        .iter()
        .find(|p| p["id"] == id)
        .and_then(|p| p["status"].as_str())
        .map(str::to_owned)
    else {
        return;
    };
    let (build, rspec) = match status.as_str() {
        "created" => ("created", "created"),
        "pending" => ("pending", "created"),
        "running" => ("success", "running"),
        "success" => ("success", "success"),
        "failed" => ("success", "failed"),
        "canceled" => ("success", "canceled"),
        _ => return,
    };
    let archive = state
        .jobs
        .iter()
        .find(|j| j["artifacts_file"].is_object())
        .map(|j| (j["artifacts_file"].clone(), j["artifacts"].clone()));
    let created = |j: &&mut Value| j["pipeline"]["id"] == id && j["_created"] == true;
    for job in state.jobs.iter_mut().filter(created) {
        let next = if job["name"] == "build" { build } else { rspec };
        if job["status"] == next {
            continue;
        }
        let finished = matches!(next, "success" | "failed" | "canceled");
        *job = patch(
            job.clone(),
            json!({
                "status": next,
                "started_at": (next != "created" && next != "pending").then(|| minutes_ago(0)),
                "finished_at": finished.then(|| minutes_ago(0)),
                "duration": finished.then_some(42.0),
            }),
        );
        job["pipeline"]["status"] = json!(status);
        match &archive {
            Some((file, list)) if job["_storage_url"].is_string() && next == "success" => {
                job["artifacts_file"] = file.clone();
                job["artifacts"] = list.clone();
            }
            _ => {
                job["artifacts_file"] = Value::Null;
                job["artifacts"] = json!([]);
            }
        }
    }
}

async fn pipeline_routes(api: &Api, state: &Shared) {
    let pipelines = "/projects/:project/pipelines";
    let s = state.clone();
    api.on("GET", pipelines, move |call| {
        let state = s.lock().unwrap();
        let mut matching: Vec<Value> = state
            .pipelines
            .iter()
            .filter(|p| pipeline_matches(call, p))
            .map(basic)
            .collect();
        if call.query("sort").as_deref() == Some("asc") {
            matching.reverse();
        }
        gitlab_page(call, &matching)
    })
    .await;
    let s = state.clone();
    api.on("POST", "/projects/:project/pipeline", move |call| {
        let body = call.body();
        let Some(git_ref) = body["ref"].as_str() else {
            return reply(400, &json!({"error": "ref is missing"}));
        };
        let variables = body["variables"].clone();
        let mut state = s.lock().unwrap();
        let created = new_pipeline(&mut state, "createPipeline", git_ref, "api", variables);
        reply(201, &patch(fixture("gitlab", "createPipeline"), created))
    })
    .await;
    let s = state.clone();
    api.on("GET", &format!("{pipelines}/:id"), move |call| {
        let id = call.number("id");
        let mut state = s.lock().unwrap();
        // A created or triggered pipeline moves on one step each time it is fetched.
        let outcome = state.outcomes.get(&id).cloned();
        if let Some(polls) = state.polls.get_mut(&id) {
            let step = (*polls).min(LIFECYCLE.len() - 1);
            *polls += 1;
            let done = step == LIFECYCLE.len() - 1;
            let status = match &outcome {
                Some(outcome) if done => outcome.as_str(),
                _ => LIFECYCLE[step],
            };
            if let Some(p) = state.pipelines.iter_mut().find(|p| p["id"] == id) {
                *p = patch(
                    with_status(p.clone(), status),
                    json!({
                        "started_at": (status == "running" || done).then(|| minutes_ago(0)),
                        "finished_at": done.then(|| minutes_ago(0)),
                        "duration": done.then_some(3),
                    }),
                );
            }
        }
        sync_jobs(&mut state, id);
        match state.pipelines.iter().find(|p| p["id"] == id) {
            Some(p) => reply(200, p),
            None => not_found(""),
        }
    })
    .await;
    for (verb, example, status) in [
        ("retry", "retryPipeline", "pending"),
        ("cancel", "cancelPipeline", "canceled"),
    ] {
        let s = state.clone();
        api.on("POST", &format!("{pipelines}/:id/{verb}"), move |call| {
            let id = call.number("id");
            let mut state = s.lock().unwrap();
            let Some(p) = state.pipelines.iter_mut().find(|p| p["id"] == id) else {
                return not_found("");
            };
            *p = patch(
                with_status(p.clone(), status),
                json!({"finished_at": (status == "canceled").then(|| minutes_ago(0))}),
            );
            let answer = patch(fixture("gitlab", example), p.clone());
            state.polls.remove(&id);
            sync_jobs(&mut state, id);
            reply(if verb == "retry" { 201 } else { 200 }, &answer)
        })
        .await;
    }
    let s = state.clone();
    api.on("DELETE", &format!("{pipelines}/:id"), move |call| {
        let id = call.number("id");
        let mut state = s.lock().unwrap();
        let before = state.pipelines.len();
        state.pipelines.retain(|p| p["id"] != id);
        state.jobs.retain(|j| j["pipeline"]["id"] != id);
        if state.pipelines.len() == before {
            return not_found("");
        }
        no_content()
    })
    .await;
    let s = state.clone();
    api.on("GET", &format!("{pipelines}/:id/variables"), move |call| {
        let state = s.lock().unwrap();
        let id = call.number("id");
        if !state.pipelines.iter().any(|p| p["id"] == id) {
            return not_found("");
        }
        match state.pipeline_variables.get(&id) {
            Some(Value::Array(vars)) => reply(200, &Value::Array(vars.clone())),
            Some(Value::Object(vars)) => {
                // Triggered with a map of variables.
                let vars: Vec<Value> = vars
                    .iter()
                    .map(|(k, v)| json!({"key": k, "value": v, "variable_type": "env_var"}))
                    .collect();
                reply(200, &Value::Array(vars))
            }
            _ => reply(200, &fixture("gitlab", "listPipelineVariables")),
        }
    })
    .await;
    let s = state.clone();
    api.on("GET", &format!("{pipelines}/:id/jobs"), move |call| {
        let mut state = s.lock().unwrap();
        refresh_followed_job(&mut state);
        let id = call.number("id");
        let scope = call.query_all("scope");
        let mut jobs: Vec<Value> = state
            .jobs
            .iter()
            .filter(|j| j["pipeline"]["id"] == id)
            .filter(|j| scope.is_empty() || scope.iter().any(|s| j["status"] == s.as_str()))
            .map(public_job)
            .collect();
        if jobs.is_empty() && scope.is_empty() {
            // A pipeline of the docs' example jobs.
            jobs = list("listPipelineJobs")
                .into_iter()
                .map(|mut j| {
                    j["pipeline"]["id"] = json!(id);
                    j
                })
                .collect();
        }
        jobs.reverse(); // oldest first, as GitLab lists a pipeline's jobs
        gitlab_page(call, &jobs)
    })
    .await;
    // Bridges (trigger jobs): the docs' example bridge, in every pipeline.
    let s = state.clone();
    api.on("GET", &format!("{pipelines}/:id/bridges"), move |call| {
        let state = s.lock().unwrap();
        let id = call.number("id");
        let Some(pipeline) = state.pipelines.iter().find(|p| p["id"] == id) else {
            return not_found("");
        };
        let scope = call.query_all("scope");
        let bridges: Vec<Value> = list("listPipelineBridges")
            .into_iter()
            .map(|b| {
                patch(
                    b,
                    json!({"pipeline": {"id": id, "ref": pipeline["ref"], "sha": pipeline["sha"], "status": pipeline["status"]}}),
                )
            })
            .filter(|b| scope.is_empty() || scope.iter().any(|s| b["status"] == s.as_str()))
            .collect();
        gitlab_page(call, &bridges)
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Jobs

/// The project's jobs, oldest first: id, name, stage, status, pipeline, whether it has artifacts.
const JOBS: &[(i64, &str, &str, &str, i64, bool)] = &[
    (1, "build", "build", "success", 41, true),
    (2, "rspec", "test", "canceled", 42, false),
    (3, "build", "build", "success", 44, true),
    (4, "rspec", "test", "success", 44, false),
    (5, "rspec:other", "test", "failed", 43, false),
    (6, "teaspoon", "test", "failed", 43, false),
    (7, "deploy", "deploy", "manual", 45, false),
    (8, "build", "build", "success", 45, true),
    (9, "rspec", "test", "failed", 46, false),
    (10, "build", "build", "pending", 47, false),
    (11, "build", "build", "success", 48, true),
    (12, "rspec", "test", "running", 48, false),
    (13, "rubocop", "test", "pending", 48, false),
];

fn generated_job(
    &(id, name, stage, status, pipeline, artifacts): &(i64, &str, &str, &str, i64, bool),
) -> Value {
    let p = generated_pipeline(pipeline);
    let created = (14 - id) * 40;
    let finished = matches!(status, "success" | "failed" | "canceled");
    let started = finished || status == "running";
    let artifacts_file = artifacts.then(|| json!({"filename": "artifacts.zip", "size": 0}));
    let artifacts_list = if artifacts {
        json!([
            {"file_type": "archive", "size": 0, "filename": "artifacts.zip", "file_format": "zip"},
            {"file_type": "metadata", "size": 212, "filename": "metadata.gz", "file_format": "gzip"},
        ])
    } else {
        json!([])
    };
    patch(
        fixture("gitlab", "getJob"),
        json!({
            "id": id,
            "name": name,
            "stage": stage,
            "status": status,
            "ref": p["ref"],
            "allow_failure": status == "manual",
            "pipeline": {"id": pipeline, "project_id": 21, "ref": p["ref"], "sha": p["sha"], "status": p["status"]},
            "web_url": format!("{WEB}/-/jobs/{id}"),
            "created_at": minutes_ago(created),
            "started_at": started.then(|| minutes_ago(created - 1)),
            "finished_at": finished.then(|| minutes_ago(created - 4)),
            "duration": finished.then_some(183.2),
            "artifacts_file": artifacts_file,
            "artifacts": artifacts_list,
            "artifacts_expire_at": artifacts.then(|| minutes_ago(-60 * 24 * 30)),
        }),
    )
}

/// A job as the API shows it (without what the fake keeps on the side).
fn public_job(job: &Value) -> Value {
    let mut job = job.clone();
    if let Some(fields) = job.as_object_mut() {
        fields.retain(|k, _| !k.starts_with('_'));
    }
    job
}

/// A job as one of the docs' examples of an answer, with this job's fields.
fn job_answer(example: &str, job: &Value) -> Value {
    patch(fixture("gitlab", example), public_job(job))
}

/// The followed job runs until its log has been read three times, then succeeds.
fn refresh_followed_job(state: &mut State) {
    let done = state.trace_reads >= 3;
    if let Some(job) = state.jobs.iter_mut().find(|j| j["id"] == FOLLOWED_JOB) {
        if done && job["status"] == "running" {
            *job = patch(
                job.clone(),
                json!({"status": "success", "finished_at": minutes_ago(0), "duration": 41.8}),
            );
        }
    }
}

/// The followed job's log: a few more lines each time it is read.
const FOLLOWED_LOG: &[&str] = &[
    "Running with gitlab-runner 17.5.0 (c3f3d0f1)\n",
    "  on docker-auto-scale 0277ea0f, system ID: s_d5d3abd0e75b\n",
    "Preparing the \"docker+machine\" executor\n",
    "Using Docker executor with image ruby:3.3 ...\n",
    "Getting source from Git repository\n",
    "Fetching changes with git depth set to 20...\n",
    "Executing \"step_script\" stage of the job script\n",
    "$ bundle exec rspec\n",
    "..................................................\n",
    "Finished in 41.8 seconds (files took 3.1 seconds to load)\n",
    "1284 examples, 0 failures\n",
    "Cleaning up project directory and file based variables\n",
    "Job succeeded\n",
];

/// A finished job's log.
fn job_log(job: &Value) -> String {
    let status = job["status"].as_str().unwrap_or("");
    if job["erased_at"].is_string()
        || !matches!(status, "success" | "failed" | "canceled" | "running")
    {
        return String::new();
    }
    let name = job["name"].as_str().unwrap_or("job");
    let mut log = format!(
        "Running with gitlab-runner 17.5.0 (c3f3d0f1)\n  on docker-auto-scale 0277ea0f\nGetting source from Git repository\nExecuting \"step_script\" stage of the job script\n$ make {name}\n"
    );
    log.push_str(match status {
        "success" => "ok\nUploading artifacts for successful job\nCleaning up project directory and file based variables\nJob succeeded\n",
        "failed" => "1284 examples, 2 failures\nCleaning up project directory and file based variables\nERROR: Job failed: exit code 1\n",
        "canceled" => "WARNING: Received cancel request\nERROR: Job failed: canceled\n",
        _ => "",
    });
    log
}

fn text(body: String) -> Response {
    Response::builder()
        .status(200)
        .header("content-type", "text/plain; charset=utf-8")
        .body(body)
        .build()
}

/// The cursor GitLab's keyset pagination would send for "after this id" (base64url of its JSON).
fn cursor(id: i64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bytes = format!("{{\"id\":\"{id}\",\"_kd\":\"n\"}}").into_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

async fn job_routes(api: &Api, state: &Shared) {
    let jobs = "/projects/:project/jobs";
    let s = state.clone();
    api.on("GET", jobs, move |call| {
        let mut state = s.lock().unwrap();
        refresh_followed_job(&mut state);
        let scope = call.query_all("scope");
        let matching: Vec<Value> = state
            .jobs
            .iter()
            .filter(|j| scope.is_empty() || scope.iter().any(|s| j["status"] == s.as_str()))
            .map(public_job)
            .collect();
        if call.query("pagination").as_deref() != Some("keyset") {
            return gitlab_page(call, &matching);
        }
        // Keyset: the jobs after the cursor's id, and a `next` link while there are more.
        let per_page = call
            .query("per_page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(20usize)
            .clamp(1, 100);
        let start = match call.query("cursor") {
            Some(c) => matching
                .iter()
                .position(|j| cursor(j["id"].as_i64().unwrap_or(0)) == c)
                .map_or(matching.len(), |i| i + 1),
            None => 0,
        };
        let page: Vec<Value> = matching
            .iter()
            .skip(start)
            .take(per_page)
            .cloned()
            .collect();
        let mut response = reply(200, &Value::Array(page.clone()));
        if start + per_page < matching.len() {
            let last = page.last().and_then(|j| j["id"].as_i64()).unwrap_or(0);
            let next = call.url_with(&[("cursor", cursor(last))]);
            response =
                crate::server::with_header(response, "link", &format!("<{next}>; rel=\"next\""));
        }
        response
    })
    .await;
    let s = state.clone();
    api.on("GET", &format!("{jobs}/:id"), move |call| {
        let mut state = s.lock().unwrap();
        refresh_followed_job(&mut state);
        match state.jobs.iter().find(|j| j["id"] == call.number("id")) {
            Some(job) => reply(200, &public_job(job)),
            None => not_found(""),
        }
    })
    .await;
    let s = state.clone();
    api.on("GET", &format!("{jobs}/:id/trace"), move |call| {
        let mut state = s.lock().unwrap();
        let id = call.number("id");
        if id == FOLLOWED_JOB
            && state
                .jobs
                .iter()
                .any(|j| j["id"] == id && j["erased_at"].is_null())
        {
            state.trace_reads += 1;
            let lines = (state.trace_reads * 4).min(FOLLOWED_LOG.len());
            let lines = if state.trace_reads > 3 {
                FOLLOWED_LOG.len()
            } else {
                lines
            };
            return text(FOLLOWED_LOG[..lines].concat());
        }
        let appended = state.appended.get(&id).cloned().unwrap_or_default();
        match state.jobs.iter().find(|j| j["id"] == id) {
            Some(job) => text(job_log(job) + &appended),
            None => not_found(""),
        }
    })
    .await;

    // The verbs.
    let s = state.clone();
    api.on("POST", &format!("{jobs}/:id/play"), move |call| {
        let mut state = s.lock().unwrap();
        let Some(job) = state.jobs.iter_mut().find(|j| j["id"] == call.number("id")) else {
            return not_found("");
        };
        if job["status"] != "manual" {
            return reply(400, &json!({"message": "400 Unplayable Job"}));
        }
        *job = patch(
            job.clone(),
            json!({"status": "pending", "_variables": call.body()["job_variables_attributes"]}),
        );
        reply(200, &job_answer("playJob", job))
    })
    .await;
    let s = state.clone();
    api.on("POST", &format!("{jobs}/:id/retry"), move |call| {
        let mut state = s.lock().unwrap();
        let new_id = next_id(&state.jobs, 0);
        let Some(job) = state
            .jobs
            .iter()
            .find(|j| j["id"] == call.number("id"))
            .cloned()
        else {
            return not_found("");
        };
        if !matches!(
            job["status"].as_str(),
            Some("failed" | "canceled" | "success")
        ) {
            return reply(
                403,
                &json!({"message": "403 Forbidden  - Job is not retryable"}),
            );
        }
        let retried = patch(
            job,
            json!({
                "id": new_id,
                "status": "pending",
                "web_url": format!("{WEB}/-/jobs/{new_id}"),
                "created_at": minutes_ago(0),
                "started_at": null,
                "finished_at": null,
                "duration": null,
            }),
        );
        state.jobs.insert(0, retried.clone());
        reply(201, &job_answer("retryJob", &retried))
    })
    .await;
    let s = state.clone();
    api.on("POST", &format!("{jobs}/:id/cancel"), move |call| {
        let mut state = s.lock().unwrap();
        let Some(job) = state.jobs.iter_mut().find(|j| j["id"] == call.number("id")) else {
            return not_found("");
        };
        if matches!(
            job["status"].as_str(),
            Some("created" | "pending" | "running")
        ) {
            *job = patch(
                job.clone(),
                json!({"status": "canceled", "finished_at": minutes_ago(0)}),
            );
        }
        reply(201, &job_answer("cancelJob", job))
    })
    .await;
    let s = state.clone();
    api.on("POST", &format!("{jobs}/:id/erase"), move |call| {
        let mut state = s.lock().unwrap();
        let Some(job) = state.jobs.iter_mut().find(|j| j["id"] == call.number("id")) else {
            return not_found("");
        };
        if !matches!(job["status"].as_str(), Some("failed" | "canceled" | "success")) {
            return reply(403, &json!({"message": "403 Forbidden  - Job is not erasable!"}));
        }
        *job = patch(
            job.clone(),
            json!({"erased_at": minutes_ago(0), "artifacts_file": null, "artifacts": [], "artifacts_expire_at": null}),
        );
        reply(201, &job_answer("eraseJob", job))
    })
    .await;

    // Artifacts: the archive (through a redirect to the object store), one file of it, the same
    // by branch and job name, keeping them and deleting them.
    let s = state.clone();
    api.on("GET", &format!("{jobs}/:id/artifacts"), move |call| {
        let state = s.lock().unwrap();
        let job = state.jobs.iter().find(|j| j["id"] == call.number("id"));
        match job.and_then(|j| {
            j["artifacts_file"]
                .is_object()
                .then(|| j["_storage_url"].as_str())
                .flatten()
        }) {
            Some(url) => redirect(url),
            None => not_found(""),
        }
    })
    .await;
    let s = state.clone();
    api.on("GET", &format!("{jobs}/:id/artifacts/*path"), move |call| {
        let state = s.lock().unwrap();
        let job = state.jobs.iter().find(|j| j["id"] == call.number("id"));
        artifact_file(job, call.param("path"))
    })
    .await;
    let s = state.clone();
    api.on(
        "GET",
        &format!("{jobs}/artifacts/:ref/download"),
        move |call| {
            let state = s.lock().unwrap();
            match latest_with_artifacts(&state, call).and_then(|j| j["_storage_url"].as_str()) {
                Some(url) => redirect(url),
                None => not_found(""),
            }
        },
    )
    .await;
    let s = state.clone();
    api.on(
        "GET",
        &format!("{jobs}/artifacts/:ref/raw/*path"),
        move |call| {
            let state = s.lock().unwrap();
            artifact_file(latest_with_artifacts(&state, call), call.param("path"))
        },
    )
    .await;
    let s = state.clone();
    api.on("POST", &format!("{jobs}/:id/artifacts/keep"), move |call| {
        let mut state = s.lock().unwrap();
        let Some(job) = state.jobs.iter_mut().find(|j| j["id"] == call.number("id")) else {
            return not_found("");
        };
        if !job["artifacts_file"].is_object() {
            return not_found("");
        }
        job["artifacts_expire_at"] = Value::Null;
        reply(200, &job_answer("keepJobArtifacts", job))
    })
    .await;
    let s = state.clone();
    api.on("DELETE", &format!("{jobs}/:id/artifacts"), move |call| {
        let mut state = s.lock().unwrap();
        let Some(job) = state.jobs.iter_mut().find(|j| j["id"] == call.number("id")) else {
            return not_found("");
        };
        *job = patch(
            job.clone(),
            json!({"artifacts_file": null, "artifacts": [], "artifacts_expire_at": null}),
        );
        no_content()
    })
    .await;
}

/// The newest successful job named by `?job=` on the ref, with artifacts.
fn latest_with_artifacts<'a>(state: &'a State, call: &Call) -> Option<&'a Value> {
    let name = call.query("job")?;
    state.jobs.iter().find(|j| {
        j["name"] == name.as_str()
            && j["ref"] == call.param("ref")
            && j["status"] == "success"
            && j["artifacts_file"].is_object()
    })
}

/// One file of a job's artifacts (the fake's archives hold the report and a binary).
fn artifact_file(job: Option<&Value>, path: &str) -> Response {
    match job {
        Some(job) if job["artifacts_file"].is_object() && path == ARTIFACT_PATH => text(format!(
            "Build report\n============\njob: {} ({})\nartifact: dist/app.bin (196608 bytes)\nchecksums: ok\n",
            job["id"], job["name"].as_str().unwrap_or("")
        )),
        Some(job) if job["artifacts_file"].is_object() && path == "dist/app.bin" => Response::builder()
            .status(200)
            .header("content-type", "application/octet-stream")
            .body(noise(196_608, 7))
            .build(),
        _ => not_found("File"),
    }
}

// ---------------------------------------------------------------------------------------------
// Trigger tokens

async fn trigger_routes(api: &Api, state: &Shared) {
    let triggers = "/projects/:project/triggers";
    let s = state.clone();
    api.on("GET", triggers, move |call| {
        gitlab_page(call, &s.lock().unwrap().triggers)
    })
    .await;
    let s = state.clone();
    api.on("POST", triggers, move |call| {
        let body = call.body();
        let mut state = s.lock().unwrap();
        let id = next_id(&state.triggers, 10);
        let description = body["description"].as_str().unwrap_or("");
        let trigger = patch(
            fixture("gitlab", "createTrigger"),
            json!({
                "id": id,
                "description": description,
                "token": format!("glptt-{:016x}{:04x}", crate::server::fnv(description), id),
                "created_at": minutes_ago(0),
                "updated_at": minutes_ago(0),
                "expires_at": body.get("expires_at").cloned().unwrap_or(Value::Null),
            }),
        );
        state.triggers.push(trigger.clone());
        reply(201, &trigger)
    })
    .await;
    let s = state.clone();
    api.on("GET", &format!("{triggers}/:id"), move |call| {
        match s
            .lock()
            .unwrap()
            .triggers
            .iter()
            .find(|t| t["id"] == call.number("id"))
        {
            Some(t) => reply(200, t),
            None => not_found("Trigger"),
        }
    })
    .await;
    let s = state.clone();
    api.on("PUT", &format!("{triggers}/:id"), move |call| {
        let mut state = s.lock().unwrap();
        let Some(t) = state
            .triggers
            .iter_mut()
            .find(|t| t["id"] == call.number("id"))
        else {
            return not_found("Trigger");
        };
        if let Some(description) = call.body().get("description") {
            t["description"] = description.clone();
        }
        reply(200, t)
    })
    .await;
    let s = state.clone();
    api.on("DELETE", &format!("{triggers}/:id"), move |call| {
        let mut state = s.lock().unwrap();
        let before = state.triggers.len();
        state.triggers.retain(|t| t["id"] != call.number("id"));
        if state.triggers.len() == before {
            return not_found("Trigger");
        }
        no_content()
    })
    .await;
    // Triggering: the token in the body is the only credential.
    let s = state.clone();
    api.open("POST", "/projects/:project/trigger/pipeline", move |call| {
        let body = call.body();
        let mut state = s.lock().unwrap();
        let known = state.triggers.iter().any(|t| {
            body["token"]
                .as_str()
                .is_some_and(|token| t["token"] == token)
        });
        if !known {
            return not_found("");
        }
        let Some(git_ref) = body["ref"].as_str() else {
            return reply(400, &json!({"error": "ref is missing"}));
        };
        let variables = body.get("variables").cloned().unwrap_or(json!({}));
        let created = new_pipeline(&mut state, "triggerPipeline", git_ref, "trigger", variables);
        reply(201, &patch(fixture("gitlab", "triggerPipeline"), created))
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Pipeline schedules

async fn schedule_routes(api: &Api, state: &Shared) {
    let schedules = "/projects/:project/pipeline_schedules";
    let s = state.clone();
    api.on("GET", schedules, move |call| {
        let state = s.lock().unwrap();
        let matching: Vec<Value> = state
            .schedules
            .iter()
            .filter(|sch| match call.query("scope").as_deref() {
                Some("active") => sch["active"] == true,
                Some("inactive") => sch["active"] == false,
                _ => true,
            })
            .map(|sch| {
                // The list leaves out each schedule's variables and inputs.
                let mut sch = sch.clone();
                if let Some(fields) = sch.as_object_mut() {
                    fields.remove("variables");
                    fields.remove("inputs");
                }
                sch
            })
            .collect();
        gitlab_page(call, &matching)
    })
    .await;
    let s = state.clone();
    api.on("POST", schedules, move |call| {
        let body = call.body();
        let (Some(description), Some(git_ref), Some(cron)) = (
            body["description"].as_str(),
            body["ref"].as_str(),
            body["cron"].as_str(),
        ) else {
            return reply(400, &json!({"error": "description, ref, cron are missing"}));
        };
        let mut state = s.lock().unwrap();
        let id = next_id(&state.schedules, 14);
        let schedule = patch(
            fixture("gitlab", "createPipelineSchedule"),
            json!({
                "id": id,
                "description": description,
                "ref": full_ref(git_ref),
                "cron": cron,
                "cron_timezone": body["cron_timezone"].as_str().unwrap_or("UTC"),
                "active": body["active"].as_bool().unwrap_or(true),
                "next_run_at": minutes_ago(-60),
                "created_at": minutes_ago(0),
                "updated_at": minutes_ago(0),
                "inputs": body.get("inputs").cloned().unwrap_or(json!([])),
                "variables": [],
            }),
        );
        state.schedules.push(schedule.clone());
        reply(201, &schedule)
    })
    .await;
    let s = state.clone();
    api.on("GET", &format!("{schedules}/:id"), move |call| {
        match s
            .lock()
            .unwrap()
            .schedules
            .iter()
            .find(|sch| sch["id"] == call.number("id"))
        {
            Some(sch) => reply(200, sch),
            None => not_found("Pipeline Schedule"),
        }
    })
    .await;
    let s = state.clone();
    api.on("PUT", &format!("{schedules}/:id"), move |call| {
        let body = call.body();
        let mut state = s.lock().unwrap();
        let Some(sch) = state
            .schedules
            .iter_mut()
            .find(|sch| sch["id"] == call.number("id"))
        else {
            return not_found("Pipeline Schedule");
        };
        for field in ["description", "cron", "cron_timezone", "active"] {
            if let Some(value) = body.get(field) {
                sch[field] = value.clone();
            }
        }
        if let Some(git_ref) = body["ref"].as_str() {
            sch["ref"] = json!(full_ref(git_ref));
        }
        sch["updated_at"] = json!(minutes_ago(0));
        reply(
            200,
            &patch(fixture("gitlab", "updatePipelineSchedule"), sch.clone()),
        )
    })
    .await;
    let s = state.clone();
    api.on("DELETE", &format!("{schedules}/:id"), move |call| {
        let mut state = s.lock().unwrap();
        let before = state.schedules.len();
        state.schedules.retain(|sch| sch["id"] != call.number("id"));
        if state.schedules.len() == before {
            return not_found("Pipeline Schedule");
        }
        no_content()
    })
    .await;
    let s = state.clone();
    api.on("POST", &format!("{schedules}/:id/play"), move |call| {
        let mut state = s.lock().unwrap();
        let Some(sch) = state
            .schedules
            .iter()
            .find(|sch| sch["id"] == call.number("id"))
            .cloned()
        else {
            return not_found("Pipeline Schedule");
        };
        // Runs now: a pipeline starts (GitLab does not say which).
        let git_ref = sch["ref"]
            .as_str()
            .unwrap_or("main")
            .trim_start_matches("refs/heads/")
            .to_owned();
        let variables = sch["variables"].clone();
        let started = new_pipeline(
            &mut state,
            "createPipeline",
            &git_ref,
            "schedule",
            variables,
        );
        if let Some(sch) = state
            .schedules
            .iter_mut()
            .find(|sch| sch["id"] == call.number("id"))
        {
            sch["last_pipeline"] = basic(&started);
        }
        reply(201, &fixture("gitlab", "playPipelineSchedule"))
    })
    .await;
    let s = state.clone();
    api.on("POST", &format!("{schedules}/:id/take_ownership"), move |call| {
        let mut state = s.lock().unwrap();
        let Some(sch) = state.schedules.iter_mut().find(|sch| sch["id"] == call.number("id")) else {
            return not_found("Pipeline Schedule");
        };
        sch["owner"] = patch(
            sch["owner"].clone(),
            json!({"id": 42, "username": "mock-user", "name": "Mock User", "web_url": "https://gitlab.example.com/mock-user"}),
        );
        reply(201, &patch(fixture("gitlab", "takeOwnershipPipelineSchedule"), sch.clone()))
    })
    .await;
    let s = state.clone();
    api.on("POST", &format!("{schedules}/:id/variables"), move |call| {
        let body = call.body();
        let mut state = s.lock().unwrap();
        let Some(sch) = state.schedules.iter_mut().find(|sch| sch["id"] == call.number("id")) else {
            return not_found("Pipeline Schedule");
        };
        let key = body["key"].as_str().unwrap_or("");
        let vars = sch["variables"].as_array().cloned().unwrap_or_default();
        if vars.iter().any(|v| v["key"] == key) {
            return reply(400, &json!({"message": {"key": ["has already been taken"]}}));
        }
        let variable = patch(
            fixture("gitlab", "createPipelineScheduleVariable"),
            json!({"key": key, "value": body["value"], "variable_type": body["variable_type"].as_str().unwrap_or("env_var")}),
        );
        let mut vars = vars;
        vars.push(variable.clone());
        sch["variables"] = Value::Array(vars);
        reply(201, &variable)
    })
    .await;
    for method in ["PUT", "DELETE"] {
        let s = state.clone();
        api.on(
            method,
            &format!("{schedules}/:id/variables/:key"),
            move |call| {
                let body = call.body();
                let mut state = s.lock().unwrap();
                let Some(sch) = state
                    .schedules
                    .iter_mut()
                    .find(|sch| sch["id"] == call.number("id"))
                else {
                    return not_found("Pipeline Schedule");
                };
                let mut vars = sch["variables"].as_array().cloned().unwrap_or_default();
                let Some(i) = vars.iter().position(|v| v["key"] == call.param("key")) else {
                    return not_found("Variable");
                };
                let answer = if method == "PUT" {
                    for field in ["value", "variable_type"] {
                        if let Some(value) = body.get(field) {
                            vars[i][field] = value.clone();
                        }
                    }
                    patch(
                        fixture("gitlab", "updatePipelineScheduleVariable"),
                        vars[i].clone(),
                    )
                } else {
                    patch(
                        fixture("gitlab", "deletePipelineScheduleVariable"),
                        vars.remove(i),
                    )
                };
                sch["variables"] = Value::Array(vars);
                // GitLab accepts a deletion with 202.
                reply(if method == "PUT" { 200 } else { 202 }, &answer)
            },
        )
        .await;
    }
}

/// `main` as GitLab stores a schedule's ref: `refs/heads/main`.
fn full_ref(git_ref: &str) -> String {
    if git_ref.starts_with("refs/") {
        git_ref.to_owned()
    } else {
        format!("refs/heads/{git_ref}")
    }
}

// ---------------------------------------------------------------------------------------------
// CI/CD variables

/// The CI/CD variable routes of a project, a group or the instance (`kind` names the docs'
/// examples). Instance variables have no environment scope and cannot be hidden.
async fn variable_routes(api: &Api, state: &Shared, owner: &str, kind: &'static str) {
    fn store<'a>(state: &'a mut State, kind: &str) -> &'a mut Vec<Value> {
        match kind {
            "Project" => &mut state.project_variables,
            "Group" => &mut state.group_variables,
            _ => &mut state.instance_variables,
        }
    }
    let variables = format!("{owner}/variables");
    let s = state.clone();
    api.on("GET", &variables, move |call| {
        let mut state = s.lock().unwrap();
        gitlab_page(call, store(&mut state, kind))
    })
    .await;
    let s = state.clone();
    api.on("POST", &variables, move |call| {
        let body = call.body();
        let mut state = s.lock().unwrap();
        let vars = store(&mut state, kind);
        let key = body["key"].as_str().unwrap_or("");
        let scope = body["environment_scope"].as_str().unwrap_or("*");
        if vars.iter().any(|v| v["key"] == key && v["environment_scope"] == scope) {
            return reply(400, &json!({"message": {"key": [format!("({key}) has already been taken")]}}));
        }
        let masked = body["masked"].as_bool().unwrap_or(false) || body["masked_and_hidden"] == true;
        if masked && body["value"].as_str().is_none_or(|v| v.len() < 8) {
            return reply(400, &json!({"message": {"value": ["is invalid"]}}));
        }
        let mut variable = patch(
            fixture("gitlab", &format!("create{kind}Variable")),
            json!({
                "key": key,
                "value": if body["masked_and_hidden"] == true { Value::Null } else { body["value"].clone() },
                "environment_scope": scope,
                "masked": masked,
                "hidden": body["masked_and_hidden"] == true,
                "protected": body["protected"].as_bool().unwrap_or(false),
                "raw": body["raw"].as_bool().unwrap_or(false),
                "variable_type": body["variable_type"].as_str().unwrap_or("env_var"),
                "description": body["description"],
            }),
        );
        if kind == "Instance" {
            let fields = variable.as_object_mut().expect("an object");
            fields.remove("environment_scope");
            fields.remove("hidden");
        }
        vars.push(variable.clone());
        reply(201, &variable)
    })
    .await;
    for method in ["GET", "PUT", "DELETE"] {
        let s = state.clone();
        api.on(method, &format!("{variables}/:key"), move |call| {
            let body = call.body();
            let mut state = s.lock().unwrap();
            let vars = store(&mut state, kind);
            let scope = call.query("filter[environment_scope]");
            let found: Vec<usize> = vars
                .iter()
                .enumerate()
                .filter(|(_, v)| v["key"] == call.param("key"))
                .filter(|(_, v)| scope.as_ref().is_none_or(|s| v["environment_scope"] == s.as_str()))
                .map(|(i, _)| i)
                .collect();
            let i = match found[..] {
                [] => return not_found("Variable"),
                [i] => i,
                _ => {
                    return reply(
                        409,
                        &json!({"message": "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'"}),
                    )
                }
            };
            match method {
                "GET" => reply(200, &patch(fixture("gitlab", &format!("get{kind}Variable")), vars[i].clone())),
                "PUT" => {
                    for field in ["value", "description", "environment_scope", "masked", "protected", "raw", "variable_type"] {
                        if let Some(value) = body.get(field) {
                            vars[i][field] = value.clone();
                        }
                    }
                    reply(200, &patch(fixture("gitlab", &format!("update{kind}Variable")), vars[i].clone()))
                }
                _ => {
                    vars.remove(i);
                    no_content()
                }
            }
        })
        .await;
    }
}
