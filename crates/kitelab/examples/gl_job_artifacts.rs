//! Job artifacts: the archive streamed to a file, one file of it, the same by branch and job
//! name, and keeping and deleting artifacts.
//!
//! Replaces python-gitlab's
//!
//! ```python
//! with open("artifacts.zip", "wb") as f:
//!     job.artifacts(streamed=True, action=f.write)
//! report = job.artifact("dist/report.txt")
//! with open("artifacts.zip", "wb") as f:
//!     project.artifacts.download(ref_name="main", job="build", streamed=True, action=f.write)
//! report = project.artifacts.raw("main", "dist/report.txt", "build")
//! job.keep_artifacts()
//! job.delete_artifacts()
//! ```
//!
//! Run it with `cargo run -p kitelab --example gl_job_artifacts`: against a local mock server,
//! or against GitLab with `GITLAB_TOKEN` and `GITLAB_PROJECT` set, and `GITLAB_ARTIFACT_PATH`
//! for the one-file reads (keeping and deleting also need `KITELAB_EXAMPLE_WRITE=1`). It writes
//! to a `kitelab-examples` directory in the temp directory.

mod common;

use futures_util::TryStreamExt;
use kitelab::gitlab::{types, JobStatus};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let example = common::gitlab().await?;
    let project = example.gl.project(&example.project);
    let dir = std::env::temp_dir().join("kitelab-examples");
    std::fs::create_dir_all(&dir)?;

    // Successful jobs that kept artifacts, newest first (among the latest 50).
    let with_artifacts: Vec<types::Job> = project
        .jobs()
        .status([JobStatus::Success])
        .max_items(50)
        .stream()
        .try_filter(|j| std::future::ready(j.artifacts_file.is_some()))
        .try_collect()
        .await?;
    let Some(latest) = with_artifacts.first() else {
        println!("no recent successful job has artifacts");
        return Ok(());
    };
    let job = project.job(latest.id);
    println!(
        "job {} ({}) on {} has artifacts: {}",
        latest.id,
        latest.name,
        latest.ref_,
        latest
            .artifacts
            .iter()
            .map(|a| format!("{} ({} bytes)", a.filename, a.size.unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // job.artifacts(streamed=True, action=f.write): the zip, written atomically. GitLab may
    // redirect to object storage; the token is not sent there.
    let archive = job.download_artifacts().await?;
    let name = archive
        .file_name()
        .unwrap_or_else(|| "artifacts.zip".into());
    let path = dir.join(format!("job-{}-{name}", latest.id));
    let bytes = archive.write_to(&path).await?;
    println!("  archive: {bytes} bytes to {}", path.display());

    // The same, read as an AsyncRead into a file of our own.
    let mut reader = job.download_artifacts().await?.into_async_read();
    let copy = dir.join(format!("job-{}-copy.zip", latest.id));
    let mut file = tokio::fs::File::create(&copy).await?;
    let copied = tokio::io::copy(&mut reader, &mut file).await?;
    println!("  copied {copied} bytes to {}", copy.display());

    // By branch and job name: the latest successful pipeline's, without knowing the job id.
    let by_ref = project
        .download_artifacts_by_ref(&latest.ref_, &latest.name)
        .await?;
    let path = dir.join(format!(
        "{}-{}.zip",
        latest.ref_.replace('/', "-"),
        latest.name
    ));
    let bytes = by_ref.write_to(&path).await?;
    println!(
        "  latest {} artifacts of {}: {bytes} bytes to {}",
        latest.name,
        latest.ref_,
        path.display()
    );

    // job.artifact(path), project.artifacts.raw(ref, path, job): one file of the archive.
    match &example.artifact_path {
        Some(file) => {
            let text = job.download_artifact(file).await?.text().await?;
            println!("  {file} of job {}:", latest.id);
            for line in text.lines() {
                println!("    | {line}");
            }
            let same = project
                .download_artifact_by_ref(&latest.ref_, file, &latest.name)
                .await?;
            println!(
                "  {file} of the latest {} on {}: {} bytes",
                latest.name,
                latest.ref_,
                same.bytes().await?.len()
            );
        }
        None => println!(
            "  skipped reading one file (set GITLAB_ARTIFACT_PATH to a path in the archive)"
        ),
    }

    if !example.may("keeping and deleting artifacts") {
        return Ok(());
    }
    // job.keep_artifacts(): they no longer expire.
    let kept = job.keep_artifacts().await?;
    println!(
        "kept the artifacts of job {}: expire {}",
        kept.id,
        kept.artifacts_expire_at
            .as_ref()
            .map_or("never".into(), |t| t.to_string())
    );
    // job.delete_artifacts(), on the oldest of the jobs found.
    let oldest = with_artifacts.last().unwrap_or(latest);
    project.job(oldest.id).delete_artifacts().await?;
    match project.job(oldest.id).download_artifacts().await {
        Err(e) if e.is_not_found() => {
            println!("deleted the artifacts of job {}: they are gone", oldest.id)
        }
        Err(e) => return Err(e.into()),
        Ok(_) => println!(
            "deleted the artifacts of job {}, but they are still served",
            oldest.id
        ),
    }
    Ok(())
}
