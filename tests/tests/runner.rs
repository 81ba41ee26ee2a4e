//! The stage runner in-process, with stage cores written to misbehave:
//! slow work is kept alive by in-progress acks (no redelivery), a panicking
//! core dead-letters its input and the stage goes on, a transient failure is
//! retried with backoff and dead-lettered after `max_deliver`, and shutdown
//! returns after finishing in-flight work.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::jetstream;
use rasd_bus::{
    ConsumerArgs, Output, StageCore, StageError, StageMetrics, StageRunner, StreamArgs,
};
use rasd_integration_tests::*;
use rasd_model::{DeadLetter, StageName, Subjects};
use tokio_util::sync::CancellationToken;

const PATIENCE: Duration = Duration::from_secs(30);

/// Behaves according to the payload: `slow:<id>`, `panic:<id>`,
/// `flaky:<id>` (always transient), anything else succeeds at once.
#[derive(Default)]
struct Moody {
    calls: Mutex<HashMap<String, usize>>,
    /// When each call started, by payload.
    started: Mutex<HashMap<String, Vec<std::time::Instant>>>,
    running: AtomicUsize,
}

/// The core handed to the runner; the test keeps the other `Arc` to look
/// at the calls.
struct MoodyCore(Arc<Moody>);

impl StageCore for MoodyCore {
    fn name(&self) -> StageName {
        StageName::Clean
    }
    fn process(&self, _subject: &str, payload: &[u8]) -> Result<Vec<Output>, StageError> {
        let text = String::from_utf8_lossy(payload).to_string();
        let me = &self.0;
        *me.calls.lock().unwrap().entry(text.clone()).or_default() += 1;
        me.started
            .lock()
            .unwrap()
            .entry(text.clone())
            .or_default()
            .push(std::time::Instant::now());
        me.running.fetch_add(1, Ordering::SeqCst);
        let _done = scopeguard(|| {
            me.running.fetch_sub(1, Ordering::SeqCst);
        });
        let (kind, id) = text.split_once(':').unwrap_or(("ok", &text));
        match kind {
            "slow" => std::thread::sleep(Duration::from_secs(3)),
            "panic" => panic!("this input breaks the core"),
            "flaky" => return Err(StageError::Transient("upstream unavailable".into())),
            _ => {}
        }
        Ok(vec![Output::json(
            "rasd.articles.clean",
            StageName::Clean,
            id,
            &serde_json::json!({"id": id}),
        )?])
    }
}

struct Guard<F: FnMut()>(F);
impl<F: FnMut()> Drop for Guard<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}
fn scopeguard<F: FnMut()>(f: F) -> Guard<F> {
    Guard(f)
}

/// A JetStream context on `server` with the pipeline's streams.
async fn streams(server: &NatsServer) -> anyhow::Result<(jetstream::Context, Subjects)> {
    let js = jetstream::new(server.connect().await?);
    let subjects = Subjects::default();
    rasd_bus::provision::ensure_streams(&js, &subjects, &StreamArgs::default()).await?;
    Ok((js, subjects))
}

/// Run a [`MoodyCore`] over `core` as the clean stage until `token` is
/// cancelled.
fn spawn_runner(
    core: &Arc<Moody>,
    js: &jetstream::Context,
    subjects: &Subjects,
    args: ConsumerArgs,
    metrics: Arc<StageMetrics>,
    token: &CancellationToken,
) -> tokio::task::JoinHandle<anyhow::Result<rasd_bus::runner::RunSummary>> {
    let runner = StageRunner::new(
        MoodyCore(core.clone()),
        js.clone(),
        subjects.clone(),
        args,
        metrics,
    );
    tokio::spawn(runner.run(token.clone()))
}

