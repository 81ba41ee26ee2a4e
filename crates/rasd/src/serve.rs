//! Running stages: `rasd stage <name>` (one stage per process, the unit to
//! scale) and `rasd run` (every stage in one process, for demos and small
//! deployments). Both provision the streams, expose metrics and the NATS
//! service API, and stop gracefully on SIGINT/SIGTERM.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::jetstream;
use rasd_bus::{
    metrics, provision, service, ConsumerArgs, NatsArgs, StageMetrics, StageRunner, StreamArgs,
};
use rasd_model::StageName;
use tokio_util::sync::CancellationToken;

use crate::stages::{AggregateStage, CleanStage, FetchStage, TagStage};

/// Settings of the stage processes.
#[derive(Debug, Clone, clap::Args)]
pub struct StageOptions {
    #[command(flatten)]
    pub consumer: ConsumerArgs,
    #[command(flatten)]
    pub streams: StreamArgs,
    /// Serve Prometheus metrics on this address (e.g. 0.0.0.0:9464).
    #[arg(long, env = "RASD_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    /// Timeout of one HTTP fetch (fetch stage).
    #[arg(long, env = "RASD_FETCH_TIMEOUT", default_value = "20s", value_parser = humantime::parse_duration)]
    pub fetch_timeout: Duration,
}

/// A token cancelled on SIGINT or SIGTERM.
pub fn shutdown_on_signals() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let mut term = match signal(SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "cannot listen for SIGTERM");
                    let _ = tokio::signal::ctrl_c().await;
                    t.cancel();
                    return;
                }
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: shutting down"),
                _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        t.cancel();
        // A second Ctrl-C means "now": in-flight inputs are not acked and
        // will be redelivered (and de-duplicated) after the ack wait.
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("rasd: second interrupt; exiting without finishing in-flight work");
        std::process::exit(130);
    });
    token
}

/// JetStream context with a publish-ack timeout suited to the stages.
pub fn jetstream_context(client: async_nats::Client) -> jetstream::Context {
    jetstream::ContextBuilder::new()
        .timeout(Duration::from_secs(10))
        .build(client)
}

/// Provision the streams, retrying while NATS is not reachable yet. False
/// when a shutdown signal came first.
pub async fn provision_streams(
    js: &jetstream::Context,
    nats: &NatsArgs,
    streams: &StreamArgs,
    shutdown: &CancellationToken,
) -> anyhow::Result<bool> {
    let subjects = nats.subjects();
    let mut pause = Duration::from_millis(250);
    loop {
        match provision::ensure_streams(js, &subjects, streams).await {
            Ok(()) => return Ok(true),
            Err(e) => {
                tracing::warn!(error = %e, "cannot provision streams yet; retrying");
                tokio::select! {
                    _ = shutdown.cancelled() => {
                        tracing::info!("stopped before the streams were ready");
                        return Ok(false);
                    }
                    _ = tokio::time::sleep(pause) => {}
                }
                pause = (pause * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// Run the given stages until SIGINT/SIGTERM.
pub async fn run_stages(
    stages: &[StageName],
    nats: &NatsArgs,
    opts: &StageOptions,
) -> anyhow::Result<()> {
    let shutdown = shutdown_on_signals();
    let name = format!(
        "rasd-{}",
        stages
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("+")
    );
    let client = nats.connect(&name).await?;
    let js = jetstream_context(client.clone());
    if let Err(e) = opts.streams.check_dedupe_covers(&opts.consumer) {
        tracing::warn!("{e}");
    }
    if !provision_streams(&js, nats, &opts.streams, &shutdown).await? {
        // A signal before anything started is a clean stop, not a failure.
        return Ok(());
    }
    let subjects = nats.subjects();
    let metrics = Arc::new(StageMetrics::new());
    if let Some(addr) = opts.metrics_addr {
        let bound = metrics::serve(metrics.clone(), addr, shutdown.clone()).await?;
        eprintln!("metrics: http://{bound}/metrics");
    }

    let max_bytes = opts.consumer.max_article_bytes;
    // The machine's cores, shared out among the CPU-bound stages (all but
    // fetch) that this process runs: each keeps its tables warm on threads
    // of its own, at the price of using only its share when it alone has
    // work (see `rasd_bus::runner`).
    let cpu_stages = stages.iter().filter(|s| **s != StageName::Fetch).count();
    let mut consumer = opts.consumer.clone();
    consumer.cpu_threads = Some(consumer.cpu_threads_for(cpu_stages));
    let mut runners = tokio::task::JoinSet::new();
    let mut services = Vec::new();
    for &stage in stages {
        services.push(service::register(&client, &subjects, stage, metrics.clone()).await?);
        let (js, subjects, args, metrics, token) = (
            js.clone(),
            subjects.clone(),
            consumer.clone(),
            metrics.clone(),
            shutdown.clone(),
        );
        match stage {
            StageName::Clean => {
                let core = CleanStage {
                    cleaner: rasd_clean::Cleaner::new(),
                    subjects: subjects.clone(),
                    max_bytes,
                };
                runners.spawn(StageRunner::new(core, js, subjects, args, metrics).run(token));
            }
            StageName::Tag => {
                let tagger = tokio::task::spawn_blocking(rasd_tag::Tagger::load_default)
                    .await?
                    .map_err(|e| anyhow::anyhow!("loading the tagger: {e}"))?;
                let core = TagStage {
                    tagger,
                    subjects: subjects.clone(),
                    max_bytes,
                };
                runners.spawn(StageRunner::new(core, js, subjects, args, metrics).run(token));
            }
            StageName::Aggregate => {
                let core = AggregateStage {
                    aggregator: Mutex::new(rasd_aggregate::Aggregator::default()),
                    subjects: subjects.clone(),
                    max_bytes,
                };
                runners.spawn(StageRunner::new(core, js, subjects, args, metrics).run(token));
            }
            StageName::Fetch => {
                let core = FetchStage::new(subjects.clone(), max_bytes, opts.fetch_timeout)?;
                runners.spawn(StageRunner::new(core, js, subjects, args, metrics).run(token));
            }
        }
        tracing::info!(%stage, "stage started");
    }
    eprintln!(
        "rasd: running {}; Ctrl-C to stop",
        stages
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );

    let mut result = Ok(());
    while let Some(r) = runners.join_next().await {
        match r {
            Ok(Ok(summary)) => tracing::debug!(?summary, "runner finished"),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "stage failed");
                shutdown.cancel();
                result = Err(e);
            }
            Err(e) => {
                shutdown.cancel();
                result = Err(anyhow::anyhow!("stage task failed: {e}"));
            }
        }
    }
    for s in services {
        let _ = s.stop().await;
    }
    let _ = client.flush().await;
    let _ = client.drain().await;
    result
}
