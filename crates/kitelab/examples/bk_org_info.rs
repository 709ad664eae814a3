//! Organizations: get one, and list every organization the token can see.
//!
//! Replaces pybuildkite's
//!
//! ```python
//! buildkite.organizations().get_org("my-org")
//! buildkite.organizations().list_all()
//! ```
//!
//! Run it with `cargo run -p kitelab --example bk_org_info`: against a local mock server, or
//! against Buildkite with `BUILDKITE_API_TOKEN` and `BUILDKITE_ORG` set.

mod common;

use futures_util::TryStreamExt;

#[tokio::main]
async fn main() -> kitelab::Result<()> {
    let common::BuildkiteExample { bk, org, .. } = common::buildkite().await?;

    // organizations().get_org(org)
    let organization = bk.organization(&org).get().await?;
    println!("organization {} ({})", organization.slug, organization.name);
    println!("  id:        {}", organization.id);
    println!("  web:       {}", organization.web_url);
    if let Some(created) = &organization.created_at {
        println!("  created:   {created}");
    }

    // Its pipelines, the first few.
    let pipelines: Vec<_> = bk
        .organization(&org)
        .pipelines()
        .max_items(5)
        .stream()
        .try_collect()
        .await?;
    let slugs: Vec<&str> = pipelines.iter().map(|p| p.slug.as_str()).collect();
    println!("  pipelines: {}", slugs.join(", "));

    // organizations().list_all(): every page, as one stream.
    let mut organizations = bk.organizations().stream();
    println!("organizations the token can see:");
    while let Some(o) = organizations.try_next().await? {
        println!("  {:<20} {}", o.slug, o.name);
    }

    // Every call reports the rate limit Buildkite counts it against.
    if let Some(limit) = bk.rate_limit() {
        println!(
            "rate limit: {} of {} requests left, resets in {:?}",
            limit.remaining.unwrap_or_default(),
            limit.limit.unwrap_or_default(),
            limit.reset_after.unwrap_or_default()
        );
    }
    Ok(())
}
