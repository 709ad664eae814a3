//! `cargo xtask generate [--check]`, `cargo xtask lint FILE...`, `cargo xtask upstream`, ...

use std::process::ExitCode;

use xtask::{render, workspace_root, SpecError, SERVICES};

const USAGE: &str = "usage:
  cargo xtask generate [--check]   lint spec/*.yaml, run progenitor, write crates/kitelab-api/src/*.rs
                                   (--check: write nothing, fail with a diff when the files are stale)
  cargo xtask lint FILE...         lint specs and run progenitor over them, writing nothing
  cargo xtask bench [--runs N]     kitelab against a bare reqwest client on a local server (release
                                   build), and the clean debug build time of kitelab-api
  cargo xtask bench compile [--runs N] [--baseline DIR]
                                   clean debug builds (-j2) of throwaway downstream crates in
                                   target/compile-bench/: bare reqwest, the crates.io `gitlab`
                                   crate, kitelab gitlab+rustls, kitelab default; wall time and
                                   crates compiled (--baseline: also the kitelab checkout at DIR,
                                   e.g. `git archive` of an older commit unpacked in target/)
  cargo xtask coverage [--check]   write COVERAGE.md from the specs, spec/upstream/*.tsv and kitelab
                                   (--check: write nothing, fail when it is stale or incomplete)
  cargo xtask upstream [--check]   compare the specs with spec/upstream/facts.tsv: fields stricter
                                   than upstream, type mismatches, missing fields (--check: fail
                                   on any outside spec/upstream/allowlist.tsv); works offline
  cargo xtask upstream derive --gitlab DIR --go-buildkite DIR
                                   rebuild spec/upstream/facts.tsv from local copies of
                                   gitlabhq/gitlabhq and buildkite/go-buildkite";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["generate"] => generate(false),
        ["generate", "--check"] => generate(true),
        ["lint", files @ ..] if !files.is_empty() => lint(files),
        ["bench", "compile", rest @ ..] => bench_compile(rest),
        ["bench", rest @ ..] => bench(rest),
        ["coverage"] => coverage(false),
        ["coverage", "--check"] => coverage(true),
        ["upstream"] => upstream(false),
        ["upstream", "--check"] => upstream(true),
        ["upstream", "derive", "--gitlab", gitlab, "--go-buildkite", go] => derive(gitlab, go),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn bench_compile(args: &[&str]) -> ExitCode {
    let mut runs = 1;
    let mut baseline = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match (*arg, args.next()) {
            ("--runs", Some(n)) => match n.parse::<usize>() {
                Ok(n) if n > 0 => runs = n,
                _ => {
                    eprintln!("error: --runs takes a positive number, not `{n}`");
                    return ExitCode::from(2);
                }
            },
            ("--baseline", Some(dir)) => baseline = Some(std::path::PathBuf::from(dir)),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    match xtask::compile_bench::run(&workspace_root(), runs, baseline.as_deref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn bench(args: &[&str]) -> ExitCode {
    use std::process::Command;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root = workspace_root();
    let run = |args: &[&str]| {
        Command::new(&cargo)
            .current_dir(&root)
            .args(args)
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    eprintln!("building the benchmark (release)…");
    if !run(&["build", "--quiet", "--release", "-p", "kitelab-bench"]) {
        return ExitCode::FAILURE;
    }
    if !run(&[
        &["run", "--quiet", "--release", "-p", "kitelab-bench", "--"][..],
        args,
    ]
    .concat())
    {
        return ExitCode::FAILURE;
    }
    // The generated crate's own compile time, its dependencies already built.
    if !run(&["build", "--quiet", "-p", "kitelab-api"])
        || !run(&["clean", "--quiet", "-p", "kitelab-api"])
    {
        return ExitCode::FAILURE;
    }
    let started = std::time::Instant::now();
    if !run(&["build", "--quiet", "-p", "kitelab-api"]) {
        return ExitCode::FAILURE;
    }
    let seconds = started.elapsed().as_secs_f64();
    let lines: usize = xtask::SERVICES
        .iter()
        .filter_map(|s| std::fs::read_to_string(root.join(s.output)).ok())
        .map(|t| t.lines().count())
        .sum();
    println!(
        "| `kitelab-api` clean debug build ({lines} generated lines, dependencies built) | {seconds:.1} s on {} cores | goal ≤ 60 s |",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    ExitCode::SUCCESS
}

fn coverage(check: bool) -> ExitCode {
    let root = workspace_root();
    let (text, problems) = match xtask::coverage::render(&root) {
        Ok(done) => done,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for problem in &problems {
        eprintln!("error: {problem}");
    }
    let path = root.join("COVERAGE.md");
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    let stale = current != text;
    if check {
        if stale {
            eprintln!(
                "error: COVERAGE.md is stale: run `cargo xtask coverage` and commit the result"
            );
            print_diff(&current, &text, "COVERAGE.md");
        } else {
            eprintln!("ok: COVERAGE.md is up to date");
        }
    } else if stale {
        if let Err(e) = std::fs::write(&path, &text) {
            eprintln!("error: cannot write COVERAGE.md: {e}");
            return ExitCode::FAILURE;
        }
        eprintln!("wrote COVERAGE.md");
    } else {
        eprintln!("unchanged: COVERAGE.md");
    }
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap_or_default();
    let counted = match xtask::coverage::readme_with_counts(&readme, &text) {
        Ok(counted) => counted,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let readme_stale = counted != readme;
    if check && readme_stale {
        eprintln!("error: README.md's coverage counts are stale: run `cargo xtask coverage`");
        print_diff(&readme, &counted, "README.md");
    } else if readme_stale {
        if let Err(e) = std::fs::write(&readme_path, &counted) {
            eprintln!("error: cannot write README.md: {e}");
            return ExitCode::FAILURE;
        }
        eprintln!("wrote the coverage counts in README.md");
    }
    if (check && (stale || readme_stale)) || !problems.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn upstream(strict: bool) -> ExitCode {
    use xtask::upstream;
    let root = workspace_root();
    let read = |path: &str| {
        std::fs::read_to_string(root.join(path)).map_err(|e| format!("cannot read {path}: {e}"))
    };
    let run = || -> Result<upstream::Report, String> {
        let mut specs = std::collections::BTreeMap::new();
        for service in &SERVICES {
            let yaml: serde_norway::Value = serde_norway::from_str(&read(service.spec)?)
                .map_err(|e| format!("{}: {e}", service.spec))?;
            let json = serde_json::to_value(&yaml).map_err(|e| format!("{}: {e}", service.spec))?;
            specs.insert(service.module.to_owned(), json);
        }
        let facts = upstream::read_facts(&read(upstream::FACTS)?)?;
        upstream::check(&specs, &facts, &read(upstream::ALLOWLIST)?)
    };
    match run() {
        Ok(report) => {
            print!("{}", report.text);
            if strict && !report.is_clean() {
                eprintln!(
                    "error: the specs differ from upstream: fix the spec, or add the difference to \
                     {} with a reason",
                    upstream::ALLOWLIST
                );
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn derive(gitlab: &str, go_buildkite: &str) -> ExitCode {
    use xtask::upstream::{derive, Checkout, FACTS};
    let (gitlab, go) = (
        std::path::Path::new(gitlab),
        std::path::Path::new(go_buildkite),
    );
    match derive(&Checkout(gitlab), &Checkout(go)) {
        Ok(text) => {
            let path = workspace_root().join(FACTS);
            if let Err(e) = std::fs::write(&path, text) {
                eprintln!("error: cannot write {FACTS}: {e}");
                return ExitCode::FAILURE;
            }
            eprintln!("wrote {FACTS}: run `cargo xtask upstream` to see the drift");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn report(errors: &[SpecError]) {
    for e in errors {
        eprintln!("error: {e}");
    }
}

fn lint(files: &[&str]) -> ExitCode {
    let mut ok = true;
    for file in files {
        if let Err(errors) = render(std::path::Path::new(file), file, "lint") {
            report(&errors);
            ok = false;
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn generate(check: bool) -> ExitCode {
    let root = workspace_root();
    let mut failed = false;
    for service in &SERVICES {
        let started = std::time::Instant::now();
        let code = match render(&root.join(service.spec), service.spec, service.module) {
            Ok(code) => code,
            Err(errors) => {
                report(&errors);
                failed = true;
                continue;
            }
        };
        let path = root.join(service.output);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if check {
            if current == code {
                eprintln!("ok: {} is up to date with {}", service.output, service.spec);
            } else {
                eprintln!(
                    "error: {} is stale: run `cargo xtask generate` and commit the result",
                    service.output
                );
                print_diff(&current, &code, service.output);
                failed = true;
            }
        } else if current != code {
            if let Err(e) = std::fs::write(&path, &code) {
                eprintln!("error: cannot write {}: {e}", service.output);
                failed = true;
                continue;
            }
            eprintln!(
                "wrote {} ({} lines, {:.1} s)",
                service.output,
                code.lines().count(),
                started.elapsed().as_secs_f64()
            );
        } else {
            eprintln!("unchanged: {}", service.output);
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Prints a unified diff (committed → regenerated), cut after a few hundred lines.
fn print_diff(old: &str, new: &str, name: &str) {
    const MAX_LINES: usize = 400;
    let diff = similar::TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("a/{name} (committed)"),
            &format!("b/{name} (generated)"),
        )
        .to_string();
    let total = text.lines().count();
    for line in text.lines().take(MAX_LINES) {
        println!("{line}");
    }
    if total > MAX_LINES {
        println!("... {} more diff lines", total - MAX_LINES);
    }
}
