//! `cargo xtask bench`: kitelab against a bare `reqwest` + `serde_json::Value` client doing the
//! same work, on a local server this program starts and stops. Each run of a workload is a child
//! process of its own (so its peak memory is its own); the two clients alternate; the table shows
//! medians and ratios.
//!
//! `kitelab-bench [--runs N]` (9 runs per client by default: the host is shared and noisy).
//! For profiling one workload: `kitelab-bench serve [LATENCY_MS]` prints a server's URL, then
//! `kitelab-bench child WORKLOAD kitelab|bare URL` runs one client once.

mod server;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use server::{ARTIFACT_BYTES, ITEMS, ORG, PER_PAGE, PIPELINE};

const TOKEN: &str = "bench-token";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Workload {
    BuildkiteList,
    GitLabJobs,
    BuildkiteListLatency,
    DownloadSink,
    DownloadFile,
}

impl Workload {
    const ALL: [Workload; 5] = [
        Workload::BuildkiteList,
        Workload::GitLabJobs,
        Workload::BuildkiteListLatency,
        Workload::DownloadSink,
        Workload::DownloadFile,
    ];
    fn name(self) -> &'static str {
        match self {
            Workload::BuildkiteList => "bk-list",
            Workload::GitLabJobs => "gl-jobs",
            Workload::BuildkiteListLatency => "bk-list-20ms",
            Workload::DownloadSink => "download-sink",
            Workload::DownloadFile => "download-file",
        }
    }
    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.name() == name)
    }
    fn describe(self) -> &'static str {
        match self {
            Workload::BuildkiteList => {
                "list 10,000 Buildkite builds, 100 per page (typed vs Value)"
            }
            Workload::GitLabJobs => {
                "list 10,000 GitLab project jobs, 100 per page (typed vs Value)"
            }
            Workload::BuildkiteListLatency => {
                "the Buildkite listing, 20 ms per response: concurrency(8) vs sequential bare"
            }
            Workload::DownloadSink => "download a 512 MiB artifact through a 302, to a sink",
            Workload::DownloadFile => {
                "download a 512 MiB artifact through a 302, to a file (write_to)"
            }
        }
    }
    fn target(self) -> f64 {
        match self {
            Workload::BuildkiteList => 2.0,
            Workload::GitLabJobs => 1.5,
            Workload::BuildkiteListLatency => 5.0,
            Workload::DownloadSink | Workload::DownloadFile => 0.9,
        }
    }
}

/// One child's result.
#[derive(Debug, Clone, Copy)]
struct Sample {
    seconds: f64,
    units: u64,
    peak_rss_kib: u64,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("child") => child(&args[1..]),
        Some("serve") => {
            // A server alone, for profiling one workload; it stops after an hour.
            let latency =
                Duration::from_millis(args.get(1).and_then(|ms| ms.parse().ok()).unwrap_or(0));
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .expect("runtime");
            let data = Arc::new(server::Data::new());
            let url = runtime.block_on(server::start(data, latency));
            println!("{url}");
            runtime.block_on(async { tokio::time::sleep(Duration::from_secs(3600)).await });
        }
        _ => {
            let runs = args
                .iter()
                .position(|a| a == "--runs")
                .and_then(|i| args.get(i + 1))
                .and_then(|n| n.parse().ok())
                .unwrap_or(9usize);
            orchestrate(runs.max(1));
        }
    }
}

