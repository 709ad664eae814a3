//! Downstream workflows against the fakes, written the way a user's bot would test itself: each
//! seed workflow in a few lines, then the protocol details a test can assert on.

use std::time::Duration;

use futures_util::TryStreamExt;
use kitelab::buildkite::BuildState;
use kitelab::gitlab::{PipelineStatus, Token};
use kitelab_testkit::{FakeBuildkite, FakeGitLab, Fault};

/// The Buildkite seed: create a build, it fails, find it among the failed builds, retry its
/// failed jobs.
#[tokio::test]
async fn buildkite_create_fail_list_retry() -> kitelab::Result<()> {
    let fake = FakeBuildkite::start().await;
    let pipeline = fake.client().pipeline(fake.org(), fake.pipeline());
    let build = pipeline.create_build("HEAD", "main").send().await?;
    fake.finish_build(build.number, "failed");
    let failed: Vec<_> = pipeline
        .builds()
        .state([BuildState::Failed])
        .stream()
        .try_collect()
        .await?;
    assert_eq!(failed[0].number, build.number);
    let retried = pipeline
        .build(build.number)
        .retry_failed_jobs()
        .send()
        .await?;
    assert_eq!(retried.retried_jobs_count, Some(1));
    let retry = fake.requests().pop().unwrap();
    assert_eq!(
        (retry.method.as_str(), retry.header("authorization")),
        ("PUT", Some("[redacted]"))
    );
    Ok(())
}

/// The GitLab seed: create a pipeline, the test finishes it, the code under test waits for it.
#[tokio::test]
async fn gitlab_create_finish_wait() -> kitelab::Result<()> {
    let fake = FakeGitLab::start().await;
    let project = fake.client().project(fake.project());
    let created = project
        .create_pipeline("main")
        .variable("DEPLOY", "no")
        .send()
        .await?;
    fake.finish_pipeline(created.id, "failed");
    let done = project
        .pipeline(created.id)
        .wait()
        .poll_every(Duration::from_millis(5))
        .await?;
    assert_eq!(done.status, PipelineStatus::Failed);
    let listed = project
        .pipelines()
        .status(PipelineStatus::Failed)
        .max_items(1);
    assert_eq!(
        listed.stream().try_collect::<Vec<_>>().await?[0].id,
        created.id
    );
    Ok(())
}

/// A trigger token needs no user token; a created pipeline runs to success on its own when the
/// test does not drive it.
#[tokio::test]
async fn gitlab_trigger_runs_by_itself() -> kitelab::Result<()> {
    let fake = FakeGitLab::start().await;
    let gl = fake.job_token_client();
    let triggered = gl
        .trigger_pipeline(fake.project(), "main", fake.trigger_token())
        .send()
        .await?;
    let done = gl
        .project(fake.project())
        .pipeline(triggered.id)
        .wait()
        .poll_every(Duration::from_millis(5))
        .await?;
    assert_eq!(done.status, PipelineStatus::Success);
    let trigger = &fake.requests()[0];
    assert!(trigger.path.ends_with("/trigger/pipeline"));
    assert_eq!(
        trigger.auth_kind(),
        None,
        "the trigger token goes in the body, alone"
    );
    Ok(())
}

/// Each GitLab token kind is accepted; a wrong token gets GitLab's 401.
#[tokio::test]
async fn gitlab_token_kinds() {
    let fake = FakeGitLab::start().await;
    for gl in [fake.client(), fake.oauth_client(), fake.job_token_client()] {
        assert!(gl.project(fake.project()).pipeline(48).get().await.is_ok());
    }
    let wrong = fake
        .builder(Token::Personal("glpat-wrong".into()))
        .build()
        .unwrap();
    let error = wrong
        .project(fake.project())
        .pipeline(48)
        .get()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(
        fake.requests()[3].header("authorization"),
        Some("[redacted]")
    );
}

/// What the test appends to a log is what the code under test reads.
#[tokio::test]
async fn logs_grow_when_the_test_appends() -> kitelab::Result<()> {
    let bk = FakeBuildkite::start().await;
    let job = bk
        .client()
        .pipeline(bk.org(), bk.pipeline())
        .build(30)
        .job("b63254c0-3271-4a98-8270-7cfbd6c2f14e");
    bk.append_log(
        "b63254c0-3271-4a98-8270-7cfbd6c2f14e",
        "flaky test retried\n",
    );
    assert!(job
        .download_log()
        .await?
        .text()
        .await?
        .ends_with("flaky test retried\n"));

    let gl = FakeGitLab::start().await;
    let job = gl.client().project(gl.project()).job(11);
    gl.append_trace(11, "one more line\n");
    assert!(job
        .download_log()
        .await?
        .text()
        .await?
        .ends_with("one more line\n"));
    Ok(())
}

