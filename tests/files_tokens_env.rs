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
    assert_eq!(
        any.calls_async().await,
        0,
        "a refused token reached the wire"
    );
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
        let bk = bk
            .expect_err("Buildkite::from_env without a token")
            .to_string();
        assert!(
            bk.contains("BUILDKITE_API_TOKEN is not set") && bk.contains("anonymous()"),
            "{bk}"
        );
        let gl = gl
            .expect_err("GitLab::from_env without a token")
            .to_string();
        assert!(
            gl.contains("neither GITLAB_TOKEN nor CI_JOB_TOKEN is set")
                && gl.contains("anonymous()"),
            "{gl}"
        );
    }
    // A builder without a token, too, unless anonymous is asked for.
    let bk = Buildkite::builder().build().unwrap_err().to_string();
    assert!(
        bk.contains("no Buildkite token") && bk.contains(".anonymous()"),
        "{bk}"
    );
    let gl = GitLab::builder().build().unwrap_err().to_string();
    assert!(
        gl.contains("no GitLab token") && gl.contains(".anonymous()"),
        "{gl}"
    );
    Buildkite::builder()
        .anonymous()
        .build()
        .expect("anonymous Buildkite");
    GitLab::builder()
        .anonymous()
        .build()
        .expect("anonymous GitLab");
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
            when.method(GET).path("/v2/organizations/acme").header(
                "authorization",
                format!("Bearer {}", kitelab_tests::BK_TOKEN),
            );
            then.status(200)
                .header("content-type", "application/json")
                .json_body(kitelab_tests::fixture_body("buildkite", "getOrganization"));
        })
        .await;
    let gl_call = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v4/projects/7/jobs/1").header(
                "authorization",
                format!("Bearer {}", kitelab_tests::GL_TOKEN),
            );
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

const PIPELINE: &str = "/organizations/acme/pipelines/web";

/// A fresh directory under the system's temporary one, removed on drop.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir =
            std::env::temp_dir().join(format!("kitelab-e2e-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    /// Every file below the directory, as relative paths with `/`, sorted.
    fn files(&self) -> Vec<String> {
        fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(root, &path, out);
                } else {
                    let relative = path.strip_prefix(root).unwrap();
                    out.push(relative.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.0, &self.0, &mut out);
        out.sort();
        out
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn artifact_json(id: &str, job: &str, path: &str, state: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "job_id": job,
        "url": format!("https://api.buildkite.com/v2{PIPELINE}/builds/42/jobs/{job}/artifacts/{id}"),
        "path": path,
        "state": state,
    })
}

/// Serves `pages` of the build's artifact list (by `page`, linked by `rel="next"`) and each
/// artifact's bytes (its id repeated) after `delay`; returns the download mocks.
async fn serve_artifacts<'a>(
    server: &'a MockServer,
    pages: &[Vec<serde_json::Value>],
    delay: std::time::Duration,
) -> Vec<httpmock::Mock<'a>> {
    serve_listing(server, pages).await;
    let mut downloads = Vec::new();
    for artifact in pages.iter().flatten() {
        let (id, job) = (
            artifact["id"].as_str().unwrap(),
            artifact["job_id"].as_str().unwrap(),
        );
        downloads.push(
            server
                .mock_async(|when, then| {
                    when.method(GET).path(format!(
                        "{PIPELINE}/builds/42/jobs/{job}/artifacts/{id}/download"
                    ));
                    then.status(200)
                        .header("content-type", "application/octet-stream")
                        .delay(delay)
                        .body(id.repeat(3));
                })
                .await,
        );
    }
    downloads
}