fn orchestrate(runs: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let data = Arc::new(server::Data::new());
    let (fast, slow) = runtime.block_on(async {
        (
            server::start(data.clone(), Duration::ZERO).await,
            server::start(data.clone(), Duration::from_millis(20)).await,
        )
    });
    println!("kitelab bench: {runs} runs per client per workload, alternating; medians.");
    println!(
        "server: loopback; builds {} B each, jobs {} B each, {} per page; artifact {} MiB.\n",
        data.build_bytes,
        data.job_bytes,
        PER_PAGE,
        ARTIFACT_BYTES >> 20
    );
    println!(
        "| workload | kitelab | bare reqwest | kitelab/bare | target | peak RSS kitelab | peak RSS bare | Δ RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let exe = std::env::current_exe().expect("own path");
    let mut missed = Vec::new();
    for workload in Workload::ALL {
        let url = if workload == Workload::BuildkiteListLatency {
            &slow
        } else {
            &fast
        };
        let mut kitelab = Vec::new();
        let mut bare = Vec::new();
        for run in 0..runs {
            // Alternate which client goes first.
            let order = if run % 2 == 0 {
                ["kitelab", "bare"]
            } else {
                ["bare", "kitelab"]
            };
            for client in order {
                let sample = spawn(&exe, workload, client, url);
                if client == "kitelab" {
                    kitelab.push(sample)
                } else {
                    bare.push(sample)
                }
            }
        }
        let k = median(&kitelab);
        let b = median(&bare);
        let (k_rate, b_rate, unit) = match workload {
            Workload::DownloadSink | Workload::DownloadFile => (
                k.units as f64 / k.seconds / 1048576.0,
                b.units as f64 / b.seconds / 1048576.0,
                "MiB/s",
            ),
            _ => (
                k.units as f64 / k.seconds,
                b.units as f64 / b.seconds,
                "items/s",
            ),
        };
        let ratio = k_rate / b_rate;
        let rss_delta = k.peak_rss_kib as i64 - b.peak_rss_kib as i64;
        println!(
            "| {} | {:.0} {unit} ({:.3} s) | {:.0} {unit} ({:.3} s) | **{:.2}×** | ≥ {:.1}× | {:.1} MiB | {:.1} MiB | {:+.1} MiB |",
            workload.describe(),
            k_rate,
            k.seconds,
            b_rate,
            b.seconds,
            ratio,
            workload.target(),
            k.peak_rss_kib as f64 / 1024.0,
            b.peak_rss_kib as f64 / 1024.0,
            rss_delta as f64 / 1024.0
        );
        if ratio < workload.target() {
            missed.push(format!(
                "{}: {ratio:.2}× < {:.1}×",
                workload.name(),
                workload.target()
            ));
        }
        if matches!(workload, Workload::DownloadSink | Workload::DownloadFile)
            && rss_delta > 16 * 1024
        {
            missed.push(format!(
                "{}: peak memory {:+.1} MiB over the bare client (target ≤ 16 MiB)",
                workload.name(),
                rss_delta as f64 / 1024.0
            ));
        }
    }
    if missed.is_empty() {
        println!("\nevery target met");
    } else {
        println!("\ntargets missed: {}", missed.join("; "));
    }
}

fn median(samples: &[Sample]) -> Sample {
    let mut sorted = samples.to_vec();
    sorted.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    let mut m = sorted[sorted.len() / 2];
    // Peak memory: the median too, taken on its own.
    let mut rss: Vec<u64> = samples.iter().map(|s| s.peak_rss_kib).collect();
    rss.sort();
    m.peak_rss_kib = rss[rss.len() / 2];
    m
}

fn spawn(exe: &std::path::Path, workload: Workload, client: &str, url: &str) -> Sample {
    let out = Command::new(exe)
        .args(["child", workload.name(), client, url])
        .output()
        .expect("child runs");
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        panic!(
            "{} with {client} failed: {}{}",
            workload.name(),
            text,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut fields = text
        .split_whitespace()
        .map(|f| f.parse::<f64>().expect("a number"));
    let (seconds, units, rss) = (
        fields.next().unwrap(),
        fields.next().unwrap(),
        fields.next().unwrap(),
    );
    Sample {
        seconds,
        units: units as u64,
        peak_rss_kib: rss as u64,
    }
}

/// Runs one workload with one client; prints `seconds units peak_rss_kib`.
fn child(args: &[String]) {
    let workload = Workload::from_name(&args[0]).expect("a workload");
    let client = args[1].as_str();
    let url = args[2].clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let started = Instant::now();
    let units = runtime.block_on(async {
        match (workload, client) {
            (Workload::BuildkiteList, "kitelab") => kitelab_builds(&url, 1).await,
            (Workload::BuildkiteListLatency, "kitelab") => kitelab_builds(&url, 8).await,
            (Workload::BuildkiteList | Workload::BuildkiteListLatency, _) => {
                bare_pages(&format!("{url}/organizations/{ORG}/pipelines/{PIPELINE}/builds?page=1&per_page={PER_PAGE}"), "Bearer").await
            }
            (Workload::GitLabJobs, "kitelab") => kitelab_jobs(&url).await,
            (Workload::GitLabJobs, _) => bare_pages(&format!("{url}/api/v4/projects/{}/jobs?page=1&per_page={PER_PAGE}", server::PROJECT), "Bearer").await,
            (Workload::DownloadSink | Workload::DownloadFile, "kitelab") => kitelab_download(&url, workload == Workload::DownloadFile).await,
            (Workload::DownloadSink | Workload::DownloadFile, _) => bare_download(&url, workload == Workload::DownloadFile).await,
        }
    });
    let seconds = started.elapsed().as_secs_f64();
    println!("{seconds} {units} {}", peak_rss_kib());
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn kitelab_builds(url: &str, concurrency: usize) -> u64 {
    let bk = kitelab::Buildkite::builder()
        .base_url(url)
        .token(TOKEN)
        .build()
        .expect("client");
    let mut stream = bk
        .pipeline(ORG, PIPELINE)
        .builds()
        .per_page(PER_PAGE as u32)
        .concurrency(concurrency)
        .stream();
    let mut n = 0u64;
    while let Some(build) = stream.next().await {
        let build = build.expect("build");
        // Touch the data, as a caller would.
        n += u64::from(build.number > 0);
    }
    assert_eq!(n, ITEMS as u64);
    n
}

async fn kitelab_jobs(url: &str) -> u64 {
    let gl = kitelab::GitLab::builder()
        .base_url(url)
        .token(kitelab::gitlab::Token::Personal(TOKEN.into()))
        .build()
        .expect("client");
    let mut stream = gl
        .project("group/project")
        .jobs()
        .per_page(PER_PAGE as u32)
        .stream();
    let mut n = 0u64;
    while let Some(job) = stream.next().await {
        let job = job.expect("job");
        n += u64::from(job.id > 0);
    }
    assert_eq!(n, ITEMS as u64);
    n
}

/// `reqwest::Client::new()`, once rustls has its cryptography provider: reqwest is built with
/// `rustls-no-provider` here, as kitelab's `rustls` feature asks (see `kitelab::api::reqwest_builder`).
fn bare_client() -> reqwest::Client {
    kitelab::api::reqwest_builder()
        .build()
        .expect("an HTTP client")
}

/// The bare client: follows `Link: rel="next"` (or GitLab's `X-Next-Page`), parses each page into
/// `Vec<serde_json::Value>` and touches each item.
async fn bare_pages(first: &str, auth: &str) -> u64 {
    let client = bare_client();
    let mut next = Some(first.to_owned());
    let mut n = 0u64;
    while let Some(url) = next.take() {
        let response = client
            .get(&url)
            .header("authorization", format!("{auth} {TOKEN}"))
            .send()
            .await
            .expect("page");
        let link = response
            .headers()
            .get("link")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.bytes().await.expect("body");
        let items: Vec<serde_json::Value> = serde_json::from_slice(&body).expect("json");
        for item in &items {
            n += u64::from(item.get("id").is_some());
        }
        next = link.and_then(|l| {
            l.split(',')
                .find(|part| part.contains("rel=\"next\""))
                .and_then(|part| {
                    let start = part.find('<')? + 1;
                    let end = part.find('>')?;
                    Some(part[start..end].to_owned())
                })
        });
    }
    assert_eq!(n, ITEMS as u64);
    n
}

async fn kitelab_download(url: &str, to_file: bool) -> u64 {
    let bk = kitelab::Buildkite::builder()
        .base_url(url)
        .token(TOKEN)
        .build()
        .expect("client");
    let artifact = bk.pipeline(ORG, PIPELINE).build(1).artifact("j1", "a1");
    let download = artifact.download().await.expect("download");
    if to_file {
        let path = std::env::temp_dir().join(format!("kitelab-bench-{}.bin", std::process::id()));
        let n = download.write_to(&path).await.expect("written");
        std::fs::remove_file(&path).ok();
        return n;
    }
    let mut stream = download.into_stream();
    let mut n = 0u64;
    while let Some(chunk) = stream.next().await {
        n += chunk.expect("chunk").len() as u64;
    }
    assert_eq!(n, ARTIFACT_BYTES);
    n
}

/// The bare client: reqwest follows the 302 itself; chunks go to a sink or a file.
async fn bare_download(url: &str, to_file: bool) -> u64 {
    use tokio::io::AsyncWriteExt;
    let client = bare_client();
    let mut response = client
        .get(format!(
            "{url}/organizations/{ORG}/pipelines/{PIPELINE}/builds/1/jobs/j1/artifacts/a1/download"
        ))
        .header("authorization", format!("Bearer {TOKEN}"))
        .send()
        .await
        .expect("download");
    let path = std::env::temp_dir().join(format!("kitelab-bench-bare-{}.bin", std::process::id()));
    let mut file = if to_file {
        Some(tokio::fs::File::create(&path).await.expect("file"))
    } else {
        None
    };
    let mut n = 0u64;
    while let Some(chunk) = response.chunk().await.expect("chunk") {
        n += chunk.len() as u64;
        if let Some(f) = file.as_mut() {
            f.write_all(&chunk).await.expect("write");
        }
    }
    if let Some(mut f) = file {
        f.flush().await.expect("flush");
        f.sync_all().await.expect("sync");
        std::fs::remove_file(&path).ok();
    }
    assert_eq!(n, ARTIFACT_BYTES);
    n
}
