//! Page-level access to a list: the pages with their `Link` header, one page by number, and the
//! `with_pagination=True` / `next_page` loop.
//!
//! Replaces pybuildkite's
//!
//! ```python
//! builds_response = buildkite.builds().list_all(page=1, with_pagination=True)
//! while builds_response.next_page:
//!     builds_response = buildkite.builds().list_all(
//!         page=builds_response.next_page, with_pagination=True)
//! ```
//!
//! (Most code wants the items, not the pages: `.stream()` follows the pages by itself.)
//!
//! Run it with `cargo run -p kitelab --example bk_pagination`: against a local mock server, or
//! against Buildkite with `BUILDKITE_API_TOKEN` set.

mod common;

use futures_util::TryStreamExt;
use kitelab::buildkite::types;
use kitelab::Page;

#[tokio::main]
async fn main() -> kitelab::Result<()> {
    let common::BuildkiteExample { bk, .. } = common::buildkite().await?;
    // Every build the token can see, 10 a page, without their jobs.
    let builds = bk.builds().exclude_jobs(true).per_page(10);

    // The pages, lazily, each with the links Buildkite sent; here the first three (30 builds).
    println!("pages():");
    let mut pages = builds.clone().max_items(30).pages();
    while let Some(page) = pages.try_next().await? {
        describe(&page);
    }

    // with_pagination=True: ask for page 1, then for each next_page while there is one (here
    // for three pages at most).
    println!("page(n) and next_page():");
    let mut page = builds.clone().page(1).await?;
    describe(&page);
    while let Some(next) = page.next_page().filter(|&n| n <= 3) {
        page = builds.clone().page(next).await?;
        describe(&page);
    }

    // One page by number, with its links to the first, previous, next and last page.
    let second = builds.clone().page(2).await?;
    let links = second.links();
    println!(
        "page 2 alone: {} builds; links to pages first {}, prev {}, next {}, last {}",
        second.items().len(),
        page_of(&links.first),
        page_of(&links.prev),
        page_of(&links.next),
        page_of(&links.last),
    );

    // The items from a page on, as one stream.
    let from_third: Vec<types::Build> = builds
        .start_page(3)
        .max_items(25)
        .stream()
        .try_collect()
        .await?;
    let numbers: Vec<String> = from_third
        .iter()
        .map(|b| format!("#{}", b.number))
        .collect();
    println!("from page 3 on: {}", numbers.join(" "));
    Ok(())
}

fn describe(page: &Page<types::Build>) {
    let numbers: Vec<i64> = page.items().iter().map(|b| b.number).collect();
    let range = match (numbers.first(), numbers.last()) {
        (Some(first), Some(last)) => format!("builds #{first} to #{last}"),
        _ => "no builds".to_owned(),
    };
    let number = |n: Option<u32>| n.map_or("-".to_owned(), |n| n.to_string());
    println!(
        "  page {}: {:<22} next page {}, last page {}",
        number(page.number()),
        range,
        number(page.next_page()),
        number(page.last_page()),
    );
}

/// The `page` a link points to.
fn page_of(url: &Option<url::Url>) -> String {
    url.as_ref()
        .and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == "page")
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_else(|| "-".into())
}
