//! Files, tokens and the environment: tokens are refused when a client is built unless they are
//! visible ASCII, every artifact of a build lands in one directory and nowhere else, and
//! `from_env` follows the same rules for both services.

use httpmock::prelude::*;
use kitelab::gitlab::Token;
use kitelab::{Buildkite, Error, GitLab};
use kitelab_tests::gitlab;

/// Tokens that must never reach the wire: beyond ASCII, with controls, spaces, or empty.
const BAD_TOKENS: [&str; 6] = [
    "tökén-über-☃",
    "bkua_\u{a0}nbsp",
    "glpat-x\r\nX-Injected: 1",
    "glpat x",
    "glpat-\u{7f}",
    "",
];

fn assert_refused(result: Result<impl std::fmt::Debug, Error>, token: &str) {
    let err = result.expect_err("refused");
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(
        token.is_empty() || !text.contains(token),
        "the token leaked: {text}"
    );
    if !token.is_empty() {
        assert!(text.contains("visible ASCII"), "{text}");
    }
}

#[tokio::test]
async fn tokens_outside_visible_ascii_are_refused_by_every_builder_and_the_trigger_call() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(201).json_body(serde_json::json!({}));
        })
        .await;
    for token in BAD_TOKENS {
        assert_refused(Buildkite::new(token), token);
        assert_refused(
            Buildkite::builder()
                .base_url(server.base_url())
                .token(token)
                .build(),
            token,
        );
        assert_refused(GitLab::new(token), token);
        for kind in [Token::Personal, Token::OAuth, Token::Job] {
            assert_refused(
                GitLab::builder()
                    .base_url(server.base_url())
                    .token(kind(token.into()))
                    .build(),
                token,
            );
        }
        assert_refused(
            gitlab(&server)
                .trigger_pipeline("group/project", "main", token)
                .send()
                .await,
            token,
        );
    }
    assert_eq!(any.calls_async().await, 0, "a refused token reached the wire");
}

/// Every variable `from_env` reads, so that each case starts from a clean environment.
const ENV_VARS: [&str; 6] = [
    "BUILDKITE_API_TOKEN",
    "BUILDKITE_REST_URL",
    "GITLAB_TOKEN",
    "CI_JOB_TOKEN",
    "CI_SERVER_URL",
    "GITLAB_URL",
];

/// Runs `f` with exactly `vars` set among [`ENV_VARS`], under the environment lock.
fn with_env<T>(vars: &[(&str, &str)], f: impl FnOnce() -> T) -> T {
    let _env = kitelab_tests::env_lock();
    // SAFETY of the test: the tests that touch the environment hold `env_lock`.
    unsafe {
        for name in ENV_VARS {
            std::env::remove_var(name);
        }
        for (name, value) in vars {
            std::env::set_var(name, value);
        }
    }
    let out = f();
    unsafe {
        for name in ENV_VARS {
            std::env::remove_var(name);
        }
    }
    out
}

#[test]
fn from_env_without_a_token_fails_for_both_services_and_anonymous_is_asked_for() {
    for vars in [
        &[][..],
        &[("BUILDKITE_API_TOKEN", "  "), ("GITLAB_TOKEN", "")][..],
        &[("CI_JOB_TOKEN", " "), ("GITLAB_URL", "https://gl.example")][..],
        &[("BUILDKITE_REST_URL", "http://127.0.0.1:9")][..],
    ] {
        let (bk, gl) = with_env(vars, || (Buildkite::from_env(), GitLab::from_env()));
        let bk = bk.expect_err("Buildkite::from_env without a token").to_string();
        assert!(
            bk.contains("BUILDKITE_API_TOKEN is not set") && bk.contains("anonymous()"),
            "{bk}"
        );
        let gl = gl.expect_err("GitLab::from_env without a token").to_string();
        assert!(
            gl.contains("neither GITLAB_TOKEN nor CI_JOB_TOKEN is set") && gl.contains("anonymous()"),
            "{gl}"
        );
    }
    // A builder without a token, too, unless anonymous is asked for.
    let bk = Buildkite::builder().build().unwrap_err().to_string();
    assert!(bk.contains("no Buildkite token") && bk.contains(".anonymous()"), "{bk}");
    let gl = GitLab::builder().build().unwrap_err().to_string();
    assert!(gl.contains("no GitLab token") && gl.contains(".anonymous()"), "{gl}");
    Buildkite::builder().anonymous().build().expect("anonymous Buildkite");
    GitLab::builder().anonymous().build().expect("anonymous GitLab");
    // `token` after `anonymous` wins, and the other way round.
    assert!(Buildkite::builder().anonymous().token("").build().is_err());
    assert!(GitLab::builder()
        .token(Token::Personal("".into()))
        .anonymous()
        .build()
        .is_ok());
}

#[tokio::test]
async fn from_env_reads_a_base_url_for_each_service() {
    let server = MockServer::start_async().await;
    let bk_call = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2/organizations/acme")
                .header("authorization", format!("Bearer {}", kitelab_tests::BK_TOKEN));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(kitelab_tests::fixture_body("buildkite", "getOrganization"));
        })
        .await;
    let gl_call = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v4/projects/7/jobs/1")
                .header("authorization", format!("Bearer {}", kitelab_tests::GL_TOKEN));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(kitelab_tests::fixture_body("gitlab", "getJob"));
        })
        .await;
    let base = server.base_url();
    for rest_url in [base.clone(), format!("{base}/"), format!("{base}/v2")] {
        let (bk, gl) = with_env(
            &[
                ("BUILDKITE_API_TOKEN", kitelab_tests::BK_TOKEN),
                ("BUILDKITE_REST_URL", &rest_url),
                ("GITLAB_TOKEN", kitelab_tests::GL_TOKEN),
                ("GITLAB_URL", &base),
            ],
            || {
                (
                    Buildkite::from_env().expect("Buildkite from env"),
                    GitLab::from_env().expect("GitLab from env"),
                )
            },
        );
        assert_eq!(bk.base_url().as_str(), format!("{base}/v2"), "{rest_url}");
        assert_eq!(gl.base_url().as_str(), format!("{base}/api/v4"));
        bk.organization("acme").get().await.expect("organization");
        gl.project(7).job(1).get().await.expect("job");
    }
    assert_eq!(bk_call.calls_async().await, 3);
    assert_eq!(gl_call.calls_async().await, 3);
    // Unset, the public services.
    let bk = with_env(&[("BUILDKITE_API_TOKEN", kitelab_tests::BK_TOKEN)], || {
        Buildkite::from_env().expect("from env")
    });
    assert_eq!(bk.base_url().as_str(), "https://api.buildkite.com/v2");
}
