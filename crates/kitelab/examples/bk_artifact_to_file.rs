//! Download a build artifact, through Buildkite's redirect to object storage: to a file
//! atomically, as a stream of chunks, or as a signed URL for another tool.
//!
//! Replaces pybuildkite's
//!
//! ```python
//! artifacts = buildkite.artifacts()
//! listed = artifacts.list_artifacts_for_build("my-org", "my-pipeline", build_number)
//! stream = artifacts.download_artifact("my-org", "my-pipeline", build_number, job_id,
//!                                      artifact_id, as_stream=True)
//! with open("artifact.bin", "wb") as f:
//!     for chunk in stream:
//!         f.write(chunk)
//! ```
//!
//! Run it with `cargo run -p kitelab --example bk_artifact_to_file`: against a local mock
//! server, or against Buildkite with `BUILDKITE_API_TOKEN`, `BUILDKITE_ORG` and
//! `BUILDKITE_PIPELINE` set. It writes to a `kitelab-examples` directory in the temp directory.

mod common;

use futures_util::TryStreamExt;
use kitelab::buildkite::{types, ArtifactState, BuildState};
use tokio::io::AsyncWriteExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let example = common::buildkite().await?;
    let pipeline = example.bk.pipeline(&example.org, &example.pipeline);

    // The latest finished build, and the artifacts it uploaded.
    let mut finished = pipeline
        .builds()
        .state([BuildState::Finished])
        .exclude_jobs(true)
        .max_items(1)
        .stream();
    let Some(build) = finished.try_next().await? else {
        println!("{}/{} has no finished build", example.org, example.pipeline);
        return Ok(());
    };
    let build = pipeline.build(build.number);
    let artifacts: Vec<types::Artifact> = build
        .artifacts()
        .state(ArtifactState::Finished)
        .stream()
        .try_collect()
        .await?;
    println!(
        "build #{} uploaded {} artifacts:",
        build.number(),
        artifacts.len()
    );
    for a in &artifacts {
        println!(
            "  {:<28} {:>9} bytes  {}",
            a.path.as_deref().unwrap_or("?"),
            a.file_size.unwrap_or_default(),
            a.mime_type.as_deref().unwrap_or("")
        );
    }
    // The largest one.
    let Some(listed) = artifacts.iter().max_by_key(|a| a.file_size) else {
        return Ok(());
    };
    let artifact = build.artifact(listed.job_id.clone().unwrap_or_default(), listed.id.clone());
    let dir = std::env::temp_dir().join("kitelab-examples");
    std::fs::create_dir_all(&dir)?;

    // To a file, atomically: the bytes go to a temporary file beside it, which is checked
    // against Content-Length and only then renamed into place. The token is not sent to storage.
    let download = artifact.download().await?;
    let name = download
        .file_name()
        .or_else(|| listed.filename.clone())
        .unwrap_or_else(|| "artifact.bin".into());
    let path = dir.join(&name);
    println!(
        "downloading {name}: {} bytes of {}",
        download.content_length().unwrap_or_default(),
        download.content_type().unwrap_or("?")
    );
    let written = download.write_to(&path).await?;
    println!("  wrote {written} bytes to {}", path.display());

    // As a stream of chunks (as_stream=True): memory stays small whatever the size.
    let mut chunks = artifact.download().await?.into_stream();
    let copy = dir.join(format!("{name}.copy"));
    let mut file = tokio::fs::File::create(&copy).await?;
    let (mut count, mut bytes) = (0, 0);
    while let Some(chunk) = chunks.try_next().await? {
        file.write_all(&chunk).await?;
        count += 1;
        bytes += chunk.len();
    }
    file.flush().await?;
    println!(
        "  streamed {bytes} bytes in {count} chunks to {}",
        copy.display()
    );

    // The signed URL itself, for a tool of your own (curl, a browser): no token needed, valid
    // for about a minute. Its query is the signature: keep it out of logs.
    let url = artifact.download_url().await?;
    println!("  signed URL: {}?…", &url[..url::Position::AfterPath]);
    Ok(())
}
