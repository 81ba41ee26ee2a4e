//! Idempotent provisioning of the streams and of the stage consumers.
//!
//! Every stage provisions at start (and `rasd setup` does it on demand), so
//! the order in which replicas and stages come up does not matter: the first
//! one creates, the others find the configuration in place. A stage never
//! changes an existing consumer (replicas share it); only `rasd setup`
//! updates consumer settings.

use async_nats::jetstream::{self, consumer, stream};
use rasd_model::subjects::StreamKind;
use rasd_model::{StageName, Subjects};

use crate::config::{ConsumerArgs, StreamArgs};

/// The configuration of one stream.
pub fn stream_config(subjects: &Subjects, kind: StreamKind, limits: &StreamArgs) -> stream::Config {
    let (filter, retention, description) = match kind {
        StreamKind::Articles => (
            subjects.articles_all(),
            stream::RetentionPolicy::Limits,
            "Articles: raw input, clean and tagged outputs",
        ),
        StreamKind::Events => (
            subjects.events_all(),
            stream::RetentionPolicy::Limits,
            "One message per extracted event",
        ),
        StreamKind::Fetch => (
            subjects.fetch_all(),
            stream::RetentionPolicy::WorkQueue,
            "URLs and feeds to fetch (work queue)",
        ),
        StreamKind::Dlq => (
            subjects.dlq_all(),
            stream::RetentionPolicy::Limits,
            "Dead letters: inputs a stage rejected, with the reason",
        ),
        StreamKind::Aggregates => (
            subjects.aggregates_all(),
            stream::RetentionPolicy::Limits,
            "Aggregate snapshots",
        ),
    };
    stream::Config {
        name: subjects.stream(kind),
        description: Some(description.to_string()),
        subjects: vec![filter],
        retention,
        storage: stream::StorageType::File,
        duplicate_window: limits.duplicate_window,
        max_age: limits.stream_max_age,
        max_bytes: limits.stream_max_bytes,
        max_messages: limits.stream_max_msgs,
        ..Default::default()
    }
}

/// Create every stream, or update the limits of existing ones.
pub async fn ensure_streams(
    js: &jetstream::Context,
    subjects: &Subjects,
    limits: &StreamArgs,
) -> anyhow::Result<()> {
    for kind in StreamKind::ALL {
        let cfg = stream_config(subjects, kind, limits);
        let name = cfg.name.clone();
        match js.create_or_update_stream(cfg).await {
            Ok(_) => tracing::debug!(stream = %name, "stream ready"),
            Err(e) => {
                // A stream created elsewhere with settings that cannot be
                // changed in place (e.g. retention) is still usable.
                if js.get_stream(&name).await.is_ok() {
                    tracing::warn!(stream = %name, error = %e, "stream exists with a different configuration; keeping it");
                } else {
                    return Err(anyhow::anyhow!("creating stream {name}: {e}"));
                }
            }
        }
    }
    Ok(())
}

/// The durable pull consumer of a stage.
pub fn consumer_config(
    subjects: &Subjects,
    stage: StageName,
    args: &ConsumerArgs,
) -> consumer::pull::Config {
    consumer::pull::Config {
        durable_name: Some(subjects.durable(stage)),
        description: Some(format!("rasd {stage} stage")),
        filter_subject: subjects.stage_input(stage),
        ack_policy: consumer::AckPolicy::Explicit,
        deliver_policy: consumer::DeliverPolicy::All,
        ack_wait: args.ack_wait,
        // No server-side limit: the server would drop an input after its
        // last allowed delivery timed out, with no dead letter. The runner
        // enforces `args.max_deliver` itself and dead-letters instead.
        max_deliver: -1,
        max_ack_pending: args.max_ack_pending,
        ..Default::default()
    }
}

