//! The `rasd` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rasd_bus::{ConsumerArgs, NatsArgs, StreamArgs};
use rasd_model::StageName;

use crate::{eval, process, publish, serve, status, subscribe};

/// rasd: Arabic news about the Syrian conflict in, tagged structured data
/// out, over NATS JetStream (fetch → clean → tag → aggregate).
#[derive(Debug, Parser)]
#[command(name = "rasd", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub nats: NatsArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Publish articles (files, directories or stdin) to `<prefix>.articles.raw`.
    Publish(publish::PublishArgs),
    /// Print messages from the pipeline (tagged articles by default).
    Subscribe(subscribe::SubscribeArgs),
    /// Run one stage; start it several times to add replicas.
    Stage {
        /// fetch, clean, tag or aggregate.
        #[arg(value_parser = parse_stage)]
        stage: StageName,
        #[command(flatten)]
        opts: serve::StageOptions,
    },
    /// Run every stage in this process.
    Run {
        /// Only these stages (comma-separated).
        #[arg(long, value_delimiter = ',', value_parser = parse_stage)]
        only: Vec<StageName>,
        #[command(flatten)]
        opts: serve::StageOptions,
    },
    /// Clean and tag articles in-process, without NATS; JSON lines out.
    Process(process::ProcessArgs),
    /// Create (or update) the streams and the stage consumers.
    Setup {
        #[command(flatten)]
        streams: StreamArgs,
        #[command(flatten)]
        consumer: ConsumerArgs,
    },
    /// Per-stage consumer lag, redeliveries and DLQ counts.
    Status {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Score the tagger against a hand-annotated gold corpus.
    Eval {
        /// Directory of annotated articles.
        #[arg(long)]
        gold: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

fn parse_stage(s: &str) -> Result<StageName, String> {
    s.parse()
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let long_running = matches!(cli.command, Command::Stage { .. } | Command::Run { .. });
    crate::logging::init(if long_running { "info" } else { "warn" });
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rasd: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rasd: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let nats = cli.nats;
    match cli.command {
        Command::Publish(args) => {
            let r = publish::run(&nats, &args).await?;
            eprintln!(
                "published {} article(s) to {}{}{}",
                r.published,
                nats.subjects().articles_raw(),
                if r.duplicates > 0 {
                    format!(", {} duplicate(s) dropped by the stream", r.duplicates)
                } else {
                    String::new()
                },
                if r.unreadable > 0 {
                    format!(", {} unreadable input(s) skipped", r.unreadable)
                } else {
                    String::new()
                },
            );
            Ok(if r.unreadable > 0 {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Subscribe(args) => {
            subscribe::run(&nats, &args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Stage { stage, opts } => {
            serve::run_stages(&[stage], &nats, &opts).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { only, opts } => {
            let stages = if only.is_empty() {
                StageName::ALL.to_vec()
            } else {
                only
            };
            serve::run_stages(&stages, &nats, &opts).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Process(args) => {
            let (ok, rejected) = tokio::task::spawn_blocking(move || process::run(&args)).await??;
            eprintln!("processed {ok} article(s), rejected {rejected}");
            Ok(if rejected > 0 {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Setup { streams, consumer } => {
            let client = nats.connect("rasd-setup").await?;
            let js = serve::jetstream_context(client);
            let subjects = nats.subjects();
            if let Err(e) = streams.check_dedupe_covers(&consumer) {
                eprintln!("warning: {e}");
            }
            rasd_bus::provision::ensure_streams(&js, &subjects, &streams).await?;
            for stage in StageName::ALL {
                rasd_bus::provision::update_consumer(&js, &subjects, stage, &consumer).await?;
            }
            eprintln!(
                "streams and consumers ready (prefix `{}`)",
                subjects.prefix()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Status { json } => {
            let s = status::collect(&nats).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&s)?);
            } else {
                print!("{}", status::render(&s));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval { gold, json } => {
            tokio::task::spawn_blocking(move || eval::run(&gold, json)).await??;
            Ok(ExitCode::SUCCESS)
        }
    }
}
