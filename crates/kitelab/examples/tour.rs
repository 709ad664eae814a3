//! A tour of kitelab: the seed workflows of pybuildkite and python-gitlab, end to end.
//!
//! ```sh
//! cargo run --example tour
//! ```
//!
//! With no token set it starts local mock servers (Buildkite, GitLab, and an object store the
//! artifact download redirects to) and runs against them. With tokens it runs against the real
//! services, read-only unless `KITELAB_TOUR_WRITE=1`:
//!
//! - Buildkite: `BUILDKITE_API_TOKEN`, `BUILDKITE_ORG`, `BUILDKITE_PIPELINE`;
//! - GitLab: `GITLAB_TOKEN` (and `GITLAB_URL` for a self-managed host), `GITLAB_PROJECT`.

use std::time::Instant;

use futures_util::TryStreamExt;
use kitelab::buildkite::BuildState;
use kitelab::{Buildkite, GitLab};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> Result {
    let started = Instant::now();
    let write = std::env::var("KITELAB_TOUR_WRITE").is_ok_and(|v| v == "1");
    let real_bk = std::env::var(Buildkite::TOKEN_VAR).is_ok();
    let real_gl = std::env::var("GITLAB_TOKEN").is_ok();
    let mocks = if real_bk && real_gl {
        None
    } else {
        Some(mock::Servers::start().await)
    };

    match (&mocks, real_bk) {
        (_, true) => {
            println!(
                "== Buildkite (api.buildkite.com{})",
                if write { "" } else { ", read-only" }
            );
            let bk = Buildkite::from_env()?;
            buildkite(
                &bk,
                &env("BUILDKITE_ORG")?,
                &env("BUILDKITE_PIPELINE")?,
                write,
            )
            .await?;
        }
        (Some(m), false) => {
            println!(
                "== Buildkite (local mock server at {}, artifact storage at {}; set BUILDKITE_API_TOKEN to use the real one)",
                m.buildkite.base_url(),
                m.storage.base_url()
            );
            let bk = Buildkite::builder()
                .base_url(m.buildkite.base_url())
                .token("bkua_mock")
                .build()?;
            buildkite(&bk, "acme", "web", true).await?;
        }
        (None, false) => unreachable!("mocks start unless both tokens are set"),
    }

    match (&mocks, real_gl) {
        (_, true) => {
            println!(
                "\n== GitLab ({}{})",
                std::env::var("GITLAB_URL").unwrap_or_else(|_| "gitlab.com".into()),
                if write { "" } else { ", read-only" }
            );
            let gl = GitLab::from_env()?;
            gitlab(&gl, &env("GITLAB_PROJECT")?, write).await?;
        }
        (Some(m), false) => {
            println!(
                "\n== GitLab (local mock server at {}; set GITLAB_TOKEN to use the real one)",
                m.gitlab.base_url()
            );
            let gl = GitLab::builder()
                .base_url(m.gitlab.base_url())
                .token(kitelab::gitlab::Token::Personal("glpat-mock".into()))
                .build()?;
            gitlab(&gl, "group/subgroup/project", true).await?;
        }
        (None, false) => unreachable!("mocks start unless both tokens are set"),
    }

    println!("tour finished in {:.2?}", started.elapsed());
    Ok(())
}

fn env(name: &str) -> Result<String> {
    std::env::var(name).map_err(|_| format!("{name} is not set (needed with a real token)").into())
}

