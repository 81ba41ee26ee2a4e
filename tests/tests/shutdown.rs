//! Graceful shutdown with a backlog: a stage that gets SIGTERM or SIGINT
//! while thousands of inputs wait must exit 0 promptly, leave nothing
//! ack-pending, and lose nothing: after a restart every article comes out
//! exactly once and the DLQ stays empty. (A runner that keeps pulling while
//! it NAKs its buffer redelivers the same messages until `max_deliver` and
//! the server then drops them silently.)

use std::collections::HashMap;
use std::time::{Duration, Instant};

use async_nats::jetstream;
use rasd_integration_tests::*;

const PATIENCE: Duration = Duration::from_secs(120);
/// Pull batch of the stage under test (`--batch`).
const BATCH: usize = 8;
/// The restart must finish well within the stage's `--ack-wait 90s`.
const RESTART_LIMIT: Duration = Duration::from_secs(60);

async fn backlog_survives_a_signal(signal: &str) -> anyhow::Result<()> {
    let _g = serial().await;
    let server = NatsServer::start()?;
    let client = server.connect().await?;
    let js = jetstream::new(client);
    let stage_args = [
        "stage",
        "clean",
        "--concurrency",
        "1",
        "--batch",
        "8",
        "--ack-wait",
        "90s",
    ];
    let mut clean = RasdProcess::spawn(&server.url(), &stage_args)?;
    wait_for_consumer(&js, "RASD_ARTICLES", "clean", PATIENCE).await?;

    let n = 3000;
    let prefix = format!("sig{}", signal.to_lowercase());
    publish_articles(&js, "rasd.articles.raw", &short_articles(&prefix, n)?).await?;
    wait_for_count(&js, "RASD_ARTICLES", "rasd.articles.clean", 100, PATIENCE).await?;

    let sent = Instant::now();
    let status = clean.signal(signal, Duration::from_secs(15));
    let took = sent.elapsed();
    assert!(
        status.is_some_and(|s| s.success()),
        "SIG{signal}: exit status {status:?} after {took:?}\n{}",
        clean.log()
    );
    assert!(
        took < Duration::from_secs(10),
        "SIG{signal}: exit took {took:?}"
    );
    let at_stop = subject_count(&js, "RASD_ARTICLES", "rasd.articles.clean").await?;
    assert!(
        at_stop < n as u64,
        "the stage finished before the signal ({at_stop}); the test proves nothing"
    );
    // NAKed messages stay ack-pending on the server until redelivered, so
    // at most the unstarted rest of one pull batch may be left; more means
    // messages stranded until the ack wait.
    let info = js
        .get_stream("RASD_ARTICLES")
        .await?
        .consumer_info("clean")
        .await?;
    assert!(
        info.num_ack_pending <= BATCH,
        "SIG{signal}: {} messages left ack-pending after exit\n{}",
        info.num_ack_pending,
        clean.log()
    );

    // The ack wait is far longer than the restart needs: anything stranded
    // (not NAKed) would miss the deadline.
    let restarted = Instant::now();
    let mut again = RasdProcess::spawn(&server.url(), &stage_args)?;
    let cleaned = collect_json(
        &js,
        "RASD_ARTICLES",
        "rasd.articles.clean",
        n,
        Duration::from_secs(2),
        RESTART_LIMIT,
    )
    .await?;
    assert!(
        restarted.elapsed() < RESTART_LIMIT,
        "SIG{signal}: the restart took {:?}",
        restarted.elapsed()
    );
    let counts = count_by_id(&cleaned);
    let missing = (0..n)
        .filter(|i| !counts.contains_key(&format!("{prefix}-{i}")))
        .count();
    let twice: HashMap<&String, &usize> = counts.iter().filter(|(_, c)| **c > 1).collect();
    assert_eq!(
        missing, 0,
        "SIG{signal}: {missing} of {n} articles never came out"
    );
    assert!(twice.is_empty(), "SIG{signal}: duplicates {twice:?}");
    assert_eq!(counts.len(), n);
    let dlq = subject_count(&js, "RASD_DLQ", "rasd.dlq.>")
        .await
        .unwrap_or(0);
    assert_eq!(dlq, 0, "SIG{signal}: {dlq} dead letters");
    assert!(again
        .terminate(Duration::from_secs(15))
        .is_some_and(|s| s.success()));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_a_backlog_exits_cleanly_and_loses_nothing() -> anyhow::Result<()> {
    backlog_survives_a_signal("TERM").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_with_a_backlog_exits_cleanly_and_loses_nothing() -> anyhow::Result<()> {
    backlog_survives_a_signal("INT").await
}

/// A stage told to stop while it still waits for NATS (nothing provisioned,
/// nothing started) stops cleanly: exit 0, not a failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_before_nats_is_reachable_is_a_clean_stop() -> anyhow::Result<()> {
    let _g = serial().await;
    let nowhere = format!("nats://127.0.0.1:{}", free_port());
    let mut stage = RasdProcess::spawn(&nowhere, &["stage", "clean"])?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !stage.log().contains("cannot provision streams yet") {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the stage never tried to provision\n{}",
            stage.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = stage.signal("TERM", Duration::from_secs(10));
    assert!(
        status.is_some_and(|s| s.success()),
        "exit status {status:?}\n{}",
        stage.log()
    );
    Ok(())
}
