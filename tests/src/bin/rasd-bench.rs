//! `rasd-bench`: the end-to-end benchmark (`just bench`).
//!
//! 1. Throughput: publish N articles built from the seeds (unique ids) as
//!    fast as possible to a pipeline of real `rasd` stages (clean and tag in
//!    one `rasd run` process) and time first publish → last tagged article.
//! 2. Latency: publish at a fixed rate (200 articles/s by default) and
//!    measure publish → tagged per article (p50, p99).
//! 3. Baseline: the same payloads over the same hops (raw → clean → tagged)
//!    through bare JetStream relays that consume, republish with a message id,
//!    wait for the PublishAck and ack, with the same concurrency and no
//!    processing. The ratio pipeline/baseline shows what cleaning and tagging
//!    cost on top of the messaging itself.
//!
//! Throughput runs in rounds (`--rounds`, default 3), pipeline then
//! baseline back to back, and the ratio reported is the median of the
//! rounds' ratios: on a shared machine one round moves by ±10%, and pairing
//! each pipeline run with a baseline run taken moments later cancels most of
//! what the machine's neighbours do. Every round is printed.
//!
//! Every phase gets a fresh nats-server with its store in a temp dir.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer, AckKind};
use clap::Parser;
use futures::StreamExt;
use rasd_integration_tests::*;
use tokio::sync::Mutex;

#[derive(Debug, Parser)]
#[command(about = "End-to-end benchmark of the rasd pipeline against its JetStream baseline")]
struct Args {
    /// The rasd binary to benchmark (a release build).
    #[arg(long)]
    rasd: PathBuf,
    /// Articles for the throughput runs.
    #[arg(long, default_value_t = 10_000)]
    articles: usize,
    /// Fixed publish rate of the latency runs (articles/s).
    #[arg(long, default_value_t = 200)]
    rate: u32,
    /// Articles published in the latency runs.
    #[arg(long, default_value_t = 2_000)]
    latency_articles: usize,
    /// Concurrency of each stage and of each baseline relay.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Throughput rounds (pipeline, then baseline, each on a fresh server).
    /// The ratio reported is the median of the rounds' ratios: on a shared
    /// 2-core machine one round's ratio moves by ±10%.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
}

#[derive(Debug, serde::Serialize)]
struct Throughput {
    articles: usize,
    seconds: f64,
    per_second: f64,
    /// CPU microseconds per article spent by each process during the run.
    cpu_us_per_article: CpuSplit,
}

/// One throughput round: the pipeline and its baseline, back to back.
#[derive(Debug, serde::Serialize)]
struct Round {
    pipeline: Throughput,
    baseline: Throughput,
    ratio: f64,
}

impl std::fmt::Display for Throughput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "raw→tagged: {:>8.0} articles/s ({} in {:.2}s); {}",
            self.per_second, self.articles, self.seconds, self.cpu_us_per_article
        )
    }
}

#[derive(Debug, Default, serde::Serialize)]
struct CpuSplit {
    /// The `rasd run` process (zero for the baseline: no stages).
    stages: f64,
    nats_server: f64,
    /// This process: publisher, subscriber and, for the baseline, the relays.
    bench: f64,
}

impl std::fmt::Display for CpuSplit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CPU per article: stages {:.0} µs, nats-server {:.0} µs, bench process {:.0} µs",
            self.stages, self.nats_server, self.bench
        )
    }
}

/// CPU used so far by the stages, the server and this process.
fn cpu_now(stages: u32, server: u32) -> [Duration; 3] {
    let get = |pid: u32| {
        if pid == 0 {
            Duration::ZERO
        } else {
            process_cpu(pid).unwrap_or_default()
        }
    };
    [get(stages), get(server), get(std::process::id())]
}

