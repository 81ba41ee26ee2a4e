//! Connection and provisioning settings, shared by every `rasd` command.
//!
//! They are clap argument groups (flattened into each command) so the same
//! flag and the same `RASD_*` environment variable mean the same thing
//! everywhere: a container only needs its environment set once.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;

/// How to reach NATS.
#[derive(Debug, Clone, Args)]
pub struct NatsArgs {
    /// NATS server URL (several may be given, comma-separated).
    #[arg(
        long,
        env = "RASD_NATS_URL",
        default_value = "nats://127.0.0.1:4222",
        global = true
    )]
    pub nats_url: String,
    /// NATS credentials file (JWT + NKey seed).
    #[arg(long, env = "RASD_NATS_CREDS", global = true)]
    pub nats_creds: Option<PathBuf>,
    /// Authentication token.
    #[arg(long, env = "RASD_NATS_TOKEN", global = true, hide_env_values = true)]
    pub nats_token: Option<String>,
    /// User name (with --nats-password).
    #[arg(long, env = "RASD_NATS_USER", global = true)]
    pub nats_user: Option<String>,
    /// Password (with --nats-user).
    #[arg(
        long,
        env = "RASD_NATS_PASSWORD",
        global = true,
        hide_env_values = true
    )]
    pub nats_password: Option<String>,
    /// Require TLS.
    #[arg(long, env = "RASD_NATS_TLS", global = true)]
    pub nats_tls: bool,
    /// PEM file with the CA certificate(s) to trust (implies TLS).
    #[arg(long, env = "RASD_NATS_TLS_CA", global = true)]
    pub nats_tls_ca: Option<PathBuf>,
    /// PEM client certificate for mutual TLS (with --nats-tls-key).
    #[arg(long, env = "RASD_NATS_TLS_CERT", global = true)]
    pub nats_tls_cert: Option<PathBuf>,
    /// PEM client key for mutual TLS.
    #[arg(long, env = "RASD_NATS_TLS_KEY", global = true)]
    pub nats_tls_key: Option<PathBuf>,
    /// Subject prefix; streams are named after it (`RASD_ARTICLES`, ...).
    #[arg(long, env = "RASD_PREFIX", default_value = "rasd", global = true)]
    pub prefix: String,
}

impl Default for NatsArgs {
    fn default() -> Self {
        NatsArgs {
            nats_url: "nats://127.0.0.1:4222".into(),
            nats_creds: None,
            nats_token: None,
            nats_user: None,
            nats_password: None,
            nats_tls: false,
            nats_tls_ca: None,
            nats_tls_cert: None,
            nats_tls_key: None,
            prefix: "rasd".into(),
        }
    }
}

impl NatsArgs {
    pub fn with_url(url: impl Into<String>) -> Self {
        NatsArgs {
            nats_url: url.into(),
            ..Default::default()
        }
    }

    pub fn subjects(&self) -> rasd_model::Subjects {
        rasd_model::Subjects::new(&self.prefix)
    }

