//! The fake Buildkite REST API v2 ([`FakeBuildkite`]): organizations, pipelines, builds and their
//! jobs, retries, artifacts and job logs, with an object store that artifact downloads redirect to.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::fixtures::fixture;
use crate::server::{
    buildkite_page, glob, minutes_ago, noise, patch, redirect, reply, sha, with_header, Access,
    Api, Call, Object, Response, Service, Storage,
};
use crate::{Fault, Request};

/// The organization the fake Buildkite knows.
pub const ORG: &str = "my-great-org";
/// The pipeline of [`ORG`] that has builds, artifacts and logs (six more are listed).
pub const PIPELINE: &str = "my-pipeline";
/// The API access token the fake Buildkite accepts.
pub const TOKEN: &str = "bkua_testkit";
/// An API access token with read scopes only: it reads everything [`TOKEN`] reads, and every
/// other method gets Buildkite's `403 {"message": "Forbidden"}`.
pub const READ_ONLY_TOKEN: &str = "bkua_testkit_read_only";

const RSPEC_JOB: &str = "b63254c0-3271-4a98-8270-7cfbd6c2f14e";
const PACKAGE_JOB: &str = "aae578fe-994c-44e6-84da-4102616928ba";
const SCREENSHOTS_JOB: &str = "ea3cfae9-a565-4353-8a5e-16436c164e43";

/// The states a created build goes through, one per poll: it is scheduled, runs, then passes.
const LIFECYCLE: &[&str] = &["scheduled", "running", "running", "passed"];

/// What the fake Buildkite knows, and what changes as it is called and driven.
struct State {
    /// Builds of the pipeline, newest first.
    builds: Vec<Value>,
    /// How many times each created build has been fetched (it advances through `LIFECYCLE`).
    polls: HashMap<i64, usize>,
    /// What the test appended to each job's log.
    appended: HashMap<String, String>,
    /// Jobs created by retries so far (they get fresh ids).
    retries: u64,
    /// Each build's annotations, newest first.
    annotations: HashMap<i64, Vec<Value>>,
    /// Annotations created so far (they get fresh ids).
    annotated: u64,
    /// How the next builds created through the API end, in order (instead of `passed`).
    next_outcomes: std::collections::VecDeque<String>,
    /// How each created build ends.
    outcomes: HashMap<i64, String>,
}

type Shared = Arc<Mutex<State>>;

/// A running fake Buildkite REST API v2, in-process on `127.0.0.1` and an ephemeral port, with
/// the object store its artifact downloads redirect to. It stops when dropped.
///
/// It knows the organization [`ORG`] and its pipeline [`PIPELINE`], seeded from the docs'
/// example bodies: 30 builds (running, scheduled, failed, canceled and passed, on `main` and two
/// feature branches), each with three jobs, artifacts and logs. A build created through the API
/// is listed at once with the next number, and moves from `scheduled` through `running` to
/// `passed` one step each time it is fetched, unless the test finishes it with
/// [`finish_build`](Self::finish_build). Builds take annotations (a second one of the same
/// context replaces or appends to it; [`annotations`](Self::annotations) shows them) and
/// meta-data (`meta_data[key]=value` finds them). Lists are paginated with `Link` headers
/// (a build's jobs by an `after` cursor, in `{items, links}` bodies, as Buildkite does), answers
/// carry `RateLimit-*` headers, a request without [`TOKEN`] gets Buildkite's 401, and a write
/// with [`READ_ONLY_TOKEN`] its 403.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> kitelab::Result<()> {
/// use kitelab_testkit::FakeBuildkite;
///
/// let fake = FakeBuildkite::start().await;
/// let pipeline = fake.client().pipeline(fake.org(), fake.pipeline());
/// let build = pipeline.create_build("HEAD", "main").send().await?;
/// fake.finish_build(build.number, "failed");
/// assert_eq!(pipeline.build(build.number).get().await?.state.to_string(), "failed");
/// # Ok(()) }
/// ```
pub struct FakeBuildkite {
    api: Api,
    storage: Storage,
    state: Shared,
}