/// A 503 then a 429 on a read: kitelab retries both and gets the list; a fault with no count
/// stays until cleared.
#[tokio::test]
async fn faults_are_retried_then_cleared() -> kitelab::Result<()> {
    let fake = FakeBuildkite::start().await;
    fake.inject(Fault::status(503).method("GET").on("*/builds").times(1));
    fake.inject(
        Fault::rate_limited(Duration::from_millis(10))
            .on("*/builds")
            .times(1),
    );
    let pipeline = fake.client().pipeline(fake.org(), fake.pipeline());
    assert_eq!(pipeline.builds().page(1).await?.items().len(), 30);
    assert_eq!(fake.requests().len(), 3);

    fake.inject(Fault::malformed_json().on("/organizations/*"));
    assert!(fake.client().organization(fake.org()).get().await.is_err());
    fake.clear_faults();
    assert!(fake.client().organization(fake.org()).get().await.is_ok());
    Ok(())
}

/// A manual job the test makes playable can be played.
#[tokio::test]
async fn gitlab_play_a_manual_job() -> kitelab::Result<()> {
    let fake = FakeGitLab::start().await;
    fake.make_playable(11);
    let job = fake
        .client()
        .project(fake.project())
        .job(11)
        .play()
        .send()
        .await?;
    assert_eq!(job.id, 11);
    Ok(())
}

/// Seeds the test adds are listed with the rest, newest first.
#[tokio::test]
async fn seeds_added_by_the_test() -> kitelab::Result<()> {
    let bk = FakeBuildkite::start().await;
    let number = bk.add_build("release/1.2", "failed");
    let builds = bk
        .client()
        .pipeline(bk.org(), bk.pipeline())
        .builds()
        .branch(["release/*"]);
    assert_eq!(builds.page(1).await?.items()[0].number, number);

    let gl = FakeGitLab::start().await;
    let id = gl.add_pipeline("release/1.2", "success");
    let p = gl.client().project(gl.project()).pipeline(id).get().await?;
    assert_eq!(
        (p.status, p.ref_.as_str()),
        (PipelineStatus::Success, "release/1.2")
    );
    Ok(())
}

/// The crate's copies of the docs' examples are the repository's (`tests/fixtures`), byte for
/// byte, so a fixture fixed there is fixed here too. Outside the repository there is nothing
/// to compare with.
#[test]
fn fixtures_match_the_repository() {
    let crate_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let repository = crate_dir.join("../../tests/fixtures");
    if !repository.is_dir() {
        return;
    }
    for service in ["buildkite", "gitlab"] {
        for entry in std::fs::read_dir(crate_dir.join("fixtures").join(service)).unwrap() {
            let copy = entry.unwrap().path();
            let original = repository.join(service).join(copy.file_name().unwrap());
            let same = std::fs::read(&original).ok() == std::fs::read(&copy).ok();
            assert!(
                same,
                "{} differs from {}",
                copy.display(),
                original.display()
            );
        }
    }
}

/// A download cut in the middle is an error, not a short file.
#[tokio::test]
async fn a_cut_download_fails() {
    let fake = FakeBuildkite::start().await;
    fake.inject(Fault::cut_short().on("*/log.txt"));
    let job = fake
        .client()
        .pipeline(fake.org(), fake.pipeline())
        .build(30)
        .job("b63254c0-3271-4a98-8270-7cfbd6c2f14e");
    let download = job
        .download_log()
        .await
        .expect("the status and headers arrive");
    assert!(download.text().await.is_err());
}

/// Annotations: created (a second one of the same context replaces it, or appends to it),
/// listed, deleted; the fake shows what the code under test posted.
#[tokio::test]
async fn buildkite_annotations_replace_append_and_delete() -> kitelab::Result<()> {
    let fake = FakeBuildkite::start().await;
    let build = fake
        .client()
        .pipeline(fake.org(), fake.pipeline())
        .build(27);
    build.annotate("First try").context("bot").send().await?;
    build
        .annotate("retried")
        .context("bot")
        .append(true)
        .send()
        .await?;
    let other = build
        .annotate("Coverage 81%")
        .context("coverage")
        .send()
        .await?;
    let listed: Vec<_> = build.annotations().stream().try_collect().await?;
    assert_eq!(listed.len(), 2);
    let bot = &fake.annotations(27)[1];
    assert_eq!(bot["body_html"], "<p>First try</p>\n<p>retried</p>\n");
    build.delete_annotation(&other.id).await?;
    assert_eq!(fake.annotations(27).len(), 1);
    let empty = build.annotate(" ").send().await;
    assert!(
        empty.is_err(),
        "kitelab refuses an empty body before sending"
    );
    Ok(())
}