    /// Connect. The client reconnects on its own forever; a server that is
    /// not up yet at start is retried too, so stages may start before NATS.
    pub async fn connect(&self, client_name: &str) -> anyhow::Result<async_nats::Client> {
        let mut opts = async_nats::ConnectOptions::new()
            .name(client_name)
            .retry_on_initial_connect()
            .max_reconnects(None)
            .connection_timeout(Duration::from_secs(5))
            .event_callback(|event| async move {
                match event {
                    async_nats::Event::Connected => tracing::info!("connected to NATS"),
                    async_nats::Event::Disconnected => tracing::warn!("disconnected from NATS"),
                    other => tracing::debug!(event = %other, "NATS event"),
                }
            });
        if let Some(creds) = &self.nats_creds {
            opts = opts
                .credentials_file(creds)
                .await
                .with_context(|| format!("reading credentials file {}", creds.display()))?;
        }
        if let Some(token) = &self.nats_token {
            opts = opts.token(token.clone());
        }
        match (&self.nats_user, &self.nats_password) {
            (Some(u), Some(p)) => opts = opts.user_and_password(u.clone(), p.clone()),
            (Some(_), None) | (None, Some(_)) => {
                anyhow::bail!("--nats-user and --nats-password must be given together")
            }
            _ => {}
        }
        if self.nats_tls || self.nats_tls_ca.is_some() || self.nats_tls_cert.is_some() {
            opts = opts.require_tls(true);
        }
        if let Some(ca) = &self.nats_tls_ca {
            opts = opts.add_root_certificates(ca.clone());
        }
        match (&self.nats_tls_cert, &self.nats_tls_key) {
            (Some(c), Some(k)) => opts = opts.add_client_certificate(c.clone(), k.clone()),
            (Some(_), None) | (None, Some(_)) => {
                anyhow::bail!("--nats-tls-cert and --nats-tls-key must be given together")
            }
            _ => {}
        }
        let urls: Vec<async_nats::ServerAddr> = self
            .nats_url
            .split(',')
            .map(|u| u.trim().parse())
            .collect::<Result<_, _>>()
            .with_context(|| format!("invalid NATS URL `{}`", self.nats_url))?;
        let client = opts
            .connect(urls)
            .await
            .with_context(|| format!("connecting to NATS at {}", self.nats_url))?;
        Ok(client)
    }
}

/// Retention limits of the streams.
#[derive(Debug, Clone, Args)]
pub struct StreamArgs {
    /// Maximum age of messages in every stream (e.g. `7d`, `12h`; `0` = unlimited).
    #[arg(long, env = "RASD_STREAM_MAX_AGE", default_value = "7d", value_parser = humantime::parse_duration)]
    pub stream_max_age: Duration,
    /// Maximum bytes per stream (-1 = unlimited).
    #[arg(long, env = "RASD_STREAM_MAX_BYTES", default_value_t = -1, allow_hyphen_values = true)]
    pub stream_max_bytes: i64,
    /// Maximum messages per stream (-1 = unlimited).
    #[arg(long, env = "RASD_STREAM_MAX_MSGS", default_value_t = -1, allow_hyphen_values = true)]
    pub stream_max_msgs: i64,
    /// Publish de-duplication window (by `Nats-Msg-Id`).
    #[arg(long, env = "RASD_DUPLICATE_WINDOW", default_value = "2m", value_parser = humantime::parse_duration)]
    pub duplicate_window: Duration,
}

impl Default for StreamArgs {
    fn default() -> Self {
        StreamArgs {
            stream_max_age: Duration::from_secs(7 * 24 * 3600),
            stream_max_bytes: -1,
            stream_max_msgs: -1,
            duplicate_window: Duration::from_secs(120),
        }
    }
}

impl StreamArgs {
    /// Whether the de-duplication window outlasts every redelivery of an
    /// input whose output was already published (see
    /// [`ConsumerArgs::redelivery_horizon`]). A redelivery after the window
    /// publishes its output a second time, so effectively-once output then
    /// becomes at-least-once; the error says which setting to raise.
    pub fn check_dedupe_covers(&self, consumer: &ConsumerArgs) -> Result<(), String> {
        let horizon = consumer.redelivery_horizon();
        if self.duplicate_window >= horizon {
            return Ok(());
        }
        Err(format!(
            "--duplicate-window {} is shorter than the {} over which an input can still be redelivered \
             ({} deliveries at --ack-wait {} or the --backoff step, whichever is longer): \
             a late redelivery would publish its output twice; raise --duplicate-window to at least {}",
            humantime::format_duration(self.duplicate_window),
            humantime::format_duration(horizon),
            consumer.max_deliver,
            humantime::format_duration(consumer.ack_wait),
            humantime::format_duration(horizon),
        ))
    }
}