impl FakeBuildkite {
    /// Starts a fake Buildkite (and its object store) seeded with the docs' examples.
    ///
    /// # Panics
    ///
    /// When it cannot listen on `127.0.0.1`, or outside a Tokio runtime.
    pub async fn start() -> Self {
        let calls = Arc::new(AtomicU64::new(0));
        let guard = Arc::new(|call: &Call, access: Access| {
            let authorization = call.header("authorization");
            let read_only = authorization == Some(format!("Bearer {READ_ONLY_TOKEN}"));
            if access == Access::Token
                && !read_only
                && authorization != Some(format!("Bearer {TOKEN}"))
            {
                return Some(reply(
                    401,
                    &json!({"message": "Authentication required. Please supply a valid API Access Token: https://buildkite.com/docs/apis/rest-api#authentication"}),
                ));
            }
            if read_only && !matches!(call.method(), "GET" | "HEAD") {
                return Some(reply(403, &json!({"message": "Forbidden"})));
            }
            let org = call.param("org");
            if !org.is_empty() && org != ORG {
                return Some(reply(404, &json!({"message": "No organization found"})));
            }
            let pipeline = call.param("pipeline");
            if !pipeline.is_empty() && pipeline != PIPELINE {
                return Some(reply(404, &json!({"message": "No pipeline found"})));
            }
            None
        });
        // Every answer carries the rate limit, counting down (Buildkite allows 200 a minute).
        let decorate = Arc::new(move |response: Response| {
            let used = calls.fetch_add(1, Ordering::SeqCst) + 1;
            let response = with_header(response, "ratelimit-limit", "200");
            let response = with_header(
                response,
                "ratelimit-remaining",
                &200u64.saturating_sub(used).to_string(),
            );
            with_header(response, "ratelimit-reset", "42")
        });
        let api = Api::start(Service::Buildkite, "", guard, decorate).await;
        let storage = Storage::start().await;
        let state = Arc::new(Mutex::new(State {
            builds: (1..=30).rev().map(generated_build).collect(),
            polls: HashMap::new(),
            appended: HashMap::new(),
            retries: 0,
            annotations: HashMap::new(),
            annotated: 0,
            next_outcomes: std::collections::VecDeque::new(),
            outcomes: HashMap::new(),
        }));
        routes(&api, &storage, &state).await;
        Self {
            api,
            storage,
            state,
        }
    }

    /// The API's base URL (`http://127.0.0.1:port`), for `Buildkite::builder().base_url(..)`.
    pub fn url(&self) -> String {
        self.api.base_url()
    }

    /// The base URL of the object store artifact downloads redirect to.
    pub fn storage_url(&self) -> String {
        self.storage.api.base_url()
    }

