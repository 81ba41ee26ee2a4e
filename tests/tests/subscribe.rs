//! `rasd subscribe --count N --idle-timeout T` is how scripts (the demo)
//! wait for results: it must fail when fewer than N messages arrived.

use async_nats::jetstream;
use rasd_integration_tests::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_fails_when_the_idle_timeout_ends_it_before_count() -> anyhow::Result<()> {
    let _g = serial().await;
    let server = NatsServer::start()?;
    let (status, _, err) = rasd_run(&server.url(), &["setup"])?;
    assert!(status.success(), "{err}");
    let client = server.connect().await?;
    let js = jetstream::new(client);
    publish_articles(&js, "rasd.articles.raw", &short_articles("sub", 2)?).await?;

    let wait_for = |count: &str| {
        rasd_run(
            &server.url(),
            &[
                "subscribe",
                "--raw",
                "--all",
                "--count",
                count,
                "--idle-timeout",
                "1s",
            ],
        )
    };
    let (status, out, err) = wait_for("2")?;
    assert!(status.success(), "all 2 arrived: {err}");
    assert_eq!(out.lines().count(), 2);

    let (status, out, err) = wait_for("3")?;
    assert!(!status.success(), "only 2 of 3 arrived but it succeeded");
    assert_eq!(out.lines().count(), 2, "what did arrive is still printed");
    assert!(err.contains("only 2 of 3"), "{err}");
    Ok(())
}
