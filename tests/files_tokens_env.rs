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