#[derive(Debug, serde::Serialize)]
struct Latency {
    articles: usize,
    rate: u32,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

impl std::fmt::Display for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "latency at {}/s: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            self.rate, self.p50_ms, self.p99_ms, self.max_ms
        )
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    std::env::set_var("RASD_BIN", &args.rasd);
    let articles = synthetic_articles("bench", args.articles)?;
    let bytes: usize = articles
        .iter()
        .map(|a| serde_json::to_vec(a).map(|v| v.len()).unwrap_or(0))
        .sum();
    println!(
        "rasd-bench: {} articles ({:.1} MB of JSON), concurrency {}, latency at {}/s over {} articles",
        args.articles,
        bytes as f64 / 1e6,
        args.concurrency,
        args.rate,
        args.latency_articles
    );

    let mut rounds = Vec::new();
    for round in 1..=args.rounds.max(1) {
        let pipe_tp = pipeline_throughput(&args, &articles).await?;
        println!("round {round}: pipeline  {pipe_tp}");
        let base_tp = baseline_throughput(&args, &articles).await?;
        println!("round {round}: baseline  {base_tp}");
        let ratio = pipe_tp.per_second / base_tp.per_second;
        println!("round {round}: ratio {ratio:.2}");
        rounds.push(Round {
            pipeline: pipe_tp,
            baseline: base_tp,
            ratio,
        });
    }
    let mut ratios: Vec<f64> = rounds.iter().map(|r| r.ratio).collect();
    ratios.sort_by(f64::total_cmp);
    // The median; with an even number of rounds, the mean of the middle two
    // (never the upper one alone, which would favour the pipeline).
    let mid = ratios.len() / 2;
    let ratio = if ratios.len() % 2 == 1 {
        ratios[mid]
    } else {
        (ratios[mid - 1] + ratios[mid]) / 2.0
    };
    println!(
        "ratio pipeline/baseline: {ratio:.2}, median of {} rounds ({}) (target ≥ 0.50)",
        ratios.len(),
        ratios
            .iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let lat_articles = synthetic_articles("lat", args.latency_articles)?;
    let pipe_lat = pipeline_latency(&args, &lat_articles).await?;
    println!("pipeline  {pipe_lat}");
    let base_lat = baseline_latency(&args, &lat_articles).await?;
    println!("baseline  {base_lat}");
    println!(
        "{}",
        serde_json::json!({
            "throughput_rounds": rounds, "ratio": ratio,
            "pipeline_latency": pipe_lat, "baseline_latency": base_lat,
        })
    );
    Ok(())
}

/// Start the real stages (clean + tag in one process) on a fresh server.
async fn start_pipeline(
    args: &Args,
) -> anyhow::Result<(
    NatsServer,
    RasdProcess,
    jetstream::Context,
    async_nats::Client,
)> {
    let server = NatsServer::start()?;
    let c = args.concurrency.to_string();
    let stages = RasdProcess::spawn(
        &server.url(),
        &["run", "--only", "clean,tag", "--concurrency", &c],
    )?;
    let client = server.connect().await?;
    let js = jetstream::new(client.clone());
    wait_for_consumer(&js, "RASD_ARTICLES", "tag", Duration::from_secs(60)).await?;
    Ok((server, stages, js, client))
}

/// Start bare relays raw → clean → tagged on a fresh server.
async fn start_baseline(
    args: &Args,
) -> anyhow::Result<(NatsServer, jetstream::Context, async_nats::Client)> {
    let server = NatsServer::start()?;
    let client = server.connect().await?;
    let js = jetstream::new(client.clone());
    rasd_bus::provision::ensure_streams(
        &js,
        &rasd_model::Subjects::default(),
        &rasd_bus::StreamArgs::default(),
    )
    .await?;
    for (durable, from, to) in [
        ("clean", "rasd.articles.raw", "rasd.articles.clean"),
        ("tag", "rasd.articles.clean", "rasd.articles.tagged"),
    ] {
        let stream = js.get_stream("RASD_ARTICLES").await?;
        let consumer: consumer::PullConsumer = stream
            .create_consumer(consumer::pull::Config {
                durable_name: Some(durable.into()),
                filter_subject: from.into(),
                ack_policy: consumer::AckPolicy::Explicit,
                max_ack_pending: 1000,
                ..Default::default()
            })
            .await?;
        let js = js.clone();
        let concurrency = args.concurrency;
        tokio::spawn(async move {
            let messages = match consumer
                .stream()
                .max_messages_per_batch(concurrency * 4)
                .messages()
                .await
            {
                Ok(m) => m,
                Err(e) => return eprintln!("baseline relay: {e}"),
            };
            messages
                .for_each_concurrent(concurrency, |m| {
                    let js = js.clone();
                    async move {
                        let Ok(m) = m else { return };
                        // The article id travels in a header, as with the real stages.
                        let header = |name: &str| {
                            m.headers
                                .as_ref()
                                .and_then(|h| h.get(name))
                                .map(|v| v.to_string())
                        };
                        let id = header(rasd_bus::ARTICLE_ID_HEADER)
                            .or_else(|| {
                                header("Nats-Msg-Id").map(|v| {
                                    v.split_once(':')
                                        .map_or(v.clone(), |(_, id)| id.to_string())
                                })
                            })
                            .unwrap_or_default();
                        let publish = jetstream::message::PublishMessage::build()
                            .payload(m.payload.clone())
                            .message_id(format!("{durable}:{id}"))
                            .header(rasd_bus::ARTICLE_ID_HEADER, id.as_str());
                        let ok = match js.send_publish(to, publish).await {
                            Ok(ack) => ack.await.is_ok(),
                            Err(_) => false,
                        };
                        let _ = if ok {
                            m.ack().await
                        } else {
                            m.ack_with(AckKind::Nak(None)).await
                        };
                    }
                })
                .await;
        });
    }
    Ok((server, js, client))
}

