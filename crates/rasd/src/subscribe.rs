//! `rasd subscribe`: print what comes out of the pipeline.
//!
//! Uses an ordered (ephemeral, flow-controlled) consumer on the right
//! stream, so subscribing never disturbs the stages' durable consumers.
//! `--format json` prints one JSON object per line; `pretty` prints one
//! readable summary line per message.

use std::collections::BTreeMap;
use std::time::Duration;

use async_nats::jetstream::{self, consumer};
use futures::StreamExt;
use rasd_bus::NatsArgs;
use rasd_model::subjects::StreamKind;
use rasd_model::{DeadLetter, EntityType, TaggedArticle};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Pretty,
}

#[derive(Debug, Clone, clap::Args)]
pub struct SubscribeArgs {
    /// Tagged articles (the default).
    #[arg(long, group = "what")]
    pub tagged: bool,
    /// Extracted events.
    #[arg(long, group = "what")]
    pub events: bool,
    /// Dead letters of every stage.
    #[arg(long, group = "what")]
    pub dlq: bool,
    /// Clean articles.
    #[arg(long, group = "what")]
    pub clean: bool,
    /// Raw articles.
    #[arg(long, group = "what")]
    pub raw: bool,
    /// Aggregate snapshots.
    #[arg(long, group = "what")]
    pub aggregates: bool,
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Start from the first stored message instead of new ones only.
    #[arg(long)]
    pub all: bool,
    /// Exit after this many messages.
    #[arg(long)]
    pub count: Option<usize>,
    /// Exit when no message arrived for this long (e.g. `30s`).
    #[arg(long, value_parser = humantime::parse_duration)]
    pub idle_timeout: Option<Duration>,
}

pub async fn run(nats: &NatsArgs, args: &SubscribeArgs) -> anyhow::Result<usize> {
    let subjects = nats.subjects();
    let (stream, filter) = if args.events {
        (StreamKind::Events, subjects.events_all())
    } else if args.dlq {
        (StreamKind::Dlq, subjects.dlq_all())
    } else if args.clean {
        (StreamKind::Articles, subjects.articles_clean())
    } else if args.raw {
        (StreamKind::Articles, subjects.articles_raw())
    } else if args.aggregates {
        (StreamKind::Aggregates, subjects.aggregates())
    } else {
        (StreamKind::Articles, subjects.articles_tagged())
    };
    let client = nats.connect("rasd-subscribe").await?;
    let js = jetstream::new(client);
    let stream_name = subjects.stream(stream);
    let stream = js
        .get_stream(&stream_name)
        .await
        .map_err(|e| anyhow::anyhow!("stream {stream_name} not found (run `rasd setup`): {e}"))?;
    let consumer = stream
        .create_consumer(consumer::pull::OrderedConfig {
            filter_subject: filter.clone(),
            deliver_policy: if args.all {
                consumer::DeliverPolicy::All
            } else {
                consumer::DeliverPolicy::New
            },
            ..Default::default()
        })
        .await?;
    let mut messages = consumer.messages().await?;
    let mut n = 0usize;
    if args.count == Some(0) {
        return Ok(0);
    }
    loop {
        let next = match args.idle_timeout {
            Some(t) => match tokio::time::timeout(t, messages.next()).await {
                Ok(m) => m,
                Err(_) => break,
            },
            None => messages.next().await,
        };
        let Some(msg) = next else { break };
        let msg = msg?;
        let line = match args.format {
            Format::Json => {
                // Re-encode to guarantee one object per line.
                match serde_json::from_slice::<serde_json::Value>(&msg.payload) {
                    Ok(v) => serde_json::to_string(&v)?,
                    Err(_) => serde_json::to_string(&serde_json::json!({
                        "subject": msg.subject.as_str(),
                        "payload": String::from_utf8_lossy(&msg.payload),
                    }))?,
                }
            }
            Format::Pretty => pretty(msg.subject.as_str(), &msg.payload),
        };
        println!("{line}");
        n += 1;
        if args.count.is_some_and(|c| n >= c) {
            break;
        }
    }
    // Fewer than `--count` means something is missing: scripts (the demo)
    // rely on a failing exit status, not on counting lines.
    if let Some(c) = args.count {
        anyhow::ensure!(
            n >= c,
            "only {n} of {c} messages arrived (idle timeout or end of stream)"
        );
    }
    Ok(n)
}

/// One readable line for a message of any subject.
pub fn pretty(subject: &str, payload: &[u8]) -> String {
    if let Ok(t) = serde_json::from_slice::<TaggedArticle>(payload) {
        if subject.ends_with(".tagged") {
            return summarize_tagged(&t);
        }
    }
    if let Ok(d) = serde_json::from_slice::<DeadLetter>(payload) {
        return format!(
            "[dlq {}] {}: {} (from {})",
            d.stage, d.reason, d.error, d.subject
        );
    }
    match serde_json::from_slice::<serde_json::Value>(payload) {
        Ok(v) => {
            let id = v
                .get("id")
                .or_else(|| v.get("article_id"))
                .and_then(|x| x.as_str())
                .unwrap_or("?");
            let title = v.get("title").and_then(|x| x.as_str()).unwrap_or("");
            format!("{subject} {id} {title}")
        }
        Err(_) => format!("{subject} ({} bytes, not JSON)", payload.len()),
    }
}

/// `id | title | entity counts by type | top entities | casualties`.
pub fn summarize_tagged(t: &TaggedArticle) -> String {
    let a = &t.article;
    let title: String = if a.title.is_empty() {
        a.text.chars().take(60).collect()
    } else {
        a.title.chars().take(80).collect()
    };
    if let Some(why) = &t.skipped {
        return format!("{} | {} | skipped: {}", a.id, title, why);
    }
    let mut by_type: BTreeMap<EntityType, usize> = BTreeMap::new();
    for e in &t.entities {
        *by_type.entry(e.entity_type).or_default() += 1;
    }
    let counts = if by_type.is_empty() {
        "no entities".to_string()
    } else {
        by_type
            .iter()
            .map(|(k, v)| format!("{}={v}", k.as_str()))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut top: Vec<_> = t.entities.iter().collect();
    top.sort_by(|x, y| {
        y.salience
            .total_cmp(&x.salience)
            .then(y.count.cmp(&x.count))
    });
    let top = top
        .iter()
        .take(4)
        .map(|e| {
            if e.name_en.is_empty() {
                e.name_ar.clone()
            } else {
                format!("{} ({})", e.name_ar, e.name_en)
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let casualties = if t.casualties.is_empty() {
        "none".to_string()
    } else {
        t.casualties
            .iter()
            .map(|c| {
                let kind = serde_json::to_value(c.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                format!("{kind} {}{}", if c.approximate { "~" } else { "" }, c.count)
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "{} | {} | {} | top: {} | casualties: {}",
        a.id,
        title,
        counts,
        if top.is_empty() { "-" } else { &top },
        casualties
    )
}
