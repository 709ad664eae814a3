//! `cargo xtask bench compile`: what depending on kitelab costs a downstream crate's clean debug
//! build, next to the alternatives.
//!
//! Each contender is a throwaway binary crate under `target/compile-bench/<name>/`, a workspace
//! of its own with its own target directory, depending on one thing: a bare reqwest, serde_json
//! and tokio client; the crates.io `gitlab` crate (Kitware's); kitelab with GitLab and rustls
//! only; kitelab with its default features. Dependencies are fetched first (not timed); then
//! each contender is cleaned and built with `-j2`, one after the other, and the wall time, CPU
//! time and number of crates compiled are reported. Nothing here is committed: it all lives in
//! `target/`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// One downstream crate to build.
struct Contender {
    /// Directory name under `target/compile-bench/`.
    name: &'static str,
    /// The row's label in the table.
    label: &'static str,
    /// The `[dependencies]` table's lines; `{kitelab}` is replaced by kitelab's path.
    dependencies: &'static str,
    /// `src/main.rs`: touches the dependency so it is linked.
    main: &'static str,
    /// Starts from the workspace's `Cargo.lock`, so kitelab's dependencies resolve to the versions
    /// the project tests.
    workspace_lock: bool,
}

const CONTENDERS: [Contender; 4] = [
    Contender {
        name: "bare-reqwest",
        label: "bare `reqwest` + `serde_json` + `tokio`",
        dependencies: r#"reqwest = { version = "0.13", features = ["json"] }
serde_json = "1"
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }"#,
        main: r#"fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let client = reqwest::Client::new();
    let body = serde_json::json!({ "ref": "main" });
    drop((runtime, client, body));
}
"#,
        workspace_lock: false,
    },
    Contender {
        name: "gitlab-crate",
        label: "the crates.io `gitlab` crate (Kitware), default features",
        dependencies: r#"gitlab = "0.1905""#,
        main: r#"fn main() {
    let _ = gitlab::Gitlab::new("gitlab.example.com", "token");
}
"#,
        workspace_lock: false,
    },
    Contender {
        name: "kitelab-gitlab-rustls",
        label: "kitelab, `gitlab` + `rustls` only",
        dependencies: r#"kitelab = { path = "{kitelab}", default-features = false, features = ["gitlab", "rustls"] }"#,
        main: r#"fn main() {
    let _ = kitelab::GitLab::new("token");
}
"#,
        workspace_lock: true,
    },
    Contender {
        name: "kitelab-default",
        label: "kitelab, default features",
        dependencies: r#"kitelab = { path = "{kitelab}" }"#,
        main: r#"fn main() {
    let _ = kitelab::GitLab::new("token");
    let _ = kitelab::Buildkite::new("token");
}
"#,
        workspace_lock: true,
    },
];

/// One clean build's outcome.
struct Measured {
    seconds: f64,
    /// User + system CPU time of cargo and everything it ran, where the OS tells it.
    cpu: Option<f64>,
    crates: usize,
}

/// A contender to build: which crate, and the kitelab checkout it depends on.
struct Planned<'a> {
    name: String,
    label: String,
    contender: &'a Contender,
    /// The kitelab checkout (workspace root) the contender depends on.
    kitelab_root: PathBuf,
}

/// Runs the comparison `runs` times (contenders one after the other in each run) and prints a
/// Markdown table: the date, the host's load before and after, and per contender each run's wall
/// time and crate count. With `baseline` (the root of another kitelab checkout, e.g. an older
/// commit's `git archive`), its two kitelab contenders run too, before this checkout's.
pub fn run(root: &Path, runs: usize, baseline: Option<&Path>) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let base = root.join("target").join("compile-bench");
    let mut planned = Vec::new();
    for contender in CONTENDERS.iter().filter(|c| !c.workspace_lock) {
        planned.push(Planned {
            name: contender.name.to_owned(),
            label: contender.label.to_owned(),
            contender,
            kitelab_root: root.to_owned(),
        });
    }
    if let Some(baseline) = baseline {
        let baseline = baseline
            .canonicalize()
            .map_err(|e| format!("baseline {}: {e}", baseline.display()))?;
        for contender in CONTENDERS.iter().filter(|c| c.workspace_lock) {
            planned.push(Planned {
                name: format!("{}-baseline", contender.name),
                label: format!("{} (baseline)", contender.label),
                contender,
                kitelab_root: baseline.clone(),
            });
        }
    }
    for contender in CONTENDERS.iter().filter(|c| c.workspace_lock) {
        planned.push(Planned {
            name: contender.name.to_owned(),
            label: contender.label.to_owned(),
            contender,
            kitelab_root: root.to_owned(),
        });
    }
    let mut dirs = Vec::new();
    for plan in &planned {
        let dir = base.join(&plan.name);
        write_crate(&plan.kitelab_root, &dir, &plan.name, plan.contender)?;
        eprintln!("fetching the dependencies of {} (not timed)…", plan.name);
        cargo_in(&cargo, &dir, &["fetch", "--quiet"], false)?;
        dirs.push(dir);
    }
    let load_before = load_average();
    let started_at = utc_now();
    let mut results: Vec<Vec<Measured>> = planned.iter().map(|_| Vec::new()).collect();
    for run in 1..=runs {
        for (i, (plan, dir)) in planned.iter().zip(&dirs).enumerate() {
            cargo_in(&cargo, dir, &["clean", "--quiet"], false)?;
            eprintln!(
                "run {run}/{runs}: clean debug build of {} (-j2)…",
                plan.name
            );
            let cpu_before = children_cpu_seconds();
            let started = Instant::now();
            let stdout = cargo_in(
                &cargo,
                dir,
                &["build", "-j2", "--message-format=json"],
                true,
            )?;
            let seconds = started.elapsed().as_secs_f64();
            let cpu = cpu_before
                .zip(children_cpu_seconds())
                .map(|(before, after)| after - before);
            let crates = count_crates(&stdout);
            eprintln!(
                "  {seconds:.1} s, {} CPU, {crates} crates",
                cpu.map_or("?".into(), |c| format!("{c:.0} s"))
            );
            results[i].push(Measured {
                seconds,
                cpu,
                crates,
            });
        }
    }
    let load_after = load_average();
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    println!(
        "Clean debug builds of a minimal downstream binary, `cargo build -j2`, {started_at}, {rustc}, \
         {cores} cores, load average (1/5/15 min) {load_before} before and {load_after} after \
         ({runs} run{s}, contenders one after the other in each):\n",
        s = if runs == 1 { "" } else { "s" }
    );
    println!(
        "| downstream crate depends on | wall time | CPU time (user + system) | crates compiled |"
    );
    println!("|---|---|---|---|");
    for (plan, measured) in planned.iter().zip(&results) {
        let times: Vec<String> = measured
            .iter()
            .map(|m| format!("{:.0} s", m.seconds))
            .collect();
        let cpu: Vec<String> = measured
            .iter()
            .map(|m| m.cpu.map_or("?".into(), |c| format!("{c:.0} s")))
            .collect();
        let crates: BTreeSet<usize> = measured.iter().map(|m| m.crates).collect();
        let crates: Vec<String> = crates.iter().map(usize::to_string).collect();
        println!(
            "| {} | {} | {} | {} |",
            plan.label,
            times.join(", "),
            cpu.join(", "),
            crates.join(", ")
        );
    }
    Ok(())
}