async fn buildkite(bk: &Buildkite, org: &str, pipeline: &str, write: bool) -> Result {
    let p = bk.pipeline(org, pipeline);

    // pybuildkite: builds().list_all_for_pipeline(org, p, states=[RUNNING, SCHEDULED])
    let active: Vec<_> = p
        .builds()
        .state([BuildState::Running, BuildState::Scheduled])
        .max_items(50)
        .stream()
        .try_collect()
        .await?;
    println!(
        "running or scheduled builds of {org}/{pipeline}: {}",
        active.len()
    );
    for b in active.iter().take(5) {
        println!(
            "  #{} {} on {} ({})",
            b.number,
            b.state,
            b.branch.as_deref().unwrap_or("?"),
            b.web_url
        );
    }

    // pybuildkite: builds().create_build(org, p, 'HEAD', 'main', clean_checkout=True, message=...)
    if write {
        let build = p
            .create_build("HEAD", "main")
            .message("kitelab tour")
            .clean_checkout(true)
            .env("FROM", "kitelab")
            .send()
            .await?;
        println!(
            "created build #{} ({}): {}",
            build.number, build.state, build.web_url
        );
    } else {
        println!("skipped creating a build (set KITELAB_TOUR_WRITE=1)");
    }

    // pybuildkite: artifacts().download_artifact(..., as_stream=True)
    let recent: Vec<_> = p.builds().max_items(1).stream().try_collect().await?;
    let Some(build) = recent.first() else {
        println!("no builds, so no artifact to download");
        return Ok(());
    };
    let artifacts: Vec<_> = p
        .build(build.number)
        .artifacts()
        .max_items(1)
        .stream()
        .try_collect()
        .await?;
    match artifacts.first() {
        Some(artifact) => {
            let job = artifact.job_id.clone().unwrap_or_default();
            let handle = p.build(build.number).artifact(job, artifact.id.clone());
            let path = std::env::temp_dir().join(format!(
                "kitelab-tour-{}",
                artifact.filename.as_deref().unwrap_or("artifact")
            ));
            let bytes = handle.download().await?.write_to(&path).await?;
            println!(
                "downloaded artifact {} of build #{} ({bytes} bytes, through the redirect to storage) to {}",
                artifact.path.as_deref().unwrap_or("?"),
                build.number,
                path.display()
            );
            std::fs::remove_file(&path).ok();
        }
        None => println!("build #{} has no artifacts", build.number),
    }
    Ok(())
}

async fn gitlab(gl: &GitLab, project_path: &str, write: bool) -> Result {
    let project = gl.project(project_path);

    // python-gitlab: project.pipelines.list()
    let pipelines: Vec<_> = project
        .pipelines()
        .max_items(5)
        .stream()
        .try_collect()
        .await?;
    println!("latest pipelines of {project_path}:");
    for p in &pipelines {
        println!(
            "  {} {} on {} ({})",
            p.id,
            p.status,
            p.ref_,
            p.web_url.as_deref().unwrap_or("")
        );
    }

    // python-gitlab: project.pipelines.create({'ref': 'main'}), pipeline.retry(), pipeline.cancel()
    if write {
        let created = project
            .create_pipeline("main")
            .variable("FROM", "kitelab")
            .send()
            .await?;
        println!("created pipeline {} ({})", created.id, created.status);
        let retried = project.pipeline(created.id).retry().await?;
        println!("retried pipeline {} ({})", retried.id, retried.status);
        let canceled = project.pipeline(created.id).cancel().await?;
        println!("canceled pipeline {} ({})", canceled.id, canceled.status);
    } else {
        println!("skipped creating, retrying and canceling a pipeline (set KITELAB_TOUR_WRITE=1)");
    }

    // python-gitlab: job.trace()
    let Some(latest) = pipelines.first() else {
        println!("no pipelines, so no job trace to read");
        return Ok(());
    };
    let jobs: Vec<_> = project
        .pipeline(latest.id)
        .jobs()
        .max_items(1)
        .stream()
        .try_collect()
        .await?;
    match jobs.first() {
        Some(job) => {
            let trace = project.job(job.id).trace().await?.text().await?;
            let last = trace.lines().last().unwrap_or("");
            println!(
                "job {} ({}) trace: {} bytes, last line {:?}",
                job.id,
                job.name,
                trace.len(),
                last
            );
        }
        None => println!("pipeline {} has no jobs", latest.id),
    }
    Ok(())
}

/// Local stand-ins for Buildkite, GitLab and an object store, answering with the docs' examples.
mod mock {
    use httpmock::prelude::*;
    use serde_json::{json, Value};

    pub struct Servers {
        pub buildkite: MockServer,
        pub gitlab: MockServer,
        pub storage: MockServer,
    }