/// How a stage consumes: the consumer settings and the runner's limits.
#[derive(Debug, Clone, Args)]
pub struct ConsumerArgs {
    /// Jobs in flight per stage in this process: single inputs for fetch,
    /// chunks of up to 16 inputs that arrived together for the CPU-bound
    /// stages.
    #[arg(long, env = "RASD_CONCURRENCY", default_value_t = default_concurrency())]
    pub concurrency: usize,
    /// Messages requested per pull (default: 16 x concurrency for the
    /// CPU-bound stages, so that each job gets a full chunk; 4 x
    /// concurrency for fetch, whose inputs wait on HTTP one at a time).
    #[arg(long, env = "RASD_BATCH")]
    pub batch: Option<usize>,
    /// Deliveries of one message before it goes to the DLQ.
    #[arg(long, env = "RASD_MAX_DELIVER", default_value_t = 5)]
    pub max_deliver: i64,
    /// Time the server waits for an ack before redelivering.
    #[arg(long, env = "RASD_ACK_WAIT", default_value = "30s", value_parser = humantime::parse_duration)]
    pub ack_wait: Duration,
    /// NAK delays after transient failures, by attempt (last one repeats).
    #[arg(long, env = "RASD_BACKOFF", default_value = "1s,5s,15s,30s", value_delimiter = ',', value_parser = humantime::parse_duration)]
    pub backoff: Vec<Duration>,
    /// Unacknowledged messages the server hands out to all replicas of a stage.
    #[arg(long, env = "RASD_MAX_ACK_PENDING", default_value_t = 1000)]
    pub max_ack_pending: i64,
    /// Largest input a stage accepts (bytes); larger ones go to the DLQ.
    #[arg(long, env = "RASD_MAX_ARTICLE_BYTES", default_value_t = rasd_model::DEFAULT_MAX_ARTICLE_BYTES)]
    pub max_article_bytes: usize,
    /// Threads that run this stage's core, each CPU-bound stage on threads
    /// of its own (default: the machine's cores shared out evenly among the
    /// CPU-bound stages this process runs, rounded down, at least one
    /// each). In `rasd run` the number applies to each stage.
    #[arg(long, env = "RASD_CPU_THREADS", value_parser = at_least_one)]
    pub cpu_threads: Option<usize>,
}

fn at_least_one(v: &str) -> Result<usize, String> {
    match v.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("`{v}` is not a whole number of at least 1")),
    }
}

fn default_concurrency() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

impl Default for ConsumerArgs {
    fn default() -> Self {
        ConsumerArgs {
            concurrency: default_concurrency(),
            batch: None,
            max_deliver: 5,
            ack_wait: Duration::from_secs(30),
            backoff: vec![
                Duration::from_secs(1),
                Duration::from_secs(5),
                Duration::from_secs(15),
                Duration::from_secs(30),
            ],
            max_ack_pending: 1000,
            max_article_bytes: rasd_model::DEFAULT_MAX_ARTICLE_BYTES,
            cpu_threads: None,
        }
    }
}

impl ConsumerArgs {
    /// Threads for one stage's core when `stages` CPU-bound stages share
    /// this process (see `--cpu-threads`).
    pub fn cpu_threads_for(&self, stages: usize) -> usize {
        self.cpu_threads
            .unwrap_or_else(|| default_concurrency() / stages.max(1))
            .max(1)
    }

    /// Messages per pull (see `--batch`) for a stage whose jobs take up to
    /// `chunk` inputs each (1 for fetch).
    pub fn batch_size(&self, chunk: usize) -> usize {
        let per_job = if chunk > 1 { chunk } else { 4 };
        self.batch
            .unwrap_or(self.concurrency.max(1) * per_job)
            .max(1)
    }

    /// How long after a delivery that published its output the same input
    /// can still come back: each later delivery follows the previous one by
    /// the ack wait (its ack was lost) or by the NAK backoff (a later
    /// output failed to publish), whichever is longer.
    pub fn redelivery_horizon(&self) -> Duration {
        (1..self.max_deliver.max(1))
            .map(|d| self.ack_wait.max(self.backoff_for(d)))
            .sum()
    }

