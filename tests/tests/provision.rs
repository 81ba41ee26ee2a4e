//! Consumer settings are shared by every replica of a stage: a replica
//! started with other flags must not overwrite them (it warns instead);
//! only `rasd setup` changes them.

use std::time::{Duration, Instant};

use async_nats::jetstream;
use rasd_integration_tests::*;

const PATIENCE: Duration = Duration::from_secs(60);

async fn clean_ack_wait(js: &jetstream::Context) -> anyhow::Result<Duration> {
    Ok(js
        .get_stream("RASD_ARTICLES")
        .await?
        .consumer_info("clean")
        .await?
        .config
        .ack_wait)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stage_keeps_the_existing_consumer_and_only_setup_changes_it() -> anyhow::Result<()> {
    let _g = serial().await;
    let server = NatsServer::start()?;
    let client = server.connect().await?;
    let js = jetstream::new(client);

    let (status, _, err) = rasd_run(&server.url(), &["setup", "--ack-wait", "40s"])?;
    assert!(status.success(), "{err}");
    assert_eq!(clean_ack_wait(&js).await?, Duration::from_secs(40));

    let mut stage = RasdProcess::spawn(&server.url(), &["stage", "clean", "--ack-wait", "3s"])?;
    let deadline = Instant::now() + PATIENCE;
    while !stage.log().contains("consuming") {
        anyhow::ensure!(
            Instant::now() < deadline,
            "stage never started\n{}",
            stage.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        clean_ack_wait(&js).await?,
        Duration::from_secs(40),
        "a replica start overwrote the shared consumer"
    );
    assert!(
        stage.log().contains("differs"),
        "the difference is not reported:\n{}",
        stage.log()
    );

    let (status, _, err) = rasd_run(&server.url(), &["setup", "--ack-wait", "7s"])?;
    assert!(status.success(), "{err}");
    assert_eq!(clean_ack_wait(&js).await?, Duration::from_secs(7));
    assert!(stage
        .terminate(Duration::from_secs(15))
        .is_some_and(|s| s.success()));
    Ok(())
}
