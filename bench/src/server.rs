//! The benchmark's server: a minimal HTTP/1.1 server on loopback with keep-alive, serving
//! Buildkite-shaped builds and GitLab-shaped jobs (pre-rendered pages with `Link` and
//! `X-Next-Page`), an artifact behind a 302, and a trace; with an optional latency per response.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const ITEMS: usize = 10_000;
pub const PER_PAGE: usize = 100;
pub const ARTIFACT_BYTES: u64 = 512 * 1024 * 1024;
pub const ORG: &str = "acme";
pub const PIPELINE: &str = "web";
pub const PROJECT: &str = "group%2Fproject";

pub struct Data {
    builds: Vec<bytes::Bytes>,
    jobs: Vec<bytes::Bytes>,
    trace: bytes::Bytes,
    /// Average item sizes, for the report.
    pub build_bytes: usize,
    pub job_bytes: usize,
}

fn fixture(service: &str, name: &str) -> Value {
    let path = format!(
        "{}/../tests/fixtures/{service}/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str::<Value>(&text).expect("fixture")["body"].clone()
}

impl Data {
    /// Pages of realistic items: a docs example, varied per item, padded to the target size.
    pub fn new() -> Self {
        let build = fixture("buildkite", "getBuild");
        let job = fixture("gitlab", "getJob");
        let mut builds = Vec::new();
        let mut build_total = 0;
        for page in 0..ITEMS / PER_PAGE {
            let items: Vec<Value> = (0..PER_PAGE)
                .map(|i| {
                    let n = ITEMS - page * PER_PAGE - i;
                    let mut b = build.clone();
                    b["number"] = json!(n);
                    b["id"] = json!(format!("0190c0de-0000-4000-8000-{n:012}"));
                    b["message"] = json!(format!(
                        "Merge pull request #{n} from acme/feature-{n}: {}",
                        "refactor the build graph; ".repeat(14)
                    ));
                    b
                })
                .collect();
            let body = serde_json::to_vec(&items).expect("json");
            build_total += body.len();
            builds.push(body.into());
        }
        let mut jobs = Vec::new();
        let mut job_total = 0;
        for page in 0..ITEMS / PER_PAGE {
            let items: Vec<Value> = (0..PER_PAGE)
                .map(|i| {
                    let n = ITEMS - page * PER_PAGE - i;
                    let mut j = job.clone();
                    j["id"] = json!(n);
                    j["name"] = json!(format!("rspec {n}/{ITEMS}"));
                    j["commit"]["message"] = json!(format!(
                        "Fix flaky spec {n}\n\n{}",
                        "Retry the request when the runner drops it. ".repeat(12)
                    ));
                    j
                })
                .collect();
            let body = serde_json::to_vec(&items).expect("json");
            job_total += body.len();
            jobs.push(body.into());
        }
        let trace: String = (0..20_000)
            .map(|i| format!("\u{1b}[0;32m$ step {i}\u{1b}[0m running tests...\n"))
            .collect();
        Self {
            builds,
            jobs,
            trace: trace.into(),
            build_bytes: build_total / ITEMS,
            job_bytes: job_total / ITEMS,
        }
    }
}

impl Data {
    /// The first page of builds and of jobs, for profiling decoding alone
    /// (`examples/decode.rs`).
    #[allow(dead_code)]
    pub fn first_pages(&self) -> (bytes::Bytes, bytes::Bytes) {
        (self.builds[0].clone(), self.jobs[0].clone())
    }
}

/// Serves `data` on a loopback port until the process ends; returns the base URL.
pub async fn start(data: Arc<Data>, latency: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            socket.set_nodelay(true).ok();
            tokio::spawn(serve(socket, data.clone(), latency));
        }
    });
    url
}

async fn serve(mut socket: TcpStream, data: Arc<Data>, latency: Duration) {
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    loop {
        // Read one request head (GET only: no bodies).
        let end = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        buf.drain(..end);
        let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let host = head
            .lines()
            .find_map(|l| {
                l.strip_prefix("host: ")
                    .or_else(|| l.strip_prefix("Host: "))
            })
            .unwrap_or("127.0.0.1")
            .trim()
            .to_owned();
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let ok = respond(&mut socket, &target, &host, &data).await;
        if !ok {
            return;
        }
    }
}

