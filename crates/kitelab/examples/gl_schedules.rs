//! Pipeline schedules: list and read them; create one, change it, give it variables, run it
//! now, take it over, and delete it.
//!
//! Replaces python-gitlab's
//!
//! ```python
//! scheds = project.pipelineschedules.list()
//! sched = project.pipelineschedules.get(schedule_id)
//! sched = project.pipelineschedules.create({"ref": "main", "description": "Daily test",
//!                                           "cron": "0 1 * * *"})
//! sched.cron = "1 2 * * *"
//! sched.save()
//! var = sched.variables.create({"key": "foo", "value": "bar"})
//! var.value = "new_value"
//! var.save()
//! sched.play()
//! sched.take_ownership()
//! sched.variables.delete("foo")
//! sched.delete()
//! ```
//!
//! Run it with `cargo run -p kitelab --example gl_schedules`: against a local mock server, or
//! against GitLab with `GITLAB_TOKEN` and `GITLAB_PROJECT` set (everything but reading also
//! needs `KITELAB_EXAMPLE_WRITE=1`).

mod common;

use futures_util::TryStreamExt;
use kitelab::gitlab::{types, PipelineSource, ScheduleScope};

#[tokio::main]
async fn main() -> kitelab::Result<()> {
    let example = common::gitlab().await?;
    let project = example.gl.project(&example.project);

    // project.pipelineschedules.list(scope="active")
    let active: Vec<types::PipelineSchedule> = project
        .schedules()
        .scope(ScheduleScope::Active)
        .stream()
        .try_collect()
        .await?;
    println!("active schedules: {}", active.len());
    for s in &active {
        print_schedule(s);
    }
    // project.pipelineschedules.get(id): with its last pipeline and its variables.
    if let Some(first) = active.first() {
        let schedule = project.schedule(first.id).get().await?;
        let last = schedule.last_pipeline.as_ref();
        println!(
            "schedule {}: last pipeline {}, owner {}, variables {}",
            schedule.id,
            last.map_or("none".into(), |p| {
                let status = p.status.as_ref().map_or("?", |s| s.as_str());
                format!("{} ({status})", p.id)
            }),
            schedule
                .owner
                .as_ref()
                .and_then(|u| u.username.as_deref())
                .unwrap_or("?"),
            keys(&schedule.variables)
        );
    }

    if !example.may("creating, running, taking over and deleting a schedule") {
        return Ok(());
    }
    // project.pipelineschedules.create({...})
    let created = project
        .create_schedule("Daily test", &example.git_ref, "0 1 * * *")
        .cron_timezone("Europe/Paris")
        .active(true)
        .send()
        .await?;
    print!("created ");
    print_schedule(&created);
    let schedule = project.schedule(created.id);

    // sched.cron = "1 2 * * *"; sched.save(): only what is set changes.
    let updated = schedule
        .update()
        .cron("1 2 * * *")
        .description("Daily test, later")
        .send()
        .await?;
    print!("updated ");
    print_schedule(&updated);

    // sched.variables.create(...), then change its value.
    let variable = schedule.create_variable("foo", "bar").send().await?;
    println!("added variable {}", variable.key);
    schedule.variable("foo").update("new_value").send().await?;
    let read = schedule.get().await?;
    for v in &read.variables {
        println!(
            "  {}={}",
            v.key,
            v.value.as_ref().map_or("", |s| s.expose())
        );
    }

    // sched.play(): runs now; GitLab does not say which pipeline it starts, so look for it.
    schedule.play().await?;
    let mut started = project
        .pipelines()
        .source(PipelineSource::Schedule)
        .max_items(1)
        .stream();
    if let Some(p) = started.try_next().await? {
        println!(
            "played: the latest scheduled pipeline is {} ({}) on {}",
            p.id,
            p.status.as_ref().map_or("?", |s| s.as_str()),
            p.ref_.as_deref().unwrap_or("?")
        );
    }

    // sched.take_ownership(): its pipelines now run as this token's user.
    let taken = schedule.take_ownership().await?;
    println!(
        "owner now: {}",
        taken
            .owner
            .as_ref()
            .and_then(|u| u.username.as_deref())
            .unwrap_or("?")
    );

    // sched.variables.delete("foo"), sched.delete()
    let deleted = schedule.variable("foo").delete().await?;
    println!("deleted variable {}", deleted.key);
    schedule.delete().await?;
    println!("deleted schedule {}", created.id);
    Ok(())
}

fn print_schedule(s: &types::PipelineSchedule) {
    println!(
        "schedule {} {:?} on {} at {:?} ({}), active: {}, next run {}",
        s.id,
        s.description.as_deref().unwrap_or(""),
        s.ref_.as_deref().unwrap_or("?"),
        s.cron.as_deref().unwrap_or("?"),
        s.cron_timezone.as_deref().unwrap_or("UTC"),
        s.active.unwrap_or_default(),
        s.next_run_at.as_ref().map_or("-".into(), |t| t.to_string())
    );
}

fn keys(variables: &[types::Variable]) -> String {
    let keys: Vec<&str> = variables.iter().map(|v| v.key.as_str()).collect();
    if keys.is_empty() {
        "none".into()
    } else {
        keys.join(", ")
    }
}