/// The build's artifact list, page by page, linked by `rel="next"`.
async fn serve_listing(server: &MockServer, pages: &[Vec<serde_json::Value>]) {
    for (i, page) in pages.iter().enumerate() {
        let number = (i + 1).to_string();
        let next = format!(
            "<{}{PIPELINE}/builds/42/artifacts?page={}&per_page=2>; rel=\"next\"",
            server.base_url(),
            i + 2
        );
        let last = i + 1 == pages.len();
        server
            .mock_async(|when, then| {
                when.method(GET)
                    .path(format!("{PIPELINE}/builds/42/artifacts"))
                    .query_param("page", number.as_str());
                let then = then.status(200).header("content-type", "application/json");
                let then = if last {
                    then
                } else {
                    then.header("link", next.as_str())
                };
                then.json_body(serde_json::Value::Array(page.clone()));
            })
            .await;
    }
}

#[tokio::test]
async fn download_every_artifact_of_a_build_into_a_directory_keeping_their_paths() {
    let server = MockServer::start_async().await;
    let pages = [
        vec![
            artifact_json("a1", "j1", "dist/app.bin", "finished"),
            artifact_json("a2", "j2", "logs/deep/er/x.log", "finished"),
        ],
        vec![
            artifact_json("a3", "j1", "top.txt", "finished"),
            artifact_json("a4", "j1", "pending.bin", "new"),
        ],
        vec![artifact_json("a5", "j2", "./dist//lib.so", "finished")],
    ];
    let downloads = serve_artifacts(&server, &pages, std::time::Duration::ZERO).await;
    let scratch = Scratch::new("all-artifacts");
    // The directory itself is created too.
    let dir = scratch.0.join("out");
    let done = kitelab_tests::buildkite(&server)
        .pipeline("acme", "web")
        .build(42)
        .artifacts()
        .per_page(2)
        .save_all(&dir)
        .concurrency(3)
        .send()
        .await
        .expect("downloaded");
    assert_eq!(
        scratch.files(),
        [
            "out/dist/app.bin",
            "out/dist/lib.so",
            "out/logs/deep/er/x.log",
            "out/top.txt"
        ]
    );
    for (path, id) in [
        ("dist/app.bin", "a1"),
        ("logs/deep/er/x.log", "a2"),
        ("top.txt", "a3"),
        ("dist/lib.so", "a5"),
    ] {
        assert_eq!(
            std::fs::read_to_string(dir.join(path)).unwrap(),
            id.repeat(3)
        );
    }
    let saved: Vec<_> = done.saved.iter().map(|s| s.artifact.id.as_str()).collect();
    assert_eq!(saved, ["a1", "a2", "a3", "a5"], "in list order");
    assert!(done
        .saved
        .iter()
        .all(|s| s.bytes == 6 && s.path.starts_with(&dir)));
    let skipped: Vec<_> = done.skipped.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(skipped, ["a4"], "an unfinished artifact has no bytes yet");
    for (i, download) in downloads.iter().enumerate() {
        let expected = if i == 3 { 0 } else { 1 };
        assert_eq!(download.calls_async().await, expected, "artifact {i}");
    }
}

#[tokio::test]
async fn artifact_downloads_run_concurrently_but_never_beyond_the_bound() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    // The storage the downloads redirect to counts the requests it holds at once (each held
    // long enough for the others to arrive): the figure is counted, not timed.
    let storage = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let storage_url = format!("http://{}", storage.local_addr().expect("addr"));
    let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (n, m) = (now.clone(), most.clone());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = storage.accept().await {
            let (n, m) = (n.clone(), m.clone());
            tokio::spawn(async move {
                let mut head = vec![0u8; 4096];
                let _ = socket.read(&mut head).await;
                let held = n.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(held, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(150)).await;
                n.fetch_sub(1, Ordering::SeqCst);
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: close\r\n\r\nabc",
                    )
                    .await;
            });
        }
    });
    let server = MockServer::start_async().await;
    let artifacts: Vec<_> = (1..=6)
        .map(|i| artifact_json(&format!("a{i}"), "j1", &format!("f{i}"), "finished"))
        .collect();
    serve_listing(&server, std::slice::from_ref(&artifacts)).await;
    for artifact in &artifacts {
        let id = artifact["id"].as_str().unwrap().to_owned();
        let location = format!("{storage_url}/{id}");
        server
            .mock_async(|when, then| {
                when.method(GET).path(format!(
                    "{PIPELINE}/builds/42/jobs/j1/artifacts/{id}/download"
                ));
                then.status(302).header("location", location.as_str());
            })
            .await;
    }
    let build = kitelab_tests::buildkite(&server)
        .pipeline("acme", "web")
        .build(42);
    let scratch = Scratch::new("bounded");
    for bound in [1, 2, 6] {
        most.store(0, Ordering::SeqCst);
        let done = build
            .save_artifacts(scratch.0.join(bound.to_string()))
            .concurrency(bound)
            .send()
            .await
            .expect("saved");
        assert_eq!(done.saved.len(), 6);
        let seen = most.load(Ordering::SeqCst);
        assert!(seen <= bound, "{seen} at once with a bound of {bound}");
        if bound > 1 {
            assert!(seen > 1, "one at a time with a bound of {bound}");
        }
    }
}

