//! The fetch stage against a local HTTP server (never the internet): pages
//! become raw articles that flow on, server errors are retried with
//! backoff, and permanent failures land on the DLQ.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream;
use axum::{extract::State, http::StatusCode, response::Html, routing::get, Router};
use rasd_integration_tests::*;
use rasd_model::{DeadLetter, RawArticle};

const PATIENCE: Duration = Duration::from_secs(60);
const PAGE: &str = "<html><head><title>خبر</title></head><body><p>قتل ثلاثة مدنيين في قصف على ريف إدلب.</p></body></html>";

#[derive(Clone, Default)]
struct Hits {
    flaky: Arc<AtomicUsize>,
    down: Arc<AtomicUsize>,
}

async fn start_site() -> anyhow::Result<(String, Hits)> {
    let hits = Hits::default();
    let app = Router::new()
        .route("/article", get(|| async { Html(PAGE) }))
        .route(
            "/flaky",
            get(|State(h): State<Hits>| async move {
                // Fails twice, then serves the page.
                if h.flaky.fetch_add(1, Ordering::SeqCst) < 2 {
                    Err(StatusCode::SERVICE_UNAVAILABLE)
                } else {
                    Ok(Html(PAGE))
                }
            }),
        )
        .route(
            "/down",
            get(|State(h): State<Hits>| async move {
                h.down.fetch_add(1, Ordering::SeqCst);
                StatusCode::BAD_GATEWAY
            }),
        )
        .route("/gone", get(|| async { StatusCode::NOT_FOUND }))
        .with_state(hits.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((format!("http://{addr}"), hits))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetched_pages_become_raw_articles_and_failures_are_retried_or_dead_lettered(
) -> anyhow::Result<()> {
    let _g = serial().await;
    let (site, hits) = start_site().await?;
    let server = NatsServer::start()?;
    let mut fetch = RasdProcess::spawn(
        &server.url(),
        &["stage", "fetch", "--backoff", "100ms", "--max-deliver", "3"],
    )?;
    let client = server.connect().await?;
    let js = jetstream::new(client);
    wait_for_consumer(&js, "RASD_FETCH", "fetch", PATIENCE).await?;

    let urls: Vec<String> = ["article", "flaky", "down", "gone"]
        .iter()
        .map(|p| format!("{site}/{p}"))
        .collect();
    let mut args = vec!["publish", "--fetch"];
    args.extend(urls.iter().map(String::as_str));
    let (status, _, stderr) = rasd_run(&server.url(), &args)?;
    assert!(status.success(), "{stderr}");

    let raw: Vec<RawArticle> = collect_typed(
        &js,
        "RASD_ARTICLES",
        "rasd.articles.raw",
        2,
        Duration::from_secs(1),
        PATIENCE,
    )
    .await?;
    assert_eq!(raw.len(), 2, "{raw:?}");
    for a in &raw {
        assert_eq!(a.html.as_deref(), Some(PAGE));
        assert_eq!(a.source.as_deref(), Some("127.0.0.1"));
        assert!(a.id.as_deref().is_some_and(|id| id.starts_with("url-")));
    }
    let mut got: Vec<&str> = raw.iter().filter_map(|a| a.url.as_deref()).collect();
    got.sort();
    assert_eq!(got, [urls[0].as_str(), urls[1].as_str()]);
    assert_eq!(
        hits.flaky.load(Ordering::SeqCst),
        3,
        "two 503s retried, then success"
    );

    let letters: Vec<DeadLetter> = collect_typed(
        &js,
        "RASD_DLQ",
        "rasd.dlq.fetch",
        2,
        Duration::from_secs(1),
        PATIENCE,
    )
    .await?;
    let mut reasons: Vec<&str> = letters.iter().map(|d| d.reason.as_str()).collect();
    reasons.sort();
    assert_eq!(
        reasons,
        ["http_status", "max_deliver_exceeded"],
        "{letters:?}"
    );
    assert_eq!(
        hits.down.load(Ordering::SeqCst),
        3,
        "502 retried up to --max-deliver"
    );
    assert!(fetch
        .terminate(Duration::from_secs(15))
        .is_some_and(|s| s.success()));
    Ok(())
}

/// A chunked response without Content-Length that never ends: the stage
/// must stop reading once the body passes `--max-article-bytes` and
/// dead-letter the URL as too large, not buffer it until the fetch timeout
/// (or out of memory).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_chunked_body_is_cut_off_at_the_size_limit() -> anyhow::Result<()> {
    let _g = serial().await;
    let served = Arc::new(AtomicUsize::new(0));
    let chunk = bytes::Bytes::from(vec![b'a'; 16 * 1024]);
    let app = Router::new()
        .route(
            "/endless",
            get(|State(served): State<Arc<AtomicUsize>>| async move {
                let body = futures::stream::repeat_with(move || {
                    served.fetch_add(chunk.len(), Ordering::SeqCst);
                    Ok::<_, std::io::Error>(chunk.clone())
                });
                axum::body::Body::from_stream(body)
            }),
        )
        .with_state(served.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });

    let server = NatsServer::start()?;
    let limit = 200_000usize;
    let limit_arg = limit.to_string();
    let mut fetch = RasdProcess::spawn(
        &server.url(),
        &[
            "stage",
            "fetch",
            "--max-article-bytes",
            &limit_arg,
            "--fetch-timeout",
            "120s",
        ],
    )?;
    let client = server.connect().await?;
    let js = jetstream::new(client);
    wait_for_consumer(&js, "RASD_FETCH", "fetch", PATIENCE).await?;
    let url = format!("http://{addr}/endless");
    let (status, _, stderr) = rasd_run(&server.url(), &["publish", "--fetch", &url])?;
    assert!(status.success(), "{stderr}");

    // Far shorter than the fetch timeout: the limit, not the timeout, ends it.
    let letters = collect_json(
        &js,
        "RASD_DLQ",
        "rasd.dlq.fetch",
        1,
        Duration::from_millis(500),
        Duration::from_secs(20),
    )
    .await?;
    assert_eq!(letters.len(), 1, "no dead letter for the endless body");
    let letter: DeadLetter = serde_json::from_value(letters[0].clone())?;
    assert_eq!(letter.reason, "too_large", "{letter:?}");
    assert_eq!(
        subject_count(&js, "RASD_ARTICLES", "rasd.articles.raw").await?,
        0
    );
    assert!(fetch
        .terminate(Duration::from_secs(15))
        .is_some_and(|s| s.success()));
    Ok(())
}