    /// NAK delay after the `delivered`-th failed delivery (1-based).
    pub fn backoff_for(&self, delivered: i64) -> Duration {
        if self.backoff.is_empty() {
            return Duration::from_secs(1);
        }
        let i = (delivered.max(1) as usize - 1).min(self.backoff.len() - 1);
        self.backoff[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cores_are_shared_out_among_cpu_stages_unless_set() {
        let cores = default_concurrency();
        let unset = ConsumerArgs::default();
        assert_eq!(unset.cpu_threads_for(1), cores);
        assert_eq!(unset.cpu_threads_for(2), (cores / 2).max(1));
        // Rounded down: never more threads than cores in all, unless there
        // are more stages than cores.
        for stages in 1..=cores {
            assert!(unset.cpu_threads_for(stages) * stages <= cores);
        }
        // More stages than cores: still one thread each.
        assert_eq!(unset.cpu_threads_for(cores + 5), 1);
        assert_eq!(unset.cpu_threads_for(0), cores);
        let set = ConsumerArgs {
            cpu_threads: Some(3),
            ..ConsumerArgs::default()
        };
        assert_eq!(set.cpu_threads_for(4), 3);
        assert!(at_least_one("0").is_err() && at_least_one("x").is_err());
        assert_eq!(at_least_one("2"), Ok(2));
    }

    #[test]
    fn the_default_duplicate_window_covers_the_default_redeliveries() {
        let c = ConsumerArgs::default();
        // 4 redeliveries, each at least the 30 s ack wait.
        assert_eq!(c.redelivery_horizon(), Duration::from_secs(120));
        assert_eq!(StreamArgs::default().check_dedupe_covers(&c), Ok(()));
        let slow = ConsumerArgs {
            ack_wait: Duration::from_secs(90),
            ..Default::default()
        };
        let err = StreamArgs::default()
            .check_dedupe_covers(&slow)
            .unwrap_err();
        assert!(
            err.contains("raise --duplicate-window to at least 6m"),
            "{err}"
        );
        // A backoff step longer than the ack wait counts instead.
        let patient = ConsumerArgs {
            max_deliver: 3,
            ack_wait: Duration::from_secs(10),
            backoff: vec![Duration::from_secs(5), Duration::from_secs(100)],
            ..Default::default()
        };
        assert_eq!(patient.redelivery_horizon(), Duration::from_secs(110));
        let single = ConsumerArgs {
            max_deliver: 1,
            ..Default::default()
        };
        assert_eq!(single.redelivery_horizon(), Duration::ZERO);
    }

    #[test]
    fn backoff_walks_the_list_then_repeats_the_last() {
        let c = ConsumerArgs {
            backoff: vec![Duration::from_secs(1), Duration::from_secs(5)],
            ..Default::default()
        };
        assert_eq!(c.backoff_for(0), Duration::from_secs(1));
        assert_eq!(c.backoff_for(1), Duration::from_secs(1));
        assert_eq!(c.backoff_for(2), Duration::from_secs(5));
        assert_eq!(c.backoff_for(9), Duration::from_secs(5));
    }

    #[test]
    fn batch_defaults_to_a_full_chunk_per_job() {
        let c = ConsumerArgs {
            concurrency: 3,
            ..Default::default()
        };
        assert_eq!(c.batch_size(16), 48, "CPU-bound: a full chunk per job");
        assert_eq!(c.batch_size(1), 12, "fetch: four inputs per job");
        let c = ConsumerArgs {
            batch: Some(7),
            ..c
        };
        assert_eq!(c.batch_size(16), 7);
        assert_eq!(c.batch_size(1), 7);
    }

    #[test]
    fn env_and_flags_parse() {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            c: ConsumerArgs,
            #[command(flatten)]
            s: StreamArgs,
        }
        use clap::Parser;
        let cli = Cli::try_parse_from([
            "x",
            "--backoff",
            "100ms,2s",
            "--ack-wait",
            "3s",
            "--stream-max-age",
            "1h",
        ])
        .unwrap();
        assert_eq!(
            cli.c.backoff,
            vec![Duration::from_millis(100), Duration::from_secs(2)]
        );
        assert_eq!(cli.c.ack_wait, Duration::from_secs(3));
        assert_eq!(cli.s.stream_max_age, Duration::from_secs(3600));
        assert_eq!(cli.s.duplicate_window, Duration::from_secs(120));
    }
}
