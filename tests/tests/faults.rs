//! Fault tolerance against a real nats-server and real `rasd` processes:
//! replicas share work exactly, a SIGKILLed stage loses and duplicates
//! nothing after a restart, and the stages ride out a server restart.

use std::collections::HashMap;
use std::time::Duration;

use async_nats::jetstream;
use rasd_integration_tests::*;

const PATIENCE: Duration = Duration::from_secs(120);

fn assert_each_exactly_once(counts: &HashMap<String, usize>, prefix: &str, n: usize) {
    let missing: Vec<usize> = (0..n)
        .filter(|i| !counts.contains_key(&format!("{prefix}-{i}")))
        .collect();
    let twice: Vec<(&String, &usize)> = counts.iter().filter(|(_, c)| **c > 1).collect();
    assert!(
        missing.is_empty(),
        "{} articles never came out, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    assert!(
        twice.is_empty(),
        "{} articles came out more than once, e.g. {:?}",
        twice.len(),
        &twice[..twice.len().min(10)]
    );
    assert_eq!(
        counts.len(),
        n,
        "unexpected ids: {:?}",
        counts
            .keys()
            .filter(|k| !k.starts_with(prefix))
            .collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_of_a_stage_share_the_work_and_the_total_is_exact() -> anyhow::Result<()> {
    let _g = serial().await;
    let server = NatsServer::start()?;
    let _clean = RasdProcess::spawn(&server.url(), &["stage", "clean"])?;
    // Two distinct metrics ports (a released port can be handed out again).
    let pa = free_port();
    let pb = std::iter::repeat_with(free_port)
        .find(|&p| p != pa)
        .expect("an endless iterator");
    let (ma, mb) = (format!("127.0.0.1:{pa}"), format!("127.0.0.1:{pb}"));
    let mut tag_a = RasdProcess::spawn(
        &server.url(),
        &["stage", "tag", "--concurrency", "1", "--metrics-addr", &ma],
    )?;
    let mut tag_b = RasdProcess::spawn(
        &server.url(),
        &["stage", "tag", "--concurrency", "1", "--metrics-addr", &mb],
    )?;
    let client = server.connect().await?;
    let js = jetstream::new(client);
    wait_for_consumer(&js, "RASD_ARTICLES", "tag", PATIENCE).await?;
    // Both replicas are bound when two pull requests wait on the consumer.
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let info = js
            .get_stream("RASD_ARTICLES")
            .await?
            .consumer_info("tag")
            .await?;
        if info.num_waiting >= 2 {
            break;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "tag replicas never both pulled ({} waiting); replica A log:\n{}\nreplica B log:\n{}",
            info.num_waiting,
            tag_a.log(),
            tag_b.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let n = 600;
    publish_articles(&js, "rasd.articles.raw", &synthetic_articles("rep", n)?).await?;
    let tagged = collect_json(
        &js,
        "RASD_ARTICLES",
        "rasd.articles.tagged",
        n,
        Duration::from_secs(1),
        PATIENCE,
    )
    .await?;
    assert_each_exactly_once(&count_by_id(&tagged), "rep", n);

    let series = r#"rasd_messages_processed_total{stage="tag"}"#;
    let a = metric_value(&http_get(&ma, "/metrics")?, series);
    let b = metric_value(&http_get(&mb, "/metrics")?, series);
    assert!(a > 0.0 && b > 0.0, "both replicas must work: {a} + {b}");
    assert_eq!(a + b, n as f64, "replica A processed {a}, B {b}");
    assert!(tag_a
        .terminate(Duration::from_secs(15))
        .is_some_and(|s| s.success()));
    assert!(tag_b
        .terminate(Duration::from_secs(15))
        .is_some_and(|s| s.success()));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkilled_stage_restarts_and_every_article_comes_out_once() -> anyhow::Result<()> {
    let _g = serial().await;
    let server = NatsServer::start()?;
    let stage_args = ["stage", "tag", "--ack-wait", "2s"];
    let _clean = RasdProcess::spawn(&server.url(), &["stage", "clean", "--ack-wait", "2s"])?;
    let mut tag = RasdProcess::spawn(&server.url(), &stage_args)?;
    let client = server.connect().await?;
    let js = jetstream::new(client);
    wait_for_consumer(&js, "RASD_ARTICLES", "tag", PATIENCE).await?;

    let n = 2000;
    let articles = short_articles("kill", n)?;
    let publisher = {
        let js = js.clone();
        tokio::spawn(async move { publish_articles(&js, "rasd.articles.raw", &articles).await })
    };
    // Kill the tag stage while articles flow through it.
    wait_for_count(&js, "RASD_ARTICLES", "rasd.articles.tagged", 300, PATIENCE).await?;
    tag.kill();
    let at_kill = subject_count(&js, "RASD_ARTICLES", "rasd.articles.tagged").await?;
    assert!(
        at_kill < n as u64,
        "the stage finished before it was killed ({at_kill}); the test proves nothing"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _tag_again = RasdProcess::spawn(&server.url(), &stage_args)?;
    publisher.await??;

    // Wait past the ack wait so any redelivery would have shown up.
    let tagged = collect_json(
        &js,
        "RASD_ARTICLES",
        "rasd.articles.tagged",
        n,
        Duration::from_secs(5),
        PATIENCE,
    )
    .await?;
    assert_each_exactly_once(&count_by_id(&tagged), "kill", n);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stages_ride_out_a_nats_server_restart_without_losing_anything() -> anyhow::Result<()> {
    let _g = serial().await;
    let mut server = NatsServer::start()?;
    let mut stages = RasdProcess::spawn(
        &server.url(),
        &["run", "--only", "clean,tag", "--ack-wait", "3s"],
    )?;
    let client = server.connect().await?;
    let js = jetstream::new(client);
    wait_for_consumer(&js, "RASD_ARTICLES", "tag", PATIENCE).await?;

    let n_before = 1000;
    publish_articles(
        &js,
        "rasd.articles.raw",
        &short_articles("before", n_before)?,
    )
    .await?;
    wait_for_count(&js, "RASD_ARTICLES", "rasd.articles.tagged", 100, PATIENCE).await?;
    server.stop();
    tokio::time::sleep(Duration::from_secs(1)).await;
    server.restart()?;

    // The test's own client reconnects too; publish more after the restart.
    let n_after = 200;
    let after = short_articles("after", n_after)?;
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        match publish_articles(&js, "rasd.articles.raw", &after).await {
            Ok(()) => break,
            Err(e) if std::time::Instant::now() < deadline => {
                eprintln!("publish after restart: {e}; retrying");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => return Err(e),
        }
    }
    let tagged = collect_json(
        &js,
        "RASD_ARTICLES",
        "rasd.articles.tagged",
        n_before + n_after,
        Duration::from_secs(4),
        PATIENCE,
    )
    .await?;
    let counts = count_by_id(&tagged);
    let before: HashMap<String, usize> = counts
        .iter()
        .filter(|(k, _)| k.starts_with("before-"))
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    let after: HashMap<String, usize> = counts
        .iter()
        .filter(|(k, _)| k.starts_with("after-"))
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    assert_each_exactly_once(&before, "before", n_before);
    assert_each_exactly_once(&after, "after", n_after);
    assert!(
        stages.is_running(),
        "the stages must survive the restart unaided:\n{}",
        stages.log()
    );
    assert!(stages
        .terminate(Duration::from_secs(15))
        .is_some_and(|s| s.success()));
    Ok(())
}
