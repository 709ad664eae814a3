//! CI/CD variables of a project, of a group and of the instance: list, create, read, update and
//! delete them, including one key in two environment scopes.
//!
//! Replaces python-gitlab's
//!
//! ```python
//! variables = project.variables.list(iterator=True)
//! var = project.variables.create({"key": "DEPLOY_TOKEN", "value": "s3cr3t-value",
//!                                 "environment_scope": "production", "masked": True})
//! var = project.variables.get("DEPLOY_TOKEN", filter={"environment_scope": "production"})
//! project.variables.update("DEPLOY_TOKEN", {"value": "n3w-s3cr3t"},
//!                          filter={"environment_scope": "production"})
//! project.variables.delete("DEPLOY_TOKEN", filter={"environment_scope": "production"})
//! group.variables.create({"key": "REGISTRY_USER", "value": "deployer"})  # and the same verbs
//! gl.variables.list(); gl.variables.create({"key": "REGISTRY_MIRROR", "value": "..."})
//! ```
//!
//! Run it with `cargo run -p kitelab --example gl_variables`: against a local mock server, or
//! against GitLab with `GITLAB_TOKEN`, `GITLAB_PROJECT` and `GITLAB_GROUP` set (everything but
//! listing also needs `KITELAB_EXAMPLE_WRITE=1`; instance variables need an administrator's
//! token and `GITLAB_ADMIN=1`).

mod common;

use futures_util::TryStreamExt;
use kitelab::gitlab::{types, Group, Project};
use kitelab::GitLab;

#[tokio::main]
async fn main() -> kitelab::Result<()> {
    let example = common::gitlab().await?;
    let project = example.gl.project(&example.project);
    let group = example.group.as_ref().map(|g| example.gl.group(g));

    // project.variables.list(), group.variables.list(): values of hidden variables never come back.
    let variables: Vec<types::Variable> = project.variables().stream().try_collect().await?;
    println!("variables of project {}:", example.project);
    print_all(&variables);
    match &group {
        Some(group) => {
            let variables: Vec<types::Variable> = group.variables().stream().try_collect().await?;
            println!("variables of group {}:", group.id());
            print_all(&variables);
        }
        None => println!("skipped group variables (set GITLAB_GROUP)"),
    }
    // gl.variables.list(): an administrator's token only.
    let admin = example.is_mock() || std::env::var_os("GITLAB_ADMIN").is_some();
    if admin {
        let variables: Vec<types::Variable> = example
            .gl
            .instance_variables()
            .stream()
            .try_collect()
            .await?;
        println!("variables of the instance:");
        print_all(&variables);
    } else {
        println!("skipped instance variables (set GITLAB_ADMIN=1 with an administrator's token)");
    }

    if !example.may("creating, updating and deleting variables") {
        return Ok(());
    }
    project_variables(&project).await?;
    if let Some(group) = &group {
        group_variables(group).await?;
    }
    if admin {
        instance_variables(&example.gl).await?;
    }
    Ok(())
}

/// One key in two environment scopes, masked and protected in production.
async fn project_variables(project: &Project) -> kitelab::Result<()> {
    for (scope, value) in [
        ("production", "s3cr3t-production"),
        ("staging", "s3cr3t-staging"),
    ] {
        let created = project
            .create_variable("DEPLOY_TOKEN", value)
            .environment_scope(scope)
            .masked(true)
            .protected(scope == "production")
            .description("Token the deploy job uses")
            .send()
            .await?;
        print!("created ");
        print_one(&created);
    }

    // With the key in two scopes, GitLab wants to know which one (409 Conflict otherwise).
    match project.variable("DEPLOY_TOKEN").get().await {
        Err(e) if e.status().is_some_and(|s| s == 409) => println!("without a scope: {e}"),
        other => println!("without a scope: {other:?}"),
    }
    let production = project
        .variable("DEPLOY_TOKEN")
        .environment_scope("production");
    print!("read ");
    print_one(&production.get().await?);

    // var.value = ...; var.save(): only what is set changes.
    let updated = production
        .update()
        .value("n3w-s3cr3t-production")
        .send()
        .await?;
    print!("updated ");
    print_one(&updated);

    for scope in ["production", "staging"] {
        project
            .variable("DEPLOY_TOKEN")
            .environment_scope(scope)
            .delete()
            .await?;
        println!("deleted DEPLOY_TOKEN ({scope})");
    }
    Ok(())
}

/// A group variable, from creation to deletion.
async fn group_variables(group: &Group) -> kitelab::Result<()> {
    let created = group
        .create_variable("REGISTRY_USER", "deployer")
        .protected(true)
        .send()
        .await?;
    print!("created ");
    print_one(&created);
    let variable = group.variable("REGISTRY_USER");
    let updated = variable
        .update()
        .value("release-bot")
        .raw(true)
        .send()
        .await?;
    print!("updated ");
    print_one(&updated);
    variable.delete().await?;
    println!("deleted REGISTRY_USER of group {}", group.id());
    Ok(())
}

/// An instance variable: no environment scope (asking for one fails before anything is sent).
async fn instance_variables(gl: &GitLab) -> kitelab::Result<()> {
    let created = gl
        .create_instance_variable("REGISTRY_MIRROR", "https://mirror.example.com")
        .protected(true)
        .send()
        .await?;
    print!("created ");
    print_one(&created);
    let variable = gl.instance_variable("REGISTRY_MIRROR");
    if let Err(e) = variable.clone().environment_scope("production").get().await {
        println!("with a scope: {e}");
    }
    let updated = variable
        .update()
        .value("https://mirror2.example.com")
        .send()
        .await?;
    print!("updated ");
    print_one(&updated);
    variable.delete().await?;
    println!("deleted instance variable REGISTRY_MIRROR");
    Ok(())
}

fn print_all(variables: &[types::Variable]) {
    if variables.is_empty() {
        println!("  (none)");
    }
    for v in variables {
        print!("  ");
        print_one(v);
    }
}

fn print_one(v: &types::Variable) {
    let mut flags = Vec::new();
    for (set, name) in [
        (v.masked, "masked"),
        (v.protected, "protected"),
        (v.hidden, "hidden"),
        (v.raw, "raw"),
    ] {
        if set == Some(true) {
            flags.push(name);
        }
    }
    // A masked value is not printed: that is what masking is for.
    let value = match &v.value {
        Some(value) if v.masked != Some(true) => format!(" = {:?}", value.expose()),
        _ => String::new(),
    };
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!(" [{}]", flags.join(", "))
    };
    // Instance variables have no scope.
    let scope = v
        .environment_scope
        .as_deref()
        .map(|scope| format!(" ({scope})"))
        .unwrap_or_default();
    println!("{}{scope}{value}{flags}", v.key);
}
