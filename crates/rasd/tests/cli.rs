//! The `rasd` binary without NATS: every command has `--help`, and
//! `rasd process` runs the embedded clean+tag pipeline on files and stdin.

use std::io::Write;
use std::process::{Command, Stdio};

fn rasd() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rasd"))
}

fn seeds() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds")
}

#[test]
fn every_command_has_help() {
    for cmd in [
        "publish",
        "subscribe",
        "stage",
        "run",
        "process",
        "setup",
        "status",
        "eval",
    ] {
        let out = rasd().args([cmd, "--help"]).output().unwrap();
        assert!(out.status.success(), "{cmd} --help failed");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Usage: rasd"), "{cmd}: {text}");
        assert!(
            text.contains("--nats-url"),
            "{cmd} should accept the global NATS flags: {text}"
        );
    }
    let out = rasd().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in [
        "publish",
        "subscribe",
        "stage",
        "run",
        "process",
        "setup",
        "status",
        "eval",
    ] {
        assert!(text.contains(cmd), "top-level help lists {cmd}");
    }
}

#[test]
fn process_tags_the_seeds_with_their_file_stems_as_ids() {
    let out = rasd().arg("process").arg(seeds()).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut ids: Vec<String> = stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("one JSON object per line")["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    ids.sort();
    let mut expected: Vec<String> = std::fs::read_dir(seeds())
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .to_string()
        })
        .collect();
    expected.sort();
    assert_eq!(ids, expected);
}

#[test]
fn process_reads_json_lines_from_stdin_and_reports_rejections() {
    let mut child = rasd()
        .args(["process", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("{\"id\":\"ok-1\",\"text\":\"قتل ثلاثة مدنيين في قصف على إدلب\"}\n{\"id\":\"empty\",\"text\":\"\"}\nnot json\n".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "partial failure exits 2");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1);
    assert!(stdout.contains("\"id\":\"ok-1\""));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("empty_text"), "{stderr}");
    assert!(stderr.contains("stdin:3"), "{stderr}");
}

#[test]
fn unknown_stage_is_a_usage_error() {
    let out = rasd().args(["stage", "nope"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown stage"));
}