    /// The organization slug ([`ORG`]).
    pub fn org(&self) -> &'static str {
        ORG
    }

    /// The pipeline slug ([`PIPELINE`]).
    pub fn pipeline(&self) -> &'static str {
        PIPELINE
    }

    /// The token the fake accepts ([`TOKEN`]).
    pub fn token(&self) -> &'static str {
        TOKEN
    }

    /// A builder for a client of this fake: its URL and token are set; add page size, retries,
    /// timeouts.
    pub fn builder(&self) -> kitelab::buildkite::BuildkiteBuilder {
        kitelab::Buildkite::builder()
            .base_url(self.url())
            .token(TOKEN)
    }

    /// A client of this fake, with the defaults.
    pub fn client(&self) -> kitelab::Buildkite {
        self.builder()
            .build()
            .expect("a client for a local URL and a valid token builds")
    }

    /// A client with the read-only token [`READ_ONLY_TOKEN`]: what it reads succeeds, what it
    /// writes gets Buildkite's 403.
    pub fn read_only_client(&self) -> kitelab::Buildkite {
        kitelab::Buildkite::builder()
            .base_url(self.url())
            .token(READ_ONLY_TOKEN)
            .build()
            .expect("a client for a local URL and a valid token builds")
    }

    /// The annotations of build `number`, newest first, as the API answers them.
    pub fn annotations(&self, number: i64) -> Vec<Value> {
        let state = self.state.lock().unwrap();
        state.annotations.get(&number).cloned().unwrap_or_default()
    }

    /// Finishes build `number` in `state` (`passed`, `failed`, `canceled`, ...): its jobs follow
    /// (the first job takes a failed or canceled state, the others pass), `finished_at` is now,
    /// and it no longer moves on by itself.
    ///
    /// # Panics
    ///
    /// When the fake has no build `number`.
    pub fn finish_build(&self, number: i64, state: &str) {
        let mut shared = self.state.lock().unwrap();
        shared.polls.remove(&number);
        let build = shared
            .builds
            .iter_mut()
            .find(|b| b["number"] == number)
            .unwrap_or_else(|| panic!("the fake Buildkite has no build {number}"));
        *build = patch(
            build.clone(),
            json!({
                "state": state,
                "commit": sha(number),
                "started_at": build["started_at"].as_str().map_or_else(|| minutes_ago(0), str::to_owned),
                "finished_at": minutes_ago(0),
                "jobs": jobs_in(state),
            }),
        );
    }

    /// Makes the next build created through the API end in `state` (`failed`, `canceled`, ...)
    /// instead of `passed`, after the same steps; for code under test that creates its own
    /// builds. Called again, it scripts the one after.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> kitelab::Result<()> {
    /// let fake = kitelab_testkit::FakeBuildkite::start().await;
    /// fake.next_build_ends("failed");
    /// let pipeline = fake.client().pipeline(fake.org(), fake.pipeline());
    /// let build = pipeline.create_build("HEAD", "main").send().await?;
    /// let done = pipeline.build(build.number).wait().poll_every(std::time::Duration::ZERO).await?;
    /// assert_eq!(done.state.to_string(), "failed");
    /// # Ok(()) }
    /// ```
    pub fn next_build_ends(&self, state: &str) {
        let mut shared = self.state.lock().unwrap();
        shared.next_outcomes.push_back(state.to_owned());
    }

    /// Adds a build of [`PIPELINE`] on `branch` in `state` (the docs' example build, with the
    /// next number, created now, finished now unless `running` or `scheduled`); returns its
    /// number. It does not move on by itself.
    pub fn add_build(&self, branch: &str, state: &str) -> i64 {
        let mut shared = self.state.lock().unwrap();
        let number = shared
            .builds
            .first()
            .map_or(1, |b| b["number"].as_i64().unwrap_or(0) + 1);
        let finished = !matches!(state, "running" | "scheduled");
        let build = patch(
            generated_build(number),
            json!({
                "state": state,
                "branch": branch,
                "created_at": minutes_ago(0),
                "scheduled_at": minutes_ago(0),
                "started_at": (state != "scheduled").then(|| minutes_ago(0)),
                "finished_at": finished.then(|| minutes_ago(0)),
                "jobs": jobs_in(state),
            }),
        );
        shared.builds.insert(0, build);
        number
    }

    /// Appends `text` to the log of job `job` (in every build: the fake's builds share job ids),
    /// as an agent would while the job runs.
    pub fn append_log(&self, job: &str, text: &str) {
        let mut shared = self.state.lock().unwrap();
        shared
            .appended
            .entry(job.to_owned())
            .or_default()
            .push_str(text);
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

const PIPELINE_PATH: &str = "/organizations/:org/pipelines/:pipeline";

async fn routes(api: &Api, storage: &Storage, state: &Shared) {
    // Organizations.
    api.on("GET", "/organizations", |call| {
        buildkite_page(
            call,
            fixture("buildkite", "listOrganizations")
                .as_array()
                .unwrap(),
        )
    })
    .await;
    api.on("GET", "/organizations/:org", |_| {
        reply(200, &fixture("buildkite", "getOrganization"))
    })
    .await;

    // Pipelines: the docs' pipeline, and six more like it.
    api.on("GET", "/organizations/:org/pipelines", |call| {
        let name = call.query("name").map(|n| n.to_lowercase());
        let repository = call.query("repository").map(|r| r.to_lowercase());
        let pipelines: Vec<Value> = pipelines()
            .into_iter()
            .filter(|p| {
                let has = |field: &str, part: &Option<String>| {
                    part.as_ref().is_none_or(|part| {
                        p[field]
                            .as_str()
                            .unwrap_or("")
                            .to_lowercase()
                            .contains(part)
                    })
                };
                has("name", &name) && has("repository", &repository)
            })
            .collect();
        buildkite_page(call, &pipelines)
    })
    .await;

    // Builds: of every organization, of one, of the pipeline; filtered as Buildkite does.
    for scope in [
        "/builds",
        "/organizations/:org/builds",
        &format!("{PIPELINE_PATH}/builds"),
    ] {
        let state = state.clone();
        api.on("GET", scope, move |call| {
            let builds = state.lock().unwrap().builds.clone();
            let exclude = |name: &str| call.query(name).as_deref() == Some("true");
            let (no_jobs, no_pipeline) = (exclude("exclude_jobs"), exclude("exclude_pipeline"));
            let matching: Vec<Value> = builds
                .into_iter()
                .filter(|b| build_matches(call, b))
                .map(|mut b| {
                    if let Some(fields) = b.as_object_mut() {
                        if no_jobs {
                            fields.remove("jobs");
                        }
                        if no_pipeline {
                            fields.remove("pipeline");
                        }
                    }
                    b
                })
                .collect();
            buildkite_page(call, &matching)
        })
        .await;
    }
    let created = state.clone();
    api.on("POST", &format!("{PIPELINE_PATH}/builds"), move |call| {
        let body = call.body();
        let (commit, branch) = (body["commit"].as_str(), body["branch"].as_str());
        let (Some(commit), Some(branch)) = (commit, branch) else {
            return reply(
                422,
                &json!({"message": "Validation Failed", "errors": [{"field": "commit", "code": "missing"}]}),
            );
        };
        let mut state = created.lock().unwrap();
        let number = state.builds.first().map_or(1, |b| b["number"].as_i64().unwrap_or(0) + 1);
        let build = patch(
            with_number(fixture("buildkite", "createBuild"), number),
            json!({
                "state": "scheduled",
                "commit": commit,
                "branch": branch,
                "message": body["message"].as_str().unwrap_or("Manually triggered build"),
                "env": body.get("env").cloned().unwrap_or(json!({})),
                "meta_data": body.get("meta_data").cloned().unwrap_or(json!({})),
                "author": body.get("author").cloned().unwrap_or(Value::Null),
                "created_at": minutes_ago(0),
                "scheduled_at": minutes_ago(0),
                "started_at": null,
                "finished_at": null,
                "jobs": jobs_in("scheduled"),
            }),
        );
        state.builds.insert(0, build.clone());
        state.polls.insert(number, 0);
        if let Some(outcome) = state.next_outcomes.pop_front() {
            state.outcomes.insert(number, outcome);
        }
        reply(201, &build)
    })
    .await;
    let fetched = state.clone();
    api.on("GET", &format!("{PIPELINE_PATH}/builds/:number"), move |call| {
        let number = call.number("number");
        let mut state = fetched.lock().unwrap();
        // A created build moves on one step each time it is fetched.
        let outcome = state.outcomes.get(&number).cloned();
        if let Some(polls) = state.polls.get_mut(&number) {
            let at = (*polls).min(LIFECYCLE.len() - 1);
            *polls += 1;
            let finished = at == LIFECYCLE.len() - 1;
            let step = match &outcome {
                Some(outcome) if finished => outcome.as_str(),
                _ => LIFECYCLE[at],
            };
            if let Some(build) = state.builds.iter_mut().find(|b| b["number"] == number) {
                *build = patch(
                    build.clone(),
                    json!({
                        "state": step,
                        // The agent resolves HEAD to a commit when the build starts.
                        "commit": if step == "scheduled" { build["commit"].clone() } else { json!(sha(number)) },
                        "started_at": (step != "scheduled").then(|| minutes_ago(0)),
                        "finished_at": finished.then(|| minutes_ago(0)),
                        "jobs": jobs_in(step),
                    }),
                );
            }
        }
        match state.builds.iter().find(|b| b["number"] == number) {
            Some(build) => reply(200, build),
            None => reply(404, &json!({"message": "No build found"})),
        }
    })
    .await;

    // Retries: of one job, or of every failed job of a build.
    let retried = state.clone();
    api.on(
        "PUT",
        &format!("{PIPELINE_PATH}/builds/:number/retry_failed_jobs"),
        move |call| {
            let mut state = retried.lock().unwrap();
            let number = call.number("number");
            let failed: Vec<String> = match state.builds.iter().find(|b| b["number"] == number) {
                Some(build) => build["jobs"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|j| j["retried"] != true)
                    .filter(|j| matches!(j["state"].as_str(), Some("failed" | "timed_out")))
                    .filter_map(|j| j["id"].as_str().map(str::to_owned))
                    .collect(),
                None => return reply(404, &json!({"message": "No build found"})),
            };
            for job in &failed {
                let _ = retry_job(&mut state, number, job);
            }
            let build = state.builds.iter_mut().find(|b| b["number"] == number);
            let build = build.expect("the build was just found");
            *build = patch(
                build.clone(),
                json!({"state": "running", "finished_at": null}),
            );
            let answer = patch(
                fixture("buildkite", "retryFailedJobs"),
                patch(build.clone(), json!({"retried_jobs_count": failed.len()})),
            );
            // Accepted: Buildkite queues the retries.
            reply(202, &answer)
        },
    )
    .await;
    let retried = state.clone();
    api.on(
        "PUT",
        &format!("{PIPELINE_PATH}/builds/:number/jobs/:job/retry"),
        move |call| {
            let mut state = retried.lock().unwrap();
            match retry_job(&mut state, call.number("number"), call.param("job")) {
                Ok(job) => reply(200, &patch(fixture("buildkite", "retryJob"), job)),
                Err(answer) => answer,
            }
        },
    )
    .await;

    // Artifacts: the docs' two, and a text report; downloads redirect to the object store.
    let artifacts = artifacts();
    let build_path = format!("{PIPELINE_PATH}/builds/:number");
    let (listed, builds) = (artifacts.clone(), state.clone());
    api.on("GET", &format!("{build_path}/artifacts"), move |call| {
        if !has_build(&builds, call) {
            return reply(404, &json!({"message": "No build found"}));
        }
        buildkite_page(call, &filter_artifacts(call, &listed, None))
    })
    .await;
    let (listed, builds) = (artifacts.clone(), state.clone());
    api.on(
        "GET",
        &format!("{build_path}/jobs/:job/artifacts"),
        move |call| {
            if !has_build(&builds, call) {
                return reply(404, &json!({"message": "No build found"}));
            }
            buildkite_page(
                call,
                &filter_artifacts(call, &listed, Some(call.param("job"))),
            )
        },
    )
    .await;
    let known = artifacts.clone();
    api.on(
        "GET",
        &format!("{build_path}/jobs/:job/artifacts/:id"),
        move |call| match find_artifact(&known, call) {
            Some(artifact) => reply(200, &artifact),
            None => reply(404, &json!({"message": "No artifact found"})),
        },
    )
    .await;
    let mut keys = HashMap::new();
    for artifact in &artifacts {
        let path = artifact["path"].as_str().unwrap_or_default();
        let size = artifact["file_size"].as_u64().unwrap_or_default() as usize;
        let bytes = match artifact["mime_type"].as_str() {
            Some("text/plain") => SUMMARY.as_bytes().to_vec(),
            _ => noise(size, size as u64),
        };
        let key = format!(
            "buildkite-artifacts/{ORG}/{PIPELINE}/{}/{path}",
            artifact["id"].as_str().unwrap()
        );
        storage.put(
            &key,
            Object {
                bytes,
                content_type: artifact["mime_type"]
                    .as_str()
                    .unwrap_or("application/octet-stream")
                    .to_owned(),
                file_name: artifact["filename"]
                    .as_str()
                    .unwrap_or("artifact")
                    .to_owned(),
            },
        );
        keys.insert(
            artifact["id"].as_str().unwrap().to_owned(),
            storage.signed_url(&key),
        );
    }
    api.on(
        "GET",
        &format!("{build_path}/jobs/:job/artifacts/:id/download"),
        move |call| match (find_artifact(&artifacts, call), keys.get(call.param("id"))) {
            (Some(_), Some(url)) => redirect(url),
            _ => reply(404, &json!({"message": "No artifact found"})),
        },
    )
    .await;

    // Annotations of a build: listed, created (replacing or appending to one of the same
    // context), deleted.
    let annotated = state.clone();
    api.on("GET", &format!("{build_path}/annotations"), move |call| {
        let state = annotated.lock().unwrap();
        let number = call.number("number");
        if !state.builds.iter().any(|b| b["number"] == number) {
            return reply(404, &json!({"message": "No build found"}));
        }
        let listed = state.annotations.get(&number).cloned().unwrap_or_default();
        buildkite_page(call, &listed)
    })
    .await;
    let annotated = state.clone();
    api.on("POST", &format!("{build_path}/annotations"), move |call| {
        let mut state = annotated.lock().unwrap();
        let number = call.number("number");
        if !state.builds.iter().any(|b| b["number"] == number) {
            return reply(404, &json!({"message": "No build found"}));
        }
        let body = call.body();
        let Some(text) = body["body"].as_str().filter(|t| !t.trim().is_empty()) else {
            return reply(
                422,
                &json!({"message": "Validation Failed", "errors": [{"field": "body", "code": "missing"}]}),
            );
        };
        let context = body["context"].as_str().unwrap_or("default").to_owned();
        let append = body["append"] == true;
        state.annotated += 1;
        let id = format!("0190b1d0-{:04x}-7000-8000-00000000a000", state.annotated);
        let list = state.annotations.entry(number).or_default();
        let existing = list.iter().position(|a| a["context"] == context.as_str());
        let html = format!("<p>{text}</p>\n");
        let annotation = match existing {
            Some(at) => {
                let old = list.remove(at);
                let body_html = if append {
                    format!("{}{html}", old["body_html"].as_str().unwrap_or(""))
                } else {
                    html
                };
                patch(
                    old,
                    json!({
                        "body_html": body_html,
                        "style": body.get("style").cloned().unwrap_or(json!("default")),
                        "priority": body.get("priority").cloned().unwrap_or(json!(3)),
                        "updated_at": minutes_ago(0),
                    }),
                )
            }
            None => patch(
                fixture("buildkite", "createAnnotation"),
                json!({
                    "id": id,
                    "context": context,
                    "style": body.get("style").cloned().unwrap_or(json!("default")),
                    "priority": body.get("priority").cloned().unwrap_or(json!(3)),
                    "body_html": html,
                    "created_at": minutes_ago(0),
                    "updated_at": minutes_ago(0),
                }),
            ),
        };
        list.insert(0, annotation.clone());
        reply(201, &annotation)
    })
    .await;
    let annotated = state.clone();
    api.on(
        "DELETE",
        &format!("{build_path}/annotations/:uuid"),
        move |call| {
            let mut state = annotated.lock().unwrap();
            let list = state.annotations.entry(call.number("number")).or_default();
            match list.iter().position(|a| a["id"] == call.param("uuid")) {
                Some(at) => {
                    list.remove(at);
                    Response::builder().status(204).build()
                }
                None => reply(404, &json!({"message": "No annotation found"})),
            }
        },
    )
    .await;

    // A build's jobs: cursor-paginated (`after`), `{items, links}` bodies.
    let listed = state.clone();
    api.on("GET", &format!("{build_path}/jobs"), move |call| {
        let state = listed.lock().unwrap();
        let Some(build) = state
            .builds
            .iter()
            .find(|b| b["number"] == call.number("number"))
        else {
            return reply(404, &json!({"message": "No build found"}));
        };
        let states = call.query_all("state");
        let step = call.query("step_key");
        let retried = call.query("include_retried_jobs").as_deref() != Some("false");
        let jobs: Vec<Value> = build["jobs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|j| states.is_empty() || states.iter().any(|s| j["state"] == s.as_str()))
            .filter(|j| step.as_ref().is_none_or(|k| j["step_key"] == k.as_str()))
            .filter(|j| retried || j["retried"] != true)
            .cloned()
            .collect();
        let per_page = call
            .query("per_page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(30usize)
            .clamp(1, 100);
        let start = match call.query("after") {
            Some(after) => match jobs.iter().position(|j| j["id"] == after.as_str()) {
                Some(at) => at + 1,
                None => return reply(400, &json!({"message": "The `after` cursor is not valid"})),
            },
            None => 0,
        };
        let items: Vec<Value> = jobs.iter().skip(start).take(per_page).cloned().collect();
        let next = (start + per_page < jobs.len()).then(|| {
            let last = items.last().and_then(|j| j["id"].as_str()).unwrap_or("");
            call.url_with(&[("after", last.to_owned())])
        });
        let template = fixture("buildkite", "listJobs");
        reply(
            200,
            &patch(template, json!({"items": items, "links": {"next": next}})),
        )
    })
    .await;

    // Job logs: as JSON (or just its size), as text (whole, or a suffix range).
    let logs = state.clone();
    api.on("GET", &format!("{build_path}/jobs/:job/log"), move |call| {
        let content = job_log(&logs, call.param("job"));
        let log = patch(
            fixture("buildkite", "getJobLog"),
            json!({"size": content.len(), "content": content}),
        );
        reply(200, &log)
    })
    .await;
    let logs = state.clone();
    api.on(
        "GET",
        &format!("{build_path}/jobs/:job/log.txt"),
        move |call| {
            let log = job_log(&logs, call.param("job"));
            let total = log.len();
            let suffix = call.header("range").and_then(|r| {
                r.strip_prefix("bytes=-")
                    .and_then(|n| n.parse::<usize>().ok())
            });
            match suffix {
                None => text(200, log.clone()),
                Some(_) if total == 0 => Response::builder()
                    .status(416)
                    .header("content-range", "bytes */0")
                    .build(),
                Some(n) => {
                    let start = total.saturating_sub(n);
                    let part = with_header(
                        text(206, log[start..].to_owned()),
                        "content-range",
                        &format!("bytes {start}-{}/{total}", total - 1),
                    );
                    part
                }
            }
        },
    )
    .await;
    let logs = state.clone();
    api.on(
        "HEAD",
        &format!("{build_path}/jobs/:job/log"),
        move |call| {
            Response::builder()
                .status(200)
                .header("content-type", "text/plain")
                .header(
                    "content-length",
                    job_log(&logs, call.param("job")).len().to_string(),
                )
                .build()
        },
    )
    .await;
}

fn text(status: u16, body: String) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .body(body)
        .build()
}

/// Retries a job of a build: the job is marked retried and a new attempt is scheduled; returns
/// the new attempt, or the answer Buildkite gives when the job cannot be retried.
fn retry_job(state: &mut State, number: i64, job: &str) -> Result<Value, Response> {
    state.retries += 1;
    let new_id = format!(
        "0190a7e2-{:04x}-7000-8000-{:012x}",
        state.retries,
        crate::server::fnv(job) & 0xffff_ffff_ffff
    );
    let Some(build) = state.builds.iter_mut().find(|b| b["number"] == number) else {
        return Err(reply(404, &json!({"message": "No build found"})));
    };
    let Some(jobs) = build["jobs"].as_array_mut() else {
        return Err(reply(404, &json!({"message": "No job found"})));
    };
    let Some(old) = jobs
        .iter_mut()
        .find(|j| j["id"] == job && j["retried"] != true)
    else {
        return Err(reply(404, &json!({"message": "No job found"})));
    };
    if !matches!(
        old["state"].as_str(),
        Some("failed" | "timed_out" | "canceled")
    ) {
        return Err(reply(
            400,
            &json!({"message": "Only failed, timed out or canceled jobs can be retried"}),
        ));
    }
    let attempt = patch(
        old.clone(),
        json!({
            "id": new_id,
            "state": "scheduled",
            "exit_status": null,
            "retried": false,
            "retried_in_job_id": null,
            "retries_count": old["retries_count"].as_i64().unwrap_or(0) + 1,
            "started_at": null,
            "finished_at": null,
        }),
    );
    *old = patch(
        old.clone(),
        json!({"retried": true, "retried_in_job_id": new_id}),
    );
    jobs.push(attempt.clone());
    Ok(attempt)
}

/// The org's pipelines: the docs' example pipeline, and six more made from it.
fn pipelines() -> Vec<Value> {
    let template = fixture("buildkite", "listPipelines")[0].clone();
    [
        (PIPELINE, "My Pipeline", "git@github.com:acme-inc/my-pipeline.git"),
        ("docs", "Docs", "git@github.com:acme-inc/docs.git"),
        ("api", "API", "git@github.com:acme-inc/api.git"),
        ("mobile-app", "Mobile App", "git@github.com:acme-inc/mobile-app.git"),
        ("infrastructure", "Infrastructure", "git@github.com:acme-inc/infrastructure.git"),
        ("deploy", "Deploy", "git@github.com:acme-inc/deploy.git"),
        ("nightly", "Nightly", "git@github.com:acme-inc/my-pipeline.git"),
    ]
    .into_iter()
    .map(|(slug, name, repository)| {
        patch(
            template.clone(),
            json!({
                "slug": slug,
                "name": name,
                "repository": repository,
                "url": format!("https://api.buildkite.com/v2/organizations/{ORG}/pipelines/{slug}"),
                "web_url": format!("https://buildkite.com/{ORG}/{slug}"),
                "builds_url": format!("https://api.buildkite.com/v2/organizations/{ORG}/pipelines/{slug}/builds"),
            }),
        )
    })
    .collect()
}

/// A build of the history: the docs' example build, renumbered, in a state and on a branch.
fn generated_build(number: i64) -> Value {
    let (state, branch, message) = match number {
        30 => (
            "running",
            "main",
            "Merge pull request #412 from acme-inc/search",
        ),
        29 => ("scheduled", "main", "Bump rack from 3.0.8 to 3.0.9"),
        28 => ("running", "feature/search", "Index pipelines by name"),
        27 => ("failed", "feature/search", "Add a search box"),
        21 => ("failed", "main", "Upgrade Rails to 7.2"),
        14 => ("failed", "main", "Cache bundler in CI"),
        6 => ("failed", "main", "Drop support for Ruby 3.1"),
        18 => ("canceled", "feature/login", "Try the new login flow"),
        n if n % 4 == 0 => ("passed", "feature/login", "Remember the last organization"),
        _ => ("passed", "main", "Bumping to version 0.2-beta.6"),
    };
    let created = (31 - number) * 90;
    let finished = !matches!(state, "running" | "scheduled");
    patch(
        with_number(
            fixture("buildkite", "listPipelineBuilds")[0].clone(),
            number,
        ),
        json!({
            "state": state,
            "branch": branch,
            "message": message,
            "commit": sha(number),
            "created_at": minutes_ago(created),
            "scheduled_at": minutes_ago(created),
            "started_at": (state != "scheduled").then(|| minutes_ago(created - 1)),
            "finished_at": finished.then(|| minutes_ago(created - 9)),
            "jobs": jobs_in(state),
        }),
    )
}

/// Sets a build's number, and the URLs that contain it; puts it in the fake's pipeline.
fn with_number(build: Value, number: i64) -> Value {
    let pipeline = patch(build["pipeline"].clone(), pipelines()[0].clone());
    patch(
        build,
        json!({
            "pipeline": pipeline,
            "number": number,
            "url": format!("https://api.buildkite.com/v2/organizations/{ORG}/pipelines/{PIPELINE}/builds/{number}"),
            "web_url": format!("https://buildkite.com/{ORG}/{PIPELINE}/builds/{number}"),
        }),
    )
}

/// A build's jobs (the docs' RSpec job, a packaging job and a screenshots job) in a build state.
fn jobs_in(build_state: &str) -> Value {
    let template = fixture("buildkite", "getBuild")["jobs"][0].clone();
    let (first, rest) = match build_state {
        "passed" => ("passed", "passed"),
        "failed" => ("failed", "passed"),
        "canceled" => ("canceled", "canceled"),
        "running" => ("running", "passed"),
        _ => ("scheduled", "scheduled"),
    };
    let job = |id: &str, name: &str, key: &str, command: &str, paths: &str, state: &str| {
        patch(
            template.clone(),
            json!({
                "id": id,
                "name": name,
                "step_key": key,
                "command": command,
                "artifact_paths": paths,
                "state": state,
                "exit_status": match state { "passed" => json!(0), "failed" => json!(1), _ => Value::Null },
            }),
        )
    };
    json!([
        job(
            RSPEC_JOB,
            "RSpec",
            "rspec",
            "bundle exec rspec",
            "reports/*",
            first
        ),
        job(
            PACKAGE_JOB,
            ":package: Package",
            "package",
            "make dist",
            "dist/*",
            rest
        ),
        job(
            SCREENSHOTS_JOB,
            "Screenshots",
            "screenshots",
            "bin/screenshots",
            "tmp/screenshots/*.png",
            rest
        ),
    ])
}

/// Whether a build passes the list filters of the request (`state[]`, `branch[]`, `commit[]`,
/// `created_from`, `created_to`, `finished_from`).
fn build_matches(call: &Call, build: &Value) -> bool {
    let state = build["state"].as_str().unwrap_or("");
    let states = call.query_all("state");
    let finished = matches!(
        state,
        "passed" | "failed" | "blocked" | "canceled" | "skipped" | "not_run"
    );
    let in_state = states.is_empty()
        || states
            .iter()
            .any(|s| s == state || (s == "finished" && finished));
    let branches = call.query_all("branch");
    let on_branch = branches.is_empty()
        || branches
            .iter()
            .any(|b| glob(b, build["branch"].as_str().unwrap_or("")));
    let commits = call.query_all("commit");
    let of_commit = commits.is_empty() || commits.iter().any(|c| build["commit"] == c.as_str());
    // `meta_data[key]=value`: builds whose meta-data has every pair.
    let with_meta_data = call.query_pairs().iter().all(|(k, v)| {
        match k
            .strip_prefix("meta_data[")
            .and_then(|k| k.strip_suffix(']'))
        {
            Some(key) => build["meta_data"][key] == v.as_str(),
            None => true,
        }
    });
    let time = |field: &str| {
        build[field]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
    };
    let bound = |name: &str| {
        call.query(name)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
    };
    let after = |field: &str, name: &str| match (bound(name), time(field)) {
        (Some(from), Some(at)) => at >= from,
        (Some(_), None) => false,
        (None, _) => true,
    };
    let created_before = match (bound("created_to"), time("created_at")) {
        (Some(to), Some(at)) => at < to,
        _ => true,
    };
    in_state
        && on_branch
        && of_commit
        && with_meta_data
        && after("created_at", "created_from")
        && created_before
        && after("finished_at", "finished_from")
}

/// The build's artifacts: the docs' two, and a text report of the RSpec job.
fn artifacts() -> Vec<Value> {
    let mut artifacts = fixture("buildkite", "listBuildArtifacts")
        .as_array()
        .cloned()
        .unwrap_or_default();
    let report = patch(
        artifacts[0].clone(),
        json!({
            "id": "0a7f2c1e-5b0d-4f5e-9a51-2d7c3e1b8f40",
            "job_id": RSPEC_JOB,
            "path": "reports/summary.txt",
            "dirname": "reports",
            "filename": "summary.txt",
            "mime_type": "text/plain",
            "file_size": SUMMARY.len(),
            "sha1sum": "5f0c9b2e8d1a7c3b4e6f9a0d2c8b1e7f3a5d9c04",
        }),
    );
    artifacts.push(report);
    artifacts
}

/// Whether the build the request names exists.
fn has_build(state: &Mutex<State>, call: &Call) -> bool {
    let number = call.number("number");
    state
        .lock()
        .unwrap()
        .builds
        .iter()
        .any(|b| b["number"] == number)
}

fn filter_artifacts(call: &Call, artifacts: &[Value], job: Option<&str>) -> Vec<Value> {
    let state = call.query("state");
    let path = call.query("path");
    artifacts
        .iter()
        .filter(|a| job.is_none_or(|j| a["job_id"] == j))
        .filter(|a| state.as_ref().is_none_or(|s| a["state"] == s.as_str()))
        .filter(|a| {
            path.as_ref()
                .is_none_or(|p| glob(p, a["path"].as_str().unwrap_or("")))
        })
        .cloned()
        .collect()
}

fn find_artifact(artifacts: &[Value], call: &Call) -> Option<Value> {
    artifacts
        .iter()
        .find(|a| a["id"] == call.param("id") && a["job_id"] == call.param("job"))
        .cloned()
}

const SUMMARY: &str = "RSpec summary\n=============\n\nFinished in 42.17 seconds (files took 3.2 seconds to load)\n1284 examples, 0 failures, 3 pending\n\nSlowest examples:\n  Search indexes pipelines by name      2.31 s\n  Login remembers the last organization 1.87 s\n";

/// A job's log: what the Buildkite agent prints around `bundle exec rspec`, and what the test
/// appended.
fn job_log(state: &Shared, job: &str) -> String {
    let mut log = agent_log(job);
    if let Some(appended) = state.lock().unwrap().appended.get(job) {
        log.push_str(appended);
    }
    log
}

fn agent_log(job: &str) -> String {
    let mut log = String::from(
        "~~~ Running agent hooks\n\
         # Executing global environment hook\n\
         ~~~ Preparing working directory\n\
         $ cd /var/lib/buildkite-agent/builds/my-agent-123/my-great-org/my-pipeline\n\
         $ git clean -ffxdq\n\
         $ git fetch -v --prune -- origin main\n\
         $ git checkout -f abcd0b72a1e580e90712cdd9eb26d3fb41cd09c8\n\
         # Using a clean checkout\n",
    );
    log.push_str(&format!("~~~ Running commands for job {job}\n"));
    log.push_str("$ bundle install --jobs 4 --quiet\n$ bundle exec rspec\n");
    for i in 1..=12 {
        log.push_str(&format!("{}\n", ".".repeat(i * 6)));
    }
    log.push_str(&format!(
        "\nFinished in 42.17 seconds (files took 3.2 seconds to load)\n\
         1284 examples, 0 failures, 3 pending\n\
         ~~~ Uploading artifacts\n\
         Found 1 file that matches \"reports/*\"\n\
         Uploading artifact reports/summary.txt ({} bytes)\n\
         Artifact uploads completed successfully\n",
        SUMMARY.len()
    ));
    log
}
