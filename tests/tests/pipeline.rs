//! End-to-end behaviour of the pipeline against a real nats-server and the
//! real `rasd` binary: seeds come out tagged with their ids, bad input goes
//! to the DLQ without stopping a stage, publishing twice gives one output,
//! and every stage is observable (metrics, service API, status).

use std::time::Duration;

use async_nats::jetstream;
use rasd_integration_tests::*;
use rasd_model::{DeadLetter, TaggedArticle};

const PATIENCE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeds_come_out_tagged_with_their_original_ids() -> anyhow::Result<()> {
    let _g = serial().await;
    let server = NatsServer::start()?;
    let mut stages = RasdProcess::spawn(&server.url(), &["run"])?;
    let client = server.connect().await?;
    let js = jetstream::new(client);
    wait_for_consumer(&js, "RASD_ARTICLES", "clean", PATIENCE).await?;

    let seeds = repo_root().join("seeds");
    let (status, _, stderr) = rasd_run(&server.url(), &["publish", seeds.to_str().unwrap()])?;
    assert!(status.success(), "publish failed: {stderr}");
    assert!(stderr.contains("published 5"), "{stderr}");

    let tagged = collect_json(
        &js,
        "RASD_ARTICLES",
        "rasd.articles.tagged",
        5,
        Duration::from_secs(1),
        PATIENCE,
    )
    .await?;
    let mut ids: Vec<String> = tagged
        .iter()
        .map(|v| v["id"].as_str().unwrap_or("").to_string())
        .collect();
    ids.sort();
    let mut expected: Vec<String> = std::fs::read_dir(&seeds)?
        .filter_map(|e| e.ok())
        .map(|e| e.path().file_stem().unwrap().to_string_lossy().to_string())
        .collect();
    expected.sort();
    assert_eq!(ids, expected, "stage log:\n{}", stages.log());
    for v in &tagged {
        let t: TaggedArticle = serde_json::from_value(v.clone())?;
        assert!(
            !t.article.text.is_empty(),
            "tagged article {} has no text",
            t.article.id
        );
        assert!(
            !t.article.title.is_empty(),
            "the first line of a .txt is its title"
        );
    }
    // The aggregate stage counted each of them once.
    let snaps = collect_json(
        &js,
        "RASD_AGGREGATES",
        "rasd.aggregates.entities",
        5,
        Duration::from_millis(500),
        PATIENCE,
    )
    .await?;
    assert_eq!(snaps.len(), 5);
    assert!(snaps.iter().any(|s| s["total_articles"] == 5), "{snaps:?}");

    let exit = stages.terminate(Duration::from_secs(15));
    assert!(
        exit.is_some_and(|s| s.success()),
        "SIGTERM must exit 0; log:\n{}",
        stages.log()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_goes_to_the_dlq_with_its_reason_and_the_stage_keeps_going() -> anyhow::Result<()>
{
    let _g = serial().await;
    let server = NatsServer::start()?;
    let mut clean = RasdProcess::spawn(
        &server.url(),
        &["stage", "clean", "--max-article-bytes", "16384"],
    )?;
    let mut tag = RasdProcess::spawn(&server.url(), &["stage", "tag"])?;
    let client = server.connect().await?;
    let js = jetstream::new(client);
    wait_for_consumer(&js, "RASD_ARTICLES", "clean", PATIENCE).await?;
    wait_for_consumer(&js, "RASD_ARTICLES", "tag", PATIENCE).await?;

    let oversize =
        serde_json::to_vec(&serde_json::json!({"id": "big", "text": "ب".repeat(10_000)}))?;
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("malformed_json", br#"{"id": "m", "text": "#.to_vec()),
        ("invalid_utf8", vec![b'{', 0xff, 0xfe, b'}']),
        (
            "empty_text",
            br#"{"id":"e","title":"only a title","text":"   "}"#.to_vec(),
        ),
        ("too_large", oversize),
        (
            "unknown_schema_version",
            r#"{"schema_version": 99, "id":"v","text":"نص"}"#.as_bytes().to_vec(),
        ),
    ];
    for (_, payload) in &bad {
        js.publish("rasd.articles.raw", payload.clone().into())
            .await?
            .await?;
    }
    // Garbage on the tag stage's input too.
    js.publish("rasd.articles.clean", b"not json at all".to_vec().into())
        .await?
        .await?;
    // Good input after the bad.
    let good = synthetic_articles("good", 3)?;
    publish_articles(&js, "rasd.articles.raw", &good).await?;

    let letters: Vec<DeadLetter> = collect_typed(
        &js,
        "RASD_DLQ",
        "rasd.dlq.>",
        6,
        Duration::from_secs(1),
        PATIENCE,
    )
    .await?;
    let clean_reasons: Vec<&str> = letters
        .iter()
        .filter(|d| d.stage == "clean")
        .map(|d| d.reason.as_str())
        .collect();
    for (reason, payload) in &bad {
        assert!(
            clean_reasons.contains(reason),
            "no {reason} dead letter in {clean_reasons:?}"
        );
        let d = letters
            .iter()
            .find(|d| d.stage == "clean" && d.reason == *reason)
            .unwrap();
        assert_eq!(d.subject, "rasd.articles.raw");
        assert!(!d.error.is_empty());
        if *reason != "too_large" {
            assert_eq!(
                &d.payload_bytes(),
                payload,
                "the dead letter keeps the input verbatim"
            );
        }
    }
    assert_eq!(
        letters
            .iter()
            .find(|d| d.reason == "invalid_utf8")
            .unwrap()
            .payload_encoding,
        "base64"
    );
    let tag_letters: Vec<_> = letters.iter().filter(|d| d.stage == "tag").collect();
    assert_eq!(tag_letters.len(), 1);
    assert_eq!(tag_letters[0].reason, "malformed_json");
    let all_reasons: Vec<(&str, &str)> = letters
        .iter()
        .map(|d| (d.stage.as_str(), d.reason.as_str()))
        .collect();
    assert_eq!(
        letters.len(),
        6,
        "exactly one dead letter per bad input: {all_reasons:?}"
    );

    let tagged = collect_json(
        &js,
        "RASD_ARTICLES",
        "rasd.articles.tagged",
        3,
        Duration::from_millis(500),
        PATIENCE,
    )
    .await?;
    let counts = count_by_id(&tagged);
    for g in &good {
        assert_eq!(
            counts.get(g["id"].as_str().unwrap()),
            Some(&1),
            "{counts:?}"
        );
    }
    assert!(
        clean.is_running() && tag.is_running(),
        "a stage died on bad input:\n{}",
        clean.log()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_article_published_twice_comes_out_once() -> anyhow::Result<()> {
    let _g = serial().await;
    let server = NatsServer::start()?;
    let _stages = RasdProcess::spawn(&server.url(), &["run", "--only", "clean,tag"])?;
    let client = server.connect().await?;
    let js = jetstream::new(client);
    wait_for_consumer(&js, "RASD_ARTICLES", "tag", PATIENCE).await?;

    // Twice through `rasd publish` (same file → same id → same msg id) ...
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("twice.json");
    std::fs::write(
        &file,
        serde_json::to_vec(&synthetic_articles("twice", 1)?[0])?,
    )?;
    for _ in 0..2 {
        let (status, _, stderr) = rasd_run(&server.url(), &["publish", file.to_str().unwrap()])?;
        assert!(status.success(), "{stderr}");
    }
    // ... and twice with no id and no message id at all: the stages derive
    // the same id from the text and de-duplicate their outputs.
    let anonymous = serde_json::json!({"title": "بلا معرف", "text": seed_texts()?[0].1});
    for _ in 0..2 {
        js.publish("rasd.articles.raw", serde_json::to_vec(&anonymous)?.into())
            .await?
            .await?;
    }

    let tagged = collect_json(
        &js,
        "RASD_ARTICLES",
        "rasd.articles.tagged",
        2,
        Duration::from_secs(3),
        PATIENCE,
    )
    .await?;
    let counts = count_by_id(&tagged);
    assert_eq!(counts.len(), 2, "{counts:?}");
    assert_eq!(counts.get("twice-0"), Some(&1));
    let anon_id = counts
        .keys()
        .find(|k| k.starts_with("txt-"))
        .expect("a text-hash id");
    assert_eq!(counts[anon_id], 1);
    let raw = collect_json(
        &js,
        "RASD_ARTICLES",
        "rasd.articles.raw",
        3,
        Duration::from_millis(500),
        PATIENCE,
    )
    .await?;
    assert_eq!(
        raw.len(),
        3,
        "the raw stream dropped the second publish of twice-0"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stages_expose_metrics_service_api_and_status() -> anyhow::Result<()> {
    let _g = serial().await;
    let server = NatsServer::start()?;
    let metrics_addr = format!("127.0.0.1:{}", free_port());
    let mut clean = RasdProcess::spawn(
        &server.url(),
        &["stage", "clean", "--metrics-addr", &metrics_addr],
    )?;
    let client = server.connect().await?;
    let js = jetstream::new(client.clone());
    wait_for_consumer(&js, "RASD_ARTICLES", "clean", PATIENCE).await?;

    publish_articles(&js, "rasd.articles.raw", &synthetic_articles("obs", 3)?).await?;
    js.publish("rasd.articles.raw", b"{broken".to_vec().into())
        .await?
        .await?;
    collect_json(
        &js,
        "RASD_ARTICLES",
        "rasd.articles.clean",
        3,
        Duration::from_millis(300),
        PATIENCE,
    )
    .await?;
    collect_json(
        &js,
        "RASD_DLQ",
        "rasd.dlq.clean",
        1,
        Duration::from_millis(300),
        PATIENCE,
    )
    .await?;

    // Prometheus endpoint. Counters are incremented after the ack, so poll
    // until they settle instead of reading once.
    let processed_series = r#"rasd_messages_processed_total{stage="clean"}"#;
    let count_series = r#"rasd_processing_seconds_count{stage="clean"}"#;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let text = loop {
        let text = http_get(&metrics_addr, "/metrics")?;
        let settled = metric_value(&text, processed_series) >= 3.0
            && metric_value(&text, count_series) >= 4.0;
        if settled || std::time::Instant::now() > deadline {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        metric_value(&text, r#"rasd_messages_processed_total{stage="clean"}"#),
        3.0,
        "{text}"
    );
    assert_eq!(
        metric_value(
            &text,
            r#"rasd_messages_dlq_total{stage="clean",reason="malformed_json"}"#
        ),
        1.0,
        "{text}"
    );
    assert_eq!(
        metric_value(&text, r#"rasd_processing_seconds_count{stage="clean"}"#),
        4.0,
        "{text}"
    );

    // NATS service API.
    let ping = client.request("$SRV.PING.rasd-clean", "".into()).await?;
    let ping: serde_json::Value = serde_json::from_slice(&ping.payload)?;
    assert_eq!(ping["name"], "rasd-clean");
    let info = client.request("$SRV.INFO.rasd-clean", "".into()).await?;
    let info: serde_json::Value = serde_json::from_slice(&info.payload)?;
    assert_eq!(info["metadata"]["stage"], "clean");
    let stats = client.request("$SRV.STATS.rasd-clean", "".into()).await?;
    let stats: serde_json::Value = serde_json::from_slice(&stats.payload)?;
    assert_eq!(stats["name"], "rasd-clean");
    let status = client.request("rasd.svc.clean.status", "".into()).await?;
    let status: serde_json::Value = serde_json::from_slice(&status.payload)?;
    assert_eq!(status["processed"], 3);
    assert_eq!(status["dlq"], 1);

    // `rasd status` reads lag and DLQ counts from JetStream.
    let (ok, out, err) = rasd_run(&server.url(), &["status", "--json"])?;
    assert!(ok.success(), "{err}");
    let s: serde_json::Value = serde_json::from_str(&out)?;
    let clean_row = s["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["stage"] == "clean")
        .unwrap()
        .clone();
    assert_eq!(clean_row["dlq"], 1, "{out}");
    assert_eq!(clean_row["pending"], 0, "{out}");
    assert_eq!(clean_row["consumer"], true);
    let tag_row = s["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["stage"] == "tag")
        .unwrap()
        .clone();
    assert_eq!(tag_row["consumer"], false, "no tag stage was started");

    assert!(clean
        .terminate(Duration::from_secs(15))
        .is_some_and(|s| s.success()));
    Ok(())
}

/// The threads of a process whose names start with `prefix` (Linux keeps
/// the first 15 bytes of a thread's name in `/proc/<pid>/task/*/comm`).
#[cfg(target_os = "linux")]
fn threads_named(pid: u32, prefix: &str) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|tasks| {
            tasks
                .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
                .filter(|name| name.starts_with(prefix))
                .count()
        })
        .unwrap_or(0)
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_cpu_bound_stage_runs_on_threads_of_its_own_sharing_out_the_cores(
) -> anyhow::Result<()> {
    let _g = serial().await;
    let server = NatsServer::start()?;
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    // `rasd run`: clean, tag and aggregate share the cores (fetch waits on
    // HTTP and has none); `rasd stage tag` alone takes them all.
    let all = RasdProcess::spawn(&server.url(), &["run"])?;
    let tag = RasdProcess::spawn(&server.url(), &["stage", "tag"])?;
    let share = (cores / 3).max(1);
    let want = [
        (&all, "clean-", share),
        (&all, "tag-", share),
        (&all, "aggregate-", share),
        (&all, "fetch-", 0),
        (&tag, "tag-", cores),
    ];
    let wanted: Vec<usize> = want.iter().map(|w| w.2).collect();
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let seen: Vec<usize> = want
            .iter()
            .map(|(p, prefix, _)| threads_named(p.pid(), prefix))
            .collect();
        if seen == wanted {
            break;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "CPU threads (clean, tag, aggregate, fetch of `run`; tag of `stage tag`): \
             {seen:?}, expected {wanted:?}\nrun log:\n{}",
            all.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}
