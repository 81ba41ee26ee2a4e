//! `rasd publish`: send articles (or URLs to fetch) to the pipeline.
//!
//! Publishes are pipelined: up to a window of PublishAcks are outstanding
//! at once, so thousands of articles go out in seconds. Every article is
//! sent with `Nats-Msg-Id: raw:<article id>`, so publishing the same
//! article twice within the duplicate window stores it once.

use std::path::PathBuf;

use async_nats::jetstream;
use bytes::Bytes;
use futures::stream::FuturesUnordered;
use futures::StreamExt;
use rasd_bus::{NatsArgs, ARTICLE_ID_HEADER};
use rasd_model::{FetchRequest, RawArticle};

use crate::input;

#[derive(Debug, Clone, clap::Args)]
pub struct PublishArgs {
    /// Files or directories (.json, .jsonl, .html, .txt); `-` reads JSON lines from stdin.
    #[arg(required_unless_present = "fetch")]
    pub paths: Vec<PathBuf>,
    /// Publish these URLs as fetch requests instead of articles.
    #[arg(long, num_args = 1..)]
    pub fetch: Vec<String>,
    /// Send each file's bytes as they are (no parsing; for testing rejections).
    #[arg(long)]
    pub verbatim: bool,
    /// Publish acknowledgements outstanding at once.
    #[arg(long, default_value_t = 256)]
    pub window: usize,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// One message to publish.
struct Outgoing {
    subject: String,
    /// `Nats-Msg-Id`: `raw:<article id>` or `fetch:<url hash>`.
    msg_id: String,
    article_id: String,
    payload: Bytes,
}

/// Counts of one publish run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PublishReport {
    pub published: u64,
    pub duplicates: u64,
    pub unreadable: u64,
}

pub async fn run(nats: &NatsArgs, args: &PublishArgs) -> anyhow::Result<PublishReport> {
    let client = nats.connect("rasd-publish").await?;
    let js = jetstream::new(client.clone());
    let subjects = nats.subjects();
    let mut messages: Vec<Outgoing> = Vec::new();
    let mut report = PublishReport::default();

    for url in &args.fetch {
        let req = FetchRequest {
            schema_version: None,
            id: None,
            url: url.clone(),
            kind: None,
            source: None,
        };
        let id = RawArticle {
            url: Some(url.trim().to_string()),
            ..Default::default()
        }
        .article_id();
        messages.push(Outgoing {
            subject: subjects.fetch_requests(),
            msg_id: format!("fetch:{id}"),
            article_id: id,
            payload: serde_json::to_vec(&req)?.into(),
        });
    }
    for path in input::expand(&args.paths)? {
        if args.verbatim {
            let bytes = if path.as_os_str() == "-" {
                let mut b = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)?;
                b
            } else {
                std::fs::read(&path)?
            };
            let id = format!("verbatim-{}", rasd_model::short_hash(&bytes));
            messages.push(Outgoing {
                subject: subjects.articles_raw(),
                msg_id: format!("raw:{id}"),
                article_id: id,
                payload: bytes.into(),
            });
            continue;
        }
        for item in input::read(&path)? {
            match item.article {
                Ok(a) => {
                    let id = a.article_id();
                    messages.push(Outgoing {
                        subject: subjects.articles_raw(),
                        msg_id: format!("raw:{id}"),
                        article_id: id,
                        payload: serde_json::to_vec(&a)?.into(),
                    });
                }
                Err(e) => {
                    report.unreadable += 1;
                    eprintln!("skipped {}: {e}", item.origin);
                }
            }
        }
    }

    let bar = if args.quiet || messages.len() < 20 {
        indicatif::ProgressBar::hidden()
    } else {
        let b = indicatif::ProgressBar::new(messages.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} publishing [{bar:40}] {pos}/{len} {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    };
    let mut pending = FuturesUnordered::new();
    for m in messages {
        while pending.len() >= args.window.max(1) {
            if let Some(r) = pending.next().await {
                tally(r, &mut report, &bar)?;
            }
        }
        let publish = jetstream::message::PublishMessage::build()
            .payload(m.payload)
            .message_id(m.msg_id)
            .header(ARTICLE_ID_HEADER, m.article_id.as_str());
        let ack = js.send_publish(m.subject, publish).await?;
        pending.push(std::future::IntoFuture::into_future(ack));
    }
    while let Some(r) = pending.next().await {
        tally(r, &mut report, &bar)?;
    }
    bar.finish_and_clear();
    client.flush().await?;
    Ok(report)
}

fn tally(
    r: Result<jetstream::publish::PublishAck, jetstream::context::PublishError>,
    report: &mut PublishReport,
    bar: &indicatif::ProgressBar,
) -> anyhow::Result<()> {
    let ack = r?;
    if ack.duplicate {
        report.duplicates += 1;
    } else {
        report.published += 1;
    }
    bar.inc(1);
    Ok(())
}