    fn fixture(service: &str, name: &str) -> Value {
        let path = format!(
            "{}/../../tests/fixtures/{service}/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str::<Value>(&text).expect("fixture")["body"].clone()
    }

    impl Servers {
        pub async fn start() -> Self {
            let buildkite = MockServer::start_async().await;
            let gitlab = MockServer::start_async().await;
            let storage = MockServer::start_async().await;
            let pipeline = "/organizations/acme/pipelines/web";

            // Buildkite: builds, a new build, artifacts and a download redirected to storage.
            let mut build = fixture("buildkite", "getBuild");
            build["number"] = json!(42);
            build["state"] = json!("running");
            buildkite
                .mock_async(|when, then| {
                    when.method(GET)
                        .path(format!("{pipeline}/builds"))
                        .header("authorization", "Bearer bkua_mock");
                    then.status(200)
                        .header("content-type", "application/json")
                        .json_body(json!([build.clone()]));
                })
                .await;
            buildkite
                .mock_async(|when, then| {
                    when.method(POST)
                        .path(format!("{pipeline}/builds"))
                        .json_body_includes(r#"{"commit":"HEAD","branch":"main"}"#);
                    then.status(201)
                        .header("content-type", "application/json")
                        .json_body(fixture("buildkite", "createBuild"));
                })
                .await;
            let mut artifact = fixture("buildkite", "getArtifact");
            artifact["job_id"] = json!("job-1");
            artifact["id"] = json!("artifact-1");
            buildkite
                .mock_async(|when, then| {
                    when.method(GET)
                        .path(format!("{pipeline}/builds/42/artifacts"));
                    then.status(200)
                        .header("content-type", "application/json")
                        .json_body(json!([artifact]));
                })
                .await;
            let signed = format!("{}/bucket/artifact-1?Signature=mock", storage.base_url());
            buildkite
                .mock_async(|when, then| {
                    when.method(GET).path(format!(
                        "{pipeline}/builds/42/jobs/job-1/artifacts/artifact-1/download"
                    ));
                    then.status(302)
                        .header("location", signed.as_str())
                        .json_body(json!({"url": signed}));
                })
                .await;
            storage
                .mock_async(|when, then| {
                    when.method(GET)
                        .path("/bucket/artifact-1")
                        .header_missing("authorization");
                    then.status(200)
                        .header("content-type", "application/octet-stream")
                        .body(vec![7u8; 64 * 1024]);
                })
                .await;

            // GitLab: pipelines, create/retry/cancel, jobs and a trace.
            let project = "/api/v4/projects/group%2Fsubgroup%2Fproject";
            let raw = |path: String| move |req: &HttpMockRequest| req.uri().path() == path;
            gitlab
                .mock_async(|when, then| {
                    when.method(GET)
                        .is_true(raw(format!("{project}/pipelines")));
                    then.status(200)
                        .header("content-type", "application/json")
                        .header("x-next-page", "")
                        .json_body(fixture("gitlab", "listProjectPipelines"));
                })
                .await;
            let created = fixture("gitlab", "createPipeline");
            let id = created["id"].as_i64().expect("id");
            for (method, path, status, body) in [
                (POST, format!("{project}/pipeline"), 201, created.clone()),
                (
                    POST,
                    format!("{project}/pipelines/{id}/retry"),
                    201,
                    fixture("gitlab", "retryPipeline"),
                ),
                (
                    POST,
                    format!("{project}/pipelines/{id}/cancel"),
                    200,
                    fixture("gitlab", "cancelPipeline"),
                ),
            ] {
                gitlab
                    .mock_async(|when, then| {
                        when.method(method).is_true(raw(path));
                        then.status(status)
                            .header("content-type", "application/json")
                            .json_body(body);
                    })
                    .await;
            }
            let jobs = fixture("gitlab", "listPipelineJobs");
            let job_id = jobs[0]["id"].as_i64().expect("job id");
            gitlab
                .mock_async(|when, then| {
                    when.method(GET).is_true(move |req: &HttpMockRequest| {
                        req.uri().path().ends_with("/jobs")
                            && req.uri().path().contains("/pipelines/")
                    });
                    then.status(200)
                        .header("content-type", "application/json")
                        .json_body(jobs.clone());
                })
                .await;
            gitlab
                .mock_async(|when, then| {
                    when.method(GET)
                        .is_true(raw(format!("{project}/jobs/{job_id}/trace")));
                    then.status(200)
                        .header("content-type", "text/plain")
                        .body("Running with gitlab-runner\n$ make test\nok\nJob succeeded\n");
                })
                .await;
            Self {
                buildkite,
                gitlab,
                storage,
            }
        }
    }
}
