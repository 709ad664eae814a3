//! Decoding alone: one page of the benchmark's builds and one of its jobs, each decoded many
//! times through the generated clients' decoder (`kitelab_api::decode::json`, typed items)
//! and into `Vec<serde_json::Value>` as the bare client does. For profiling:
//! `ONLY_TYPED=1 valgrind --tool=callgrind target/release/examples/decode`.
//!
//! `N=200 cargo run --release -p kitelab-bench --example decode`
use std::time::Instant;

use kitelab::api::ResponseValue;

#[path = "../src/server.rs"]
#[allow(dead_code)]
mod server;

/// Milliseconds per call of `f`, after a warm-up.
fn per_call(n: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..3 {
        f();
    }
    let started = Instant::now();
    for _ in 0..n {
        f();
    }
    started.elapsed().as_secs_f64() * 1e3 / n as f64
}

fn response(body: &bytes::Bytes) -> reqwest::Response {
    reqwest::Response::from(http::Response::new(body.clone()))
}

fn typed<T: serde::de::DeserializeOwned>(runtime: &tokio::runtime::Runtime, page: &bytes::Bytes) {
    let decoded: ResponseValue<Vec<T>> = runtime
        .block_on(kitelab::api::decode::json::<_, ()>(response(page)))
        .expect("the page decodes");
    std::hint::black_box(decoded);
}

/// Decodes one page into typed items.
type Decoder = fn(&tokio::runtime::Runtime, &bytes::Bytes);

fn main() {
    let n: usize = std::env::var("N")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let only_typed = std::env::var_os("ONLY_TYPED").is_some();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let (builds, jobs) = server::Data::new().first_pages();
    let pages: [(&str, &bytes::Bytes, Decoder); 2] = [
        ("builds", &builds, typed::<kitelab::buildkite::types::Build>),
        ("jobs", &jobs, typed::<kitelab::gitlab::types::Job>),
    ];
    for (name, page, decode) in pages {
        let typed = per_call(n, || decode(&runtime, page));
        if only_typed {
            println!("{name}: typed {typed:.3} ms");
            continue;
        }
        let value = per_call(n, || {
            let items: Vec<serde_json::Value> = serde_json::from_slice(page).expect("JSON");
            std::hint::black_box(items);
        });
        println!(
            "page of {name}, {} KB: typed {typed:.3} ms, Value {value:.3} ms, Value/typed {:.2}",
            page.len() / 1024,
            value / typed
        );
    }
}
