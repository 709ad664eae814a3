//! The bot's workflows, end to end against the testkit's fake services: each test starts a
//! fake, drives it the way the service would behave, runs the bot, and checks what it did.

use std::time::Duration;

use ci_bot::{pipeline_report, retry_last_failed_build, Report};
use kitelab::gitlab::PipelineStatus;
use kitelab_testkit::{gitlab::ARTIFACT_PATH, FakeBuildkite, FakeGitLab};

const POLL: Duration = Duration::from_millis(5);

#[tokio::test]
async fn retries_the_newest_failed_build_of_main_and_says_so() -> kitelab::Result<()> {
    let fake = FakeBuildkite::start().await;
    let number = fake.add_build("main", "failed");
    let bk = fake.client();
    let retried = retry_last_failed_build(&bk, fake.org(), fake.pipeline(), "main").await?;
    assert_eq!(retried.map(|r| (r.build, r.jobs)), Some((number, 1)));
    let note = &fake.annotations(number)[0];
    assert_eq!(
        (&note["context"], &note["style"]),
        (&"ci-bot".into(), &"info".into())
    );
    assert!(note["body_html"]
        .to_string()
        .contains("Retried 1 failed job(s)"));
    Ok(())
}

#[tokio::test]
async fn a_branch_without_failures_is_left_alone() -> kitelab::Result<()> {
    let fake = FakeBuildkite::start().await;
    let bk = fake.client();
    let retried =
        retry_last_failed_build(&bk, fake.org(), fake.pipeline(), "feature/login").await?;
    assert_eq!(retried, None);
    assert!(
        fake.requests().iter().all(|r| r.method == "GET"),
        "nothing was written"
    );
    Ok(())
}

#[tokio::test]
async fn a_token_that_cannot_write_surfaces_buildkites_403() {
    let fake = FakeBuildkite::start().await;
    let bk = fake.read_only_client();
    let err = retry_last_failed_build(&bk, fake.org(), fake.pipeline(), "main")
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
}

#[tokio::test]
async fn runs_a_pipeline_and_reads_its_report() -> kitelab::Result<()> {
    let fake = FakeGitLab::start().await;
    let gl = fake.client();
    let report = pipeline_report(&gl, fake.project(), "main", "build", ARTIFACT_PATH, POLL);
    let Report::Ready { text, .. } = report.await? else {
        panic!("no report")
    };
    assert!(text.starts_with("Build report"), "{text}");
    Ok(())
}

#[tokio::test]
async fn a_failed_pipeline_has_no_report() -> kitelab::Result<()> {
    let fake = FakeGitLab::start().await;
    fake.next_pipeline_ends("failed");
    let gl = fake.client();
    let report = pipeline_report(&gl, fake.project(), "main", "build", ARTIFACT_PATH, POLL);
    let Report::NotReady { status, .. } = report.await? else {
        panic!("a report")
    };
    assert_eq!(status, PipelineStatus::Failed);
    let reads = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/artifacts"));
    assert_eq!(reads.count(), 0, "no report was read");
    Ok(())
}