fn query(target: &str, key: &str) -> Option<usize> {
    let q = target.split_once('?')?.1;
    q.split('&')
        .find_map(|p| p.strip_prefix(&format!("{key}="))?.parse().ok())
}

async fn respond(socket: &mut TcpStream, target: &str, host: &str, data: &Data) -> bool {
    let path = target.split('?').next().unwrap_or("");
    let page = query(target, "page").unwrap_or(1).max(1);
    let pages = ITEMS / PER_PAGE;
    let builds_path = format!("/organizations/{ORG}/pipelines/{PIPELINE}/builds");
    let jobs_path = format!("/api/v4/projects/{PROJECT}/jobs");
    let mut headers = String::new();
    let body: Body = if path == builds_path {
        if page > pages {
            Body::Bytes(b"[]".as_slice().into())
        } else {
            let mut links = Vec::new();
            if page < pages {
                links.push(format!(
                    "<http://{host}{builds_path}?page={}&per_page={PER_PAGE}>; rel=\"next\"",
                    page + 1
                ));
            }
            links.push(format!(
                "<http://{host}{builds_path}?page={pages}&per_page={PER_PAGE}>; rel=\"last\""
            ));
            headers.push_str(&format!("link: {}\r\n", links.join(", ")));
            Body::Bytes(data.builds[page - 1].clone())
        }
    } else if path == jobs_path {
        if page > pages {
            Body::Bytes(b"[]".as_slice().into())
        } else {
            let next = if page < pages {
                (page + 1).to_string()
            } else {
                String::new()
            };
            headers.push_str(&format!(
                "x-next-page: {next}\r\nx-page: {page}\r\nx-per-page: {PER_PAGE}\r\n"
            ));
            if page < pages {
                headers.push_str(&format!("link: <http://{host}{jobs_path}?page={}&per_page={PER_PAGE}>; rel=\"next\"\r\n", page + 1));
            }
            Body::Bytes(data.jobs[page - 1].clone())
        }
    } else if path.ends_with("/artifacts/a1/download") {
        let location = format!("http://{host}/storage/artifact.bin");
        let head = format!("HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n", location.len() + 10);
        let body = format!("{{\"url\":\"{location}\"}}");
        return socket.write_all(head.as_bytes()).await.is_ok()
            && socket.write_all(body.as_bytes()).await.is_ok();
    } else if path == "/storage/artifact.bin" {
        headers.push_str("content-type: application/octet-stream\r\n");
        Body::Artifact
    } else if path.ends_with("/trace") {
        headers.push_str("content-type: text/plain\r\n");
        Body::Bytes(data.trace.clone())
    } else {
        Body::Bytes(b"{\"message\":\"404 Not found\"}".as_slice().into())
    };
    let (status, length) = match &body {
        Body::Bytes(b) if b.starts_with(b"{\"message\":\"404") => ("404 Not Found", b.len() as u64),
        Body::Bytes(b) => ("200 OK", b.len() as u64),
        Body::Artifact => ("200 OK", ARTIFACT_BYTES),
    };
    if !headers.contains("content-type") {
        headers.push_str("content-type: application/json\r\n");
    }
    let head = format!("HTTP/1.1 {status}\r\n{headers}content-length: {length}\r\n\r\n");
    if socket.write_all(head.as_bytes()).await.is_err() {
        return false;
    }
    match body {
        Body::Bytes(b) => socket.write_all(&b).await.is_ok(),
        Body::Artifact => {
            let block = vec![0xA5u8; 1 << 20];
            let mut left = ARTIFACT_BYTES;
            while left > 0 {
                let n = left.min(block.len() as u64) as usize;
                if socket.write_all(&block[..n]).await.is_err() {
                    return false;
                }
                left -= n as u64;
            }
            true
        }
    }
}

enum Body {
    Bytes(bytes::Bytes),
    Artifact,
}
