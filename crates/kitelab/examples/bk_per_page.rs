//! Page sizes and list limits: a client's page size, one list's, a cap on the items read, and
//! fetching pages several at a time.
//!
//! Replaces pybuildkite's `per_page=` (and `page=`) arguments:
//!
//! ```python
//! buildkite.builds().list_all_for_pipeline("my-org", "my-pipeline", page=1, per_page=100)
//! ```
//!
//! Run it with `cargo run -p kitelab --example bk_per_page`: against a local mock server, or
//! against Buildkite with `BUILDKITE_API_TOKEN`, `BUILDKITE_ORG` and `BUILDKITE_PIPELINE` set.

mod common;

use std::time::Instant;

use futures_util::TryStreamExt;
use kitelab::buildkite::{types, BuildsQuery};
use kitelab::{List, Page};

#[tokio::main]
async fn main() -> kitelab::Result<()> {
    let example = common::buildkite().await?;
    let (org, pipeline) = (&example.org, &example.pipeline);

    // A client whose every list asks for 10 items a page (the default is 100, the most allowed).
    let bk = example.builder().per_page(10).build()?;
    let builds = || bk.pipeline(org, pipeline).builds().exclude_jobs(true);
    let (items, pages) = count(builds()).await?;
    println!("client page size 10: {items} builds in {pages} pages");

    // One list with its own page size.
    let (items, pages) = count(builds().per_page(5)).await?;
    println!("list page size 5:    {items} builds in {pages} pages");

    // At most 12 items: only the pages that hold them are fetched (pages come whole).
    let first_twelve: Vec<types::Build> = builds()
        .per_page(5)
        .max_items(12)
        .stream()
        .try_collect()
        .await?;
    let (_, pages) = count(builds().per_page(5).max_items(12)).await?;
    println!(
        "max_items(12):       {} builds, from {pages} pages of 5",
        first_twelve.len()
    );

    // Several pages at once: once the first page says which is the last (its `Link: rel="last"`),
    // the others are fetched 4 at a time; the items still come in order.
    let started = Instant::now();
    let one_by_one: Vec<types::Build> = builds().per_page(3).stream().try_collect().await?;
    let sequential = started.elapsed();
    let started = Instant::now();
    let four_at_once: Vec<types::Build> = builds()
        .per_page(3)
        .concurrency(4)
        .stream()
        .try_collect()
        .await?;
    let concurrent = started.elapsed();
    let same = one_by_one
        .iter()
        .map(|b| b.number)
        .eq(four_at_once.iter().map(|b| b.number));
    println!(
        "all {} builds, 3 a page: one page at a time {sequential:.0?}, 4 at a time {concurrent:.0?} (same order: {same})",
        four_at_once.len()
    );
    Ok(())
}

/// The items of a list and the pages they came in.
async fn count(list: List<BuildsQuery>) -> kitelab::Result<(usize, usize)> {
    let pages: Vec<Page<types::Build>> = list.pages().try_collect().await?;
    let items = pages.iter().map(|p| p.items().len()).sum();
    Ok((items, pages.len()))
}
