//! Prometheus metrics of the stages and the HTTP endpoint that serves them.
//!
//! One [`StageMetrics`] per process; every series is labelled with the
//! stage, so `rasd run` (all stages in one process) and one process per
//! stage expose the same metric names.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::{http::header, response::IntoResponse, routing::get, Router};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StageLabel {
    pub stage: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DlqLabel {
    pub stage: String,
    pub reason: String,
}

/// Counters and histograms of every stage in this process.
pub struct StageMetrics {
    registry: Mutex<Registry>,
    /// Inputs handled successfully (outputs published, input acked).
    pub processed: Family<StageLabel, Counter>,
    /// Transient failures (input NAKed for redelivery).
    pub failed: Family<StageLabel, Counter>,
    /// Inputs sent to the dead-letter subject, by reason.
    pub dlq: Family<DlqLabel, Counter>,
    /// Output messages published.
    pub published: Family<StageLabel, Counter>,
    /// Time from receiving an input to acking it.
    pub latency: Family<StageLabel, Histogram>,
    /// Inputs per job: CPU-bound stages take the inputs that arrived
    /// together in one go (see `runner`). Mostly 1 means inputs trickle in
    /// (or the pull batch is too small); near the chunk limit means a
    /// backlog is being drained at full speed.
    pub chunk_inputs: Family<StageLabel, Histogram>,
}

impl Default for StageMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl StageMetrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("rasd");
        let processed = Family::<StageLabel, Counter>::default();
        let failed = Family::<StageLabel, Counter>::default();
        let dlq = Family::<DlqLabel, Counter>::default();
        let published = Family::<StageLabel, Counter>::default();
        let latency = Family::<StageLabel, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        registry.register(
            "messages_processed",
            "Inputs processed and acknowledged",
            processed.clone(),
        );
        registry.register(
            "messages_failed",
            "Transient failures (input NAKed for redelivery)",
            failed.clone(),
        );
        registry.register(
            "messages_dlq",
            "Inputs sent to the dead-letter subject",
            dlq.clone(),
        );
        registry.register(
            "messages_published",
            "Output messages published",
            published.clone(),
        );
        let chunk_inputs = Family::<StageLabel, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(1.0, 2.0, 7))
        });
        registry.register(
            "chunk_inputs",
            "Inputs processed together in one job",
            chunk_inputs.clone(),
        );
        registry.register(
            "processing_seconds",
            "Time from receiving an input to acknowledging it",
            latency.clone(),
        );
        StageMetrics {
            registry: Mutex::new(registry),
            processed,
            failed,
            dlq,
            published,
            latency,
            chunk_inputs,
        }
    }

    pub fn stage(stage: &str) -> StageLabel {
        StageLabel {
            stage: stage.to_string(),
        }
    }

    /// The metrics in the Prometheus text format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        let reg = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &reg);
        out
    }
}

/// Serve `/metrics` (and `/healthz`) on `addr` until the token is cancelled.
/// Returns the bound address (useful with port 0).
pub async fn serve(
    metrics: Arc<StageMetrics>,
    addr: SocketAddr,
    shutdown: tokio_util::sync::CancellationToken,
) -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = Router::new()
        .route(
            "/metrics",
            get(move || {
                let m = metrics.clone();
                async move {
                    (
                        [(
                            header::CONTENT_TYPE,
                            "application/openmetrics-text; version=1.0.0; charset=utf-8",
                        )],
                        m.encode(),
                    )
                        .into_response()
                }
            }),
        )
        .route("/healthz", get(|| async { "ok" }));
    tokio::spawn(async move {
        let r = axum::serve(listener, app)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await;
        if let Err(e) = r {
            tracing::error!(error = %e, "metrics server failed");
        }
    });
    tracing::info!(addr = %bound, "metrics endpoint listening");
    Ok(bound)
}

impl StageMetrics {
    /// DLQ messages of one stage over all reasons.
    pub fn dlq_total(&self, stage: &str) -> u64 {
        // Family has no iteration API; the encoded text is the source of
        // truth and is cheap at this size.
        let prefix = format!("rasd_messages_dlq_total{{stage=\"{stage}\",");
        self.encode()
            .lines()
            .filter(|l| l.starts_with(&prefix))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_counters_with_stage_labels() {
        let m = StageMetrics::new();
        m.processed.get_or_create(&StageMetrics::stage("tag")).inc();
        m.dlq
            .get_or_create(&DlqLabel {
                stage: "clean".into(),
                reason: "empty_text".into(),
            })
            .inc_by(2);
        m.latency
            .get_or_create(&StageMetrics::stage("tag"))
            .observe(0.01);
        let text = m.encode();
        assert!(
            text.contains(r#"rasd_messages_processed_total{stage="tag"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"rasd_messages_dlq_total{stage="clean",reason="empty_text"} 2"#),
            "{text}"
        );
        assert!(
            text.contains("rasd_processing_seconds_count{stage=\"tag\"} 1"),
            "{text}"
        );
    }
}