/// A build's jobs are cursor-paginated (`after`), filtered by state; builds are found by their
/// meta-data.
#[tokio::test]
async fn buildkite_jobs_by_cursor_and_builds_by_meta_data() -> kitelab::Result<()> {
    let fake = FakeBuildkite::start().await;
    let bk = fake.builder().per_page(1).build()?;
    let pipeline = bk.pipeline(fake.org(), fake.pipeline());
    let jobs: Vec<_> = pipeline.build(27).jobs().stream().try_collect().await?;
    assert_eq!(jobs.len(), 3);
    let cursors = fake
        .requests()
        .iter()
        .filter(|r| r.query("after").is_some())
        .count();
    assert_eq!(cursors, 2, "pages 2 and 3 follow the `after` cursor");
    let failed: Vec<_> = pipeline
        .build(27)
        .jobs()
        .state([kitelab::buildkite::JobState::Failed])
        .stream()
        .try_collect()
        .await?;
    assert_eq!(failed.len(), 1);

    let tagged = pipeline
        .create_build("HEAD", "main")
        .meta_data("release", "1.2")
        .send()
        .await?;
    let found: Vec<_> = pipeline
        .builds()
        .meta_data("release", "1.2")
        .stream()
        .try_collect()
        .await?;
    assert_eq!(
        found.iter().map(|b| b.number).collect::<Vec<_>>(),
        [tagged.number]
    );
    Ok(())
}

/// A read-only token reads, and gets each service's 403 when it writes.
#[tokio::test]
async fn read_only_tokens_get_each_services_403() {
    let bk = FakeBuildkite::start().await;
    let pipeline = bk.read_only_client().pipeline(bk.org(), bk.pipeline());
    assert!(pipeline.build(30).get().await.is_ok());
    let refused = pipeline
        .create_build("HEAD", "main")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(403));
    assert!(refused.to_string().contains("Forbidden"), "{refused}");

    let gl = FakeGitLab::start().await;
    let project = gl.read_api_client().project(gl.project());
    assert!(project.pipeline(48).get().await.is_ok());
    let refused = project.create_pipeline("main").send().await.unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(403));
    assert!(
        refused.to_string().contains("insufficient_scope"),
        "{refused}"
    );
}

/// A created pipeline has jobs that move with it; the `build` job's report artifact is there
/// once it succeeds. Bridges are listed too.
#[tokio::test]
async fn gitlab_created_pipelines_have_jobs_artifacts_and_bridges() -> kitelab::Result<()> {
    let fake = FakeGitLab::start().await;
    let project = fake.client().project(fake.project());
    let created = project.create_pipeline("main").send().await?;
    let done = project
        .pipeline(created.id)
        .wait()
        .poll_every(Duration::from_millis(5))
        .await?;
    assert_eq!(done.status, PipelineStatus::Success);
    let jobs: Vec<_> = project
        .pipeline(created.id)
        .jobs()
        .stream()
        .try_collect()
        .await?;
    let names: Vec<&str> = jobs.iter().map(|j| j.name.as_str()).collect();
    assert_eq!(names, ["build", "rspec"]);
    let build = jobs.iter().find(|j| j.name == "build").unwrap();
    let report = project
        .job(build.id)
        .download_artifact(kitelab_testkit::gitlab::ARTIFACT_PATH)
        .await?
        .text()
        .await?;
    assert!(report.starts_with("Build report"), "{report}");

    let failing = project.create_pipeline("main").send().await?;
    fake.finish_pipeline(failing.id, "failed");
    let failed: Vec<_> = project
        .pipeline(failing.id)
        .jobs()
        .status([kitelab::gitlab::types::JobStatus::Failed])
        .stream()
        .try_collect()
        .await?;
    assert_eq!(
        failed.iter().map(|j| j.name.as_str()).collect::<Vec<_>>(),
        ["rspec"]
    );

    let bridges: Vec<_> = project
        .pipeline(created.id)
        .bridges()
        .stream()
        .try_collect()
        .await?;
    assert!(!bridges.is_empty());
    Ok(())
}

/// A body that stalls longer than the client's read timeout fails the download; a short stall
/// only slows it.
#[tokio::test]
async fn a_stalled_body_trips_the_read_timeout() {
    let fake = FakeBuildkite::start().await;
    let bk = fake
        .builder()
        .read_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let job = bk
        .pipeline(fake.org(), fake.pipeline())
        .build(30)
        .job("b63254c0-3271-4a98-8270-7cfbd6c2f14e");
    fake.inject(
        Fault::stall_body(Duration::from_millis(20))
            .on("*/log.txt")
            .times(1),
    );
    let whole = job.download_log().await.unwrap().text().await.unwrap();
    assert!(whole.contains("Running agent hooks"));
    fake.inject(Fault::stall_body(Duration::from_secs(5)).on("*/log.txt"));
    let started = std::time::Instant::now();
    let stalled = job.download_log().await.unwrap().text().await;
    assert!(
        stalled.is_err(),
        "a stalled body must not end as a short text"
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the read timeout ended it"
    );
}
