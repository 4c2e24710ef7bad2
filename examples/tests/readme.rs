//! The root README's example (issue #14.5): its code block is the program `readme-example`
//! (below the program's header), its dependency list names every crate the code uses, and
//! it runs as the README says on file, stdio, Redis and Kafka.

use sea_streamer_conformance::{random_key, service_url};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const README: &str = include_str!("../../README.md");
const PROGRAM: &str = include_str!("../src/bin/readme-example.rs");

/// How long a run may take before the test calls it a hang.
const HANG: Duration = Duration::from_secs(120);

/// The body of the first fenced block of the README's `## Example` section whose info string
/// starts with `lang`.
fn block(lang: &str) -> String {
    let section = README
        .split_once("\n## Example\n")
        .expect("an Example section")
        .1;
    let start = section
        .find(&format!("```{lang}"))
        .unwrap_or_else(|| panic!("a {lang} block"));
    let body = section[start..].split_once('\n').unwrap().1;
    body[..body.find("```").unwrap()].to_owned()
}

#[test]
fn the_readme_lists_the_program() {
    let (header, code) = PROGRAM.split_once("\n\n").unwrap();
    assert!(header
        .lines()
        .all(|l| l.starts_with("//!") || l.starts_with("#![")));
    assert_eq!(
        block("rust"),
        code,
        "README.md and src/bin/readme-example.rs differ"
    );
}

#[test]
fn the_readme_lists_every_dependency() {
    let toml = block("toml");
    let code = block("rust");
    for (krate, path) in [
        ("sea-streamer", "sea_streamer::"),
        ("tokio", "tokio::"),
        ("anyhow", "anyhow::"),
    ] {
        assert!(code.contains(path), "{path}");
        assert!(
            toml.lines().any(|l| l.starts_with(&format!("{krate} = "))),
            "{krate} is used but not in the README's dependencies:\n{toml}"
        );
    }
    let sea = toml
        .lines()
        .find(|l| l.starts_with("sea-streamer = "))
        .unwrap();
    for feature in ["socket", "file", "stdio", "redis", "kafka", "runtime-tokio"] {
        assert!(sea.contains(&format!("\"{feature}\"")), "{feature}: {sea}");
    }
    assert!(toml.contains(r#"tokio = { version = "1", features = ["full"] }"#));
}

/// Runs the example with `args` in `dir`: its output, waiting at most [`HANG`].
fn run(dir: &std::path::Path, args: &[&str]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_readme-example"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn readme-example");
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(HANG) {
        Ok(output) => output.expect("wait"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("readme-example {args:?} did not end within {HANG:?}");
        }
    }
}

/// Runs the example on `args` and checks that it printed `[key] hello, world`.
fn hello(args: &[&str], key: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.lines().any(|l| l == format!("[{key}] hello, world")),
        "{args:?}: {stdout}"
    );
    stdout
}

#[test]
fn on_a_file_by_default() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        // a second run appends to the file and reads it from the start
        let out = run(dir.path(), &[]);
        assert!(out.status.success());
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            "[hello] hello, world\n"
        );
    }
    assert!(dir.path().join("hello.ss").exists());
}

#[test]
fn on_stdio() {
    let stdout = hello(&["stdio:///hello"], "hello");
    // the message itself, printed to stdout by the stdio producer
    assert!(
        stdout
            .lines()
            .any(|l| l.ends_with(" | hello | 0] hello, world")),
        "{stdout}"
    );
}

#[test]
fn on_redis() {
    let Some(redis) = service_url("SEA_STREAMER_TEST_REDIS") else {
        return;
    };
    let key = random_key("readme");
    hello(&[&format!("{redis}/{key}")], &key);
}

#[test]
fn on_kafka() {
    let Some(kafka) = service_url("SEA_STREAMER_TEST_KAFKA") else {
        return;
    };
    let key = random_key("readme");
    hello(&[&format!("{kafka}/{key}")], &key);
}