/// The durable consumer of a stage, created with `args` if it is missing.
///
/// An existing consumer is used as it is: it is shared by every replica,
/// and a replica started with other flags must not silently change the
/// ack wait or the in-flight limit under the others. Differences are
/// logged; `rasd setup` ([`update_consumer`]) is the way to change them.
pub async fn ensure_consumer(
    js: &jetstream::Context,
    subjects: &Subjects,
    stage: StageName,
    args: &ConsumerArgs,
) -> anyhow::Result<consumer::Consumer<consumer::pull::Config>> {
    let stream = stage_stream(js, subjects, stage).await?;
    let wanted = consumer_config(subjects, stage, args);
    let durable = subjects.durable(stage);
    let mut consumer: consumer::Consumer<consumer::pull::Config> = stream
        .get_or_create_consumer(&durable, wanted.clone())
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "consumer {stage} on {}: {e}",
                stream.cached_info().config.name
            )
        })?;
    let found = consumer.info().await.map(|i| i.config.clone());
    if let Ok(found) = found {
        for difference in consumer_differences(&wanted, &found) {
            tracing::warn!(%stage, %difference, "the existing consumer differs from this process's flags; keeping it (run `rasd setup` to change it)");
        }
    }
    Ok(consumer)
}

/// Create the durable consumer of a stage, or update an existing one to
/// `args` (what `rasd setup` does).
pub async fn update_consumer(
    js: &jetstream::Context,
    subjects: &Subjects,
    stage: StageName,
    args: &ConsumerArgs,
) -> anyhow::Result<consumer::Consumer<consumer::pull::Config>> {
    let stream = stage_stream(js, subjects, stage).await?;
    stream
        .create_consumer(consumer_config(subjects, stage, args))
        .await
        .map_err(|e| anyhow::anyhow!("creating or updating consumer {stage}: {e}"))
}

async fn stage_stream(
    js: &jetstream::Context,
    subjects: &Subjects,
    stage: StageName,
) -> anyhow::Result<jetstream::stream::Stream> {
    let stream_name = subjects.stage_stream(stage);
    js.get_stream(&stream_name)
        .await
        .map_err(|e| anyhow::anyhow!("stream {stream_name} not found (run `rasd setup`?): {e}"))
}

/// The settings in which an existing consumer differs from the wanted one,
/// as `name: existing → wanted`.
pub fn consumer_differences(
    wanted: &consumer::pull::Config,
    found: &consumer::Config,
) -> Vec<String> {
    let mut out = Vec::new();
    if wanted.filter_subject != found.filter_subject {
        out.push(format!(
            "filter_subject: {} → {}",
            found.filter_subject, wanted.filter_subject
        ));
    }
    if wanted.ack_wait != found.ack_wait {
        out.push(format!(
            "ack_wait: {:?} → {:?}",
            found.ack_wait, wanted.ack_wait
        ));
    }
    if wanted.max_deliver != found.max_deliver {
        out.push(format!(
            "max_deliver: {} → {}",
            found.max_deliver, wanted.max_deliver
        ));
    }
    if wanted.max_ack_pending != found.max_ack_pending {
        out.push(format!(
            "max_ack_pending: {} → {}",
            found.max_ack_pending, wanted.max_ack_pending
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetch_is_a_work_queue_and_all_streams_dedupe() {
        let s = Subjects::default();
        let l = StreamArgs::default();
        let f = stream_config(&s, StreamKind::Fetch, &l);
        assert_eq!(f.retention, stream::RetentionPolicy::WorkQueue);
        assert_eq!(f.subjects, vec!["rasd.fetch.>".to_string()]);
        for k in StreamKind::ALL {
            let c = stream_config(&s, k, &l);
            assert_eq!(c.duplicate_window, std::time::Duration::from_secs(120));
            assert_eq!(c.storage, stream::StorageType::File);
        }
        let a = stream_config(&s, StreamKind::Articles, &l);
        assert_eq!(a.name, "RASD_ARTICLES");
    }

    #[test]
    fn consumer_filters_the_stage_input() {
        let s = Subjects::new("x");
        let c = consumer_config(&s, StageName::Tag, &ConsumerArgs::default());
        assert_eq!(c.filter_subject, "x.articles.clean");
        assert_eq!(c.durable_name.as_deref(), Some("tag"));
        assert_eq!(c.ack_policy, consumer::AckPolicy::Explicit);
        assert_eq!(c.max_deliver, -1, "the runner enforces max_deliver");
    }
}
