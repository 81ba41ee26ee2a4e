//! Idempotent provisioning of the streams and of the stage consumers.
//!
//! Every stage provisions at start (and `rasd setup` does it on demand), so
//! the order in which replicas and stages come up does not matter: the first
//! one creates, the others find the same configuration in place.

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

/// Create (or update) the durable consumer of a stage and return it.
pub async fn ensure_consumer(
    js: &jetstream::Context,
    subjects: &Subjects,
    stage: StageName,
    args: &ConsumerArgs,
) -> anyhow::Result<consumer::Consumer<consumer::pull::Config>> {
    let stream_name = subjects.stage_stream(stage);
    let stream = js
        .get_stream(&stream_name)
        .await
        .map_err(|e| anyhow::anyhow!("stream {stream_name} not found (run `rasd setup`?): {e}"))?;
    let consumer = stream
        .create_consumer(consumer_config(subjects, stage, args))
        .await
        .map_err(|e| anyhow::anyhow!("creating consumer {stage} on {stream_name}: {e}"))?;
    Ok(consumer)
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