/// Writes the contender's `Cargo.toml` (a workspace of its own) and `src/main.rs`.
fn write_crate(
    kitelab_root: &Path,
    dir: &Path,
    name: &str,
    contender: &Contender,
) -> Result<(), String> {
    let src = dir.join("src");
    std::fs::create_dir_all(&src).map_err(|e| format!("cannot create {}: {e}", src.display()))?;
    let kitelab = kitelab_root.join("crates").join("kitelab");
    let dependencies = contender
        .dependencies
        .replace("{kitelab}", &kitelab.display().to_string());
    let manifest = format!(
        "# Written by `cargo xtask bench compile`; throwaway.\n[package]\nname = \"{name}\"\n\
         version = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{dependencies}\n\n\
         # Not a member of kitelab's workspace.\n[workspace]\n"
    );
    let write = |path: PathBuf, text: &str| {
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write(dir.join("Cargo.toml"), &manifest)?;
    write(src.join("main.rs"), contender.main)?;
    if contender.workspace_lock {
        std::fs::copy(kitelab_root.join("Cargo.lock"), dir.join("Cargo.lock"))
            .map_err(|e| format!("cannot copy Cargo.lock: {e}"))?;
    }
    Ok(())
}

/// Runs cargo in `dir` with the contender's own target directory; returns its stdout.
fn cargo_in(cargo: &str, dir: &Path, args: &[&str], capture: bool) -> Result<String, String> {
    let output = Command::new(cargo)
        .current_dir(dir)
        .args(args)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .stdin(Stdio::null())
        .stdout(if capture {
            Stdio::piped()
        } else {
            Stdio::inherit()
        })
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo {}` failed in {}:\n{}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The number of distinct packages cargo compiled (a build script and its library count once).
fn count_crates(messages: &str) -> usize {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .filter_map(|m| m["package_id"].as_str().map(str::to_owned))
        .collect::<BTreeSet<_>>()
        .len()
}

/// The CPU time (user + system) of this process's waited-for children and their descendants, from
/// `/proc/self/stat` (`cutime` + `cstime`); `None` off Linux. Cargo waits for every rustc and
/// build script it runs, so the difference around one `cargo build` is that build's CPU time,
/// which the other programs on a shared host disturb far less than its wall time.
fn children_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at field 3, `state`.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    let (cutime, cstime) = (ticks(13)?, ticks(14)?);
    Some((cutime + cstime) / clock_ticks())
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux when it cannot be asked).
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// `/proc/loadavg`'s 1-, 5- and 15-minute averages, or `unknown`.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" / ")
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The current UTC time as `YYYY-MM-DD HH:MM UTC`.
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_from_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_792), (2026, 12, 5));
    }

    #[test]
    fn children_cpu_time_grows_with_a_child() {
        let before = children_cpu_seconds().expect("Linux");
        // A child that burns CPU for a moment.
        let status = Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"])
            .status()
            .expect("sh runs");
        assert!(status.success());
        let after = children_cpu_seconds().expect("Linux");
        assert!(after > before, "{before} -> {after}");
    }

    #[test]
    fn counts_each_package_once() {
        let messages = r#"{"reason":"compiler-artifact","package_id":"a 1.0"}
{"reason":"compiler-artifact","package_id":"a 1.0"}
{"reason":"build-script-executed","package_id":"b 1.0"}
{"reason":"compiler-artifact","package_id":"c 1.0"}
not json
{"reason":"build-finished","success":true}"#;
        assert_eq!(count_crates(messages), 2);
    }
}