/// Publish everything at once; time until `n` tagged articles arrived.
async fn run_throughput(
    js: &jetstream::Context,
    client: &async_nats::Client,
    articles: &[serde_json::Value],
    pids: (u32, u32),
) -> anyhow::Result<Throughput> {
    let cpu_before = cpu_now(pids.0, pids.1);
    let mut sub = client.subscribe("rasd.articles.tagged").await?;
    client.flush().await?;
    let n = articles.len();
    let start = Instant::now();
    let publisher = {
        let js = js.clone();
        let articles = articles.to_vec();
        tokio::spawn(async move { publish_articles(&js, "rasd.articles.raw", &articles).await })
    };
    let mut seen = std::collections::HashSet::new();
    while seen.len() < n {
        let m = tokio::time::timeout(Duration::from_secs(120), sub.next())
            .await
            .map_err(|_| anyhow::anyhow!("stalled at {} of {n} tagged", seen.len()))?
            .ok_or_else(|| anyhow::anyhow!("subscription closed"))?;
        let id = m
            .headers
            .as_ref()
            .and_then(|h| h.get(rasd_bus::ARTICLE_ID_HEADER))
            .map(|v| v.to_string())
            .unwrap_or_default();
        seen.insert(id);
    }
    let seconds = start.elapsed().as_secs_f64();
    let cpu_after = cpu_now(pids.0, pids.1);
    publisher.await??;
    let per = |i: usize| (cpu_after[i] - cpu_before[i]).as_secs_f64() * 1e6 / n as f64;
    Ok(Throughput {
        articles: n,
        seconds,
        per_second: n as f64 / seconds,
        cpu_us_per_article: CpuSplit {
            stages: per(0),
            nats_server: per(1),
            bench: per(2),
        },
    })
}

/// Publish at a fixed rate; per-article publish → tagged latency.
async fn run_latency(
    js: &jetstream::Context,
    client: &async_nats::Client,
    articles: &[serde_json::Value],
    rate: u32,
) -> anyhow::Result<Latency> {
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Default::default();
    let mut sub = client.subscribe("rasd.articles.tagged").await?;
    client.flush().await?;
    let n = articles.len();
    let publisher = {
        let js = js.clone();
        let articles = articles.to_vec();
        let sent = sent.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(1) as f64));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let mut acks = Vec::new();
            for a in &articles {
                tick.tick().await;
                let id = a["id"].as_str().unwrap_or_default().to_string();
                sent.lock().await.insert(id.clone(), Instant::now());
                let publish = jetstream::message::PublishMessage::build()
                    .payload(serde_json::to_vec(a)?.into())
                    .message_id(format!("raw:{id}"));
                acks.push(js.send_publish("rasd.articles.raw", publish).await?);
            }
            for a in acks {
                a.await?;
            }
            anyhow::Ok(())
        })
    };
    let mut latencies = Vec::with_capacity(n);
    while latencies.len() < n {
        let m = tokio::time::timeout(Duration::from_secs(60), sub.next())
            .await
            .map_err(|_| anyhow::anyhow!("stalled at {} of {n} tagged", latencies.len()))?
            .ok_or_else(|| anyhow::anyhow!("subscription closed"))?;
        let now = Instant::now();
        let id = m
            .headers
            .as_ref()
            .and_then(|h| h.get(rasd_bus::ARTICLE_ID_HEADER))
            .map(|v| v.to_string())
            .unwrap_or_default();
        if let Some(t) = sent.lock().await.remove(&id) {
            latencies.push(now.duration_since(t).as_secs_f64() * 1000.0);
        }
    }
    publisher.await??;
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        latencies[((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1]
    };
    Ok(Latency {
        articles: n,
        rate,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        max_ms: *latencies.last().unwrap_or(&0.0),
    })
}

async fn pipeline_throughput(
    args: &Args,
    articles: &[serde_json::Value],
) -> anyhow::Result<Throughput> {
    let (server, mut stages, js, client) = start_pipeline(args).await?;
    let r = run_throughput(&js, &client, articles, (stages.pid(), server.pid())).await;
    stages.terminate(Duration::from_secs(15));
    r
}

async fn baseline_throughput(
    args: &Args,
    articles: &[serde_json::Value],
) -> anyhow::Result<Throughput> {
    let (server, js, client) = start_baseline(args).await?;
    run_throughput(&js, &client, articles, (0, server.pid())).await
}

async fn pipeline_latency(args: &Args, articles: &[serde_json::Value]) -> anyhow::Result<Latency> {
    let (_server, mut stages, js, client) = start_pipeline(args).await?;
    let r = run_latency(&js, &client, articles, args.rate).await;
    stages.terminate(Duration::from_secs(15));
    r
}

async fn baseline_latency(args: &Args, articles: &[serde_json::Value]) -> anyhow::Result<Latency> {
    let (_server, js, client) = start_baseline(args).await?;
    run_latency(&js, &client, articles, args.rate).await
}