/// Every input of the clean consumer was acked (or TERMed): nothing in
/// flight, nothing pending.
async fn assert_clean_consumer_settled(js: &jetstream::Context) -> anyhow::Result<()> {
    let info = js
        .get_stream("RASD_ARTICLES")
        .await?
        .consumer_info("clean")
        .await?;
    assert_eq!(info.num_ack_pending, 0, "everything in flight was acked");
    assert_eq!(info.num_pending, 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runner_keeps_slow_work_alive_survives_panics_and_gives_up_on_transient_failures(
) -> anyhow::Result<()> {
    let _g = serial().await;
    let server = NatsServer::start()?;
    let (js, subjects) = streams(&server).await?;

    let core = Arc::new(Moody::default());
    let args = ConsumerArgs {
        concurrency: 2,
        ack_wait: Duration::from_secs(1),
        max_deliver: 3,
        backoff: vec![Duration::from_millis(300), Duration::from_millis(700)],
        ..Default::default()
    };
    let metrics = Arc::new(StageMetrics::new());
    let token = CancellationToken::new();
    let handle = spawn_runner(&core, &js, &subjects, args, metrics.clone(), &token);

    for p in ["slow:s1", "panic:p1", "flaky:f1", "ok:a1", "ok:a2"] {
        js.publish("rasd.articles.raw", p.as_bytes().to_vec().into())
            .await?
            .await?;
    }

    let outputs = collect_json(
        &js,
        "RASD_ARTICLES",
        "rasd.articles.clean",
        3,
        Duration::from_secs(2),
        PATIENCE,
    )
    .await?;
    let counts = count_by_id(&outputs);
    assert_eq!(counts.get("s1"), Some(&1));
    assert_eq!(counts.get("a1"), Some(&1));
    assert_eq!(counts.get("a2"), Some(&1));
    assert_eq!(counts.len(), 3, "{counts:?}");

    let letters: Vec<DeadLetter> = collect_typed(
        &js,
        "RASD_DLQ",
        "rasd.dlq.clean",
        2,
        Duration::from_secs(1),
        PATIENCE,
    )
    .await?;
    let by_payload: HashMap<&str, &DeadLetter> =
        letters.iter().map(|d| (d.payload.as_str(), d)).collect();
    assert_eq!(by_payload["panic:p1"].reason, "stage_panic");
    assert!(by_payload["panic:p1"]
        .error
        .contains("this input breaks the core"));
    assert_eq!(by_payload["flaky:f1"].reason, "max_deliver_exceeded");
    assert_eq!(letters.len(), 2);

    let calls = core.calls.lock().unwrap().clone();
    // 3 s of work with a 1 s ack wait: in-progress acks prevent redelivery.
    assert_eq!(
        calls["slow:s1"], 1,
        "the slow input was redelivered: {calls:?}"
    );
    assert_eq!(
        calls["flaky:f1"], 3,
        "transient failures are retried up to max_deliver"
    );
    assert_eq!(calls["panic:p1"], 1, "a rejected input is not retried");
    // Each retry waits out its step of the backoff list (a NAK without a
    // delay is redelivered within milliseconds).
    let started = core.started.lock().unwrap()["flaky:f1"].clone();
    let gaps: Vec<Duration> = started.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps[0] >= Duration::from_millis(300) && gaps[1] >= Duration::from_millis(700),
        "retries came sooner than the backoff allows: {gaps:?}"
    );

    // Graceful shutdown while a slow message is in flight: it finishes and is acked.
    js.publish("rasd.articles.raw", b"slow:s2".to_vec().into())
        .await?
        .await?;
    let deadline = std::time::Instant::now() + PATIENCE;
    while core.running.load(Ordering::SeqCst) == 0 {
        anyhow::ensure!(std::time::Instant::now() < deadline, "s2 never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    token.cancel();
    let summary = tokio::time::timeout(PATIENCE, handle).await???;
    assert_eq!(summary.processed, 4, "{summary:?}");
    assert_eq!(summary.dlq, 2, "{summary:?}");
    let s2 = collect_json(
        &js,
        "RASD_ARTICLES",
        "rasd.articles.clean",
        4,
        Duration::from_millis(300),
        PATIENCE,
    )
    .await?;
    assert_eq!(
        count_by_id(&s2).get("s2"),
        Some(&1),
        "in-flight work finished before the runner returned"
    );
    assert_clean_consumer_settled(&js).await?;
    let text = metrics.encode();
    assert_eq!(
        metric_value(&text, r#"rasd_messages_failed_total{stage="clean"}"#),
        2.0,
        "{text}"
    );
    Ok(())
}

/// The last allowed delivery can be lost without a trace if the server
/// enforces `max_deliver`: a replica that dies (or whose in-progress acks
/// are lost) on that delivery leaves the input undeliverable and never
/// dead-lettered. The consumer therefore has no server-side limit and the
/// runner dead-letters an input delivered more than `max_deliver` times
/// before running the core on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_input_whose_deliveries_all_timed_out_is_dead_lettered_not_lost() -> anyhow::Result<()> {
    let _g = serial().await;
    let server = NatsServer::start()?;
    let (js, subjects) = streams(&server).await?;
    let args = ConsumerArgs {
        concurrency: 1,
        ack_wait: Duration::from_secs(1),
        max_deliver: 2,
        backoff: vec![Duration::from_millis(100)],
        ..Default::default()
    };
    let consumer =
        rasd_bus::provision::ensure_consumer(&js, &subjects, StageName::Clean, &args).await?;
    js.publish("rasd.articles.raw", b"ok:lost1".to_vec().into())
        .await?
        .await?;

    // Two deliveries that time out: a replica took each and died before
    // acking (the second is the last one `max_deliver` allows).
    use futures::StreamExt;
    for attempt in 1..=2i64 {
        let mut batch = consumer
            .fetch()
            .max_messages(1)
            .expires(Duration::from_secs(5))
            .messages()
            .await?;
        let deadline = std::time::Instant::now() + PATIENCE;
        let msg = loop {
            match tokio::time::timeout(Duration::from_secs(3), batch.next()).await {
                Ok(Some(m)) => break m.map_err(|e| anyhow::anyhow!("{e}"))?,
                _ => {
                    anyhow::ensure!(
                        std::time::Instant::now() < deadline,
                        "delivery {attempt} never came"
                    );
                    batch = consumer
                        .fetch()
                        .max_messages(1)
                        .expires(Duration::from_secs(5))
                        .messages()
                        .await?;
                }
            }
        };
        let delivered = msg.info().map_err(|e| anyhow::anyhow!("{e}"))?.delivered;
        assert_eq!(delivered, attempt);
        drop(msg);
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }

    let core = Arc::new(Moody::default());
    let token = CancellationToken::new();
    let handle = spawn_runner(
        &core,
        &js,
        &subjects,
        args,
        Arc::new(StageMetrics::new()),
        &token,
    );
    let letters = collect_json(
        &js,
        "RASD_DLQ",
        "rasd.dlq.clean",
        1,
        Duration::from_millis(500),
        Duration::from_secs(15),
    )
    .await?;
    token.cancel();
    tokio::time::timeout(PATIENCE, handle).await???;
    assert_eq!(
        letters.len(),
        1,
        "the input was neither processed nor dead-lettered"
    );
    let letter: DeadLetter = serde_json::from_value(letters[0].clone())?;
    assert_eq!(letter.reason, "max_deliver_exceeded");
    assert_eq!(letter.payload, "ok:lost1");
    assert!(
        core.calls.lock().unwrap().is_empty(),
        "the core must not run on a delivery past max_deliver"
    );
    Ok(())
}

/// Inputs that arrive together are processed as one chunk (one blocking
/// job): a panic in the middle of a chunk dead-letters that input only, and
/// every other input of the chunk is published and acked on its own.
#[tokio::test]
async fn a_chunk_of_inputs_gives_each_input_its_own_outcome() -> anyhow::Result<()> {
    let _g = serial().await;
    let server = NatsServer::start()?;
    let (js, subjects) = streams(&server).await?;
    // Everything is in the stream before the runner pulls, so its first
    // batch is full and is taken in chunks.
    let inputs = [
        "ok:c1", "panic:c2", "ok:c3", "ok:c4", "panic:c5", "ok:c6", "ok:c7", "ok:c8",
    ];
    for p in inputs {
        js.publish("rasd.articles.raw", p.as_bytes().to_vec().into())
            .await?
            .await?;
    }
    let core = Arc::new(Moody::default());
    let args = ConsumerArgs {
        concurrency: 1,
        batch: Some(8),
        ..Default::default()
    };
    let token = CancellationToken::new();
    let metrics = Arc::new(StageMetrics::new());
    let handle = spawn_runner(&core, &js, &subjects, args, metrics.clone(), &token);

    let outputs = collect_json(
        &js,
        "RASD_ARTICLES",
        "rasd.articles.clean",
        6,
        Duration::from_secs(1),
        PATIENCE,
    )
    .await?;
    let counts = count_by_id(&outputs);
    for id in ["c1", "c3", "c4", "c6", "c7", "c8"] {
        assert_eq!(counts.get(id), Some(&1), "{id}: {counts:?}");
    }
    assert_eq!(counts.len(), 6, "{counts:?}");
    let letters: Vec<DeadLetter> = collect_typed(
        &js,
        "RASD_DLQ",
        "rasd.dlq.clean",
        2,
        Duration::from_secs(1),
        PATIENCE,
    )
    .await?;
    let mut dead: Vec<&str> = letters.iter().map(|d| d.payload.as_str()).collect();
    dead.sort();
    assert_eq!(dead, ["panic:c2", "panic:c5"]);
    assert!(letters.iter().all(|d| d.reason == "stage_panic"));
    token.cancel();
    let summary = tokio::time::timeout(PATIENCE, handle).await???;
    assert_eq!(summary.processed, 6, "{summary:?}");
    assert_eq!(summary.dlq, 2, "{summary:?}");
    let calls = core.calls.lock().unwrap().clone();
    assert!(
        calls.values().all(|&n| n == 1),
        "nothing ran twice: {calls:?}"
    );
    // Chunks really formed: the eight inputs took fewer than eight jobs.
    // With one job at a time, whatever arrived while the first job ran is
    // the next chunk, so this holds however the batch trickles in.
    let text = metrics.encode();
    let metric = |name: &str| {
        let prefix = format!("rasd_chunk_inputs_{name}{{stage=\"clean\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(prefix.as_str())?.parse::<f64>().ok())
    };
    let (jobs, inputs) = (metric("count"), metric("sum"));
    assert_eq!(inputs, Some(8.0), "{text}");
    assert!(jobs.is_some_and(|j| j < 8.0), "one job per input: {text}");
    assert_clean_consumer_settled(&js).await?;
    Ok(())
}