#[tokio::test]
async fn unsafe_or_clashing_artifact_paths_are_refused_before_anything_is_written() {
    for (bad, why) in [
        ("../../outside.txt", "`..`"),
        ("/tmp/kitelab-absolute.txt", "absolute"),
        ("..\\outside.txt", "backslash"),
        ("", "empty"),
        ("dist/app.bin", "both have the path"),
    ] {
        let server = MockServer::start_async().await;
        let pages = [vec![
            artifact_json("a1", "j1", "dist/app.bin", "finished"),
            artifact_json("a2", "j2", bad, "finished"),
        ]];
        let downloads = serve_artifacts(&server, &pages, std::time::Duration::ZERO).await;
        let scratch = Scratch::new("unsafe");
        let dir = scratch.0.join("out");
        let err = kitelab_tests::buildkite(&server)
            .pipeline("acme", "web")
            .build(42)
            .save_artifacts(&dir)
            .send()
            .await
            .expect_err("refused");
        assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("a2") && text.contains(why), "{bad:?}: {text}");
        for download in &downloads {
            assert_eq!(download.calls_async().await, 0, "{bad:?}: downloaded");
        }
        assert!(scratch.files().is_empty(), "{bad:?}: {:?}", scratch.files());
        assert!(!scratch.0.join("outside.txt").exists());
        assert!(!std::path::Path::new("/tmp/kitelab-absolute.txt").exists());
    }
}

#[cfg(unix)]
#[tokio::test]
async fn a_secure_file_downloaded_to_a_new_path_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v4/projects/7/secure_files/3/download");
            then.status(200)
                .header("content-type", "application/octet-stream")
                .body("keystore bytes");
        })
        .await;
    let scratch = Scratch::new("secure-file");
    let path = scratch.0.join("release.keystore");
    let file = gitlab(&server).project(7).secure_file(3);
    let download = file.download().await.expect("download");
    assert!(download.is_sensitive());
    download.write_to(&path).await.expect("written");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    // Replacing a file the user opened up keeps its mode.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    file.download()
        .await
        .expect("download")
        .write_to(&path)
        .await
        .expect("replaced");
    assert_eq!(mode(&path), 0o640);
    assert_eq!(std::fs::read(&path).unwrap(), b"keystore bytes");
}

#[tokio::test]
async fn write_to_a_missing_directory_names_it() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v4/projects/7/secure_files/3/download");
            then.status(200).body("bytes");
        })
        .await;
    let scratch = Scratch::new("missing");
    let missing = scratch.0.join("not-yet");
    let err = gitlab(&server)
        .project(7)
        .secure_file(3)
        .download()
        .await
        .expect("download")
        .write_to(missing.join("file"))
        .await
        .expect_err("no directory");
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&format!(
            "its directory {} does not exist",
            missing.display()
        )),
        "{err}"
    );
    assert!(scratch.files().is_empty());
}
