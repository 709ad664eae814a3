//! Decode cost alone: one page of builds, typed vs Value, many times.
use std::time::Instant;
#[path = "../src/server.rs"]
#[allow(dead_code)]
mod server;
fn main() {
    // The page is cached in a file, so that a profile of this program is the decoding alone.
    let cache = std::env::temp_dir().join("kitelab-bench-page.json");
    let page: bytes::Bytes = match std::fs::read(&cache) {
        Ok(bytes) => bytes.into(),
        Err(_) => {
            let page = server::Data::new().page_for_profile();
            std::fs::write(&cache, &page).ok();
            page
        }
    };
    let only_typed = std::env::var("ONLY_TYPED").is_ok();
    let n: usize = std::env::var("N")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let t = Instant::now();
    for _ in 0..n {
        let v: Vec<kitelab::buildkite::types::Build> = serde_json::from_slice(&page).unwrap();
        std::hint::black_box(v);
    }
    let typed = t.elapsed().as_secs_f64() / n as f64;
    if only_typed {
        println!("typed {:.2} ms", typed * 1e3);
        return;
    }
    let t = Instant::now();
    for _ in 0..n {
        let v: Vec<serde_json::Value> = serde_json::from_slice(&page).unwrap();
        std::hint::black_box(v);
    }
    let value = t.elapsed().as_secs_f64() / n as f64;
    println!(
        "page {} KB: typed {:.2} ms, Value {:.2} ms, ratio {:.2}",
        page.len() / 1024,
        typed * 1e3,
        value * 1e3,
        value / typed
    );
}
