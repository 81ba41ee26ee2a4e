//! Registration of a stage with the NATS service API.
//!
//! With it, `nats micro ls` / `$SRV.PING`, `$SRV.INFO` and `$SRV.STATS`
//! find every running replica of every stage without any extra
//! infrastructure. Each stage also answers `<prefix>.svc.<stage>.status`
//! with its counters as JSON.

use std::collections::HashMap;
use std::sync::Arc;

use async_nats::service::{Service, ServiceExt};
use futures::StreamExt;
use rasd_model::{StageName, Subjects};
use serde::Serialize;

use crate::metrics::StageMetrics;

/// Service name of a stage: `rasd-<stage>`.
pub fn service_name(stage: StageName) -> String {
    format!("rasd-{stage}")
}

/// What `<prefix>.svc.<stage>.status` answers.
#[derive(Debug, Serialize)]
pub struct StageStatus {
    pub stage: String,
    pub processed: u64,
    pub failed: u64,
    pub dlq: u64,
    pub published: u64,
}

pub fn stage_status(metrics: &StageMetrics, stage: StageName) -> StageStatus {
    let label = StageMetrics::stage(stage.as_str());
    let get = |f: &prometheus_client::metrics::family::Family<
        _,
        prometheus_client::metrics::counter::Counter,
    >| { f.get(&label).map(|c| c.get()).unwrap_or(0) };
    // DLQ counters are per reason: sum the ones of this stage.
    let dlq = metrics.dlq_total(stage.as_str());
    StageStatus {
        stage: stage.to_string(),
        processed: get(&metrics.processed),
        failed: get(&metrics.failed),
        dlq,
        published: get(&metrics.published),
    }
}

/// Register the stage and answer its status endpoint until the service is
/// stopped or the connection closes.
pub async fn register(
    client: &async_nats::Client,
    subjects: &Subjects,
    stage: StageName,
    metrics: Arc<StageMetrics>,
) -> anyhow::Result<Service> {
    let mut meta = HashMap::new();
    meta.insert("stage".to_string(), stage.to_string());
    meta.insert("prefix".to_string(), subjects.prefix().to_string());
    let service = client
        .service_builder()
        .description(format!("rasd {stage} stage"))
        .metadata(meta)
        .start(service_name(stage), env!("CARGO_PKG_VERSION"))
        .await
        .map_err(|e| anyhow::anyhow!("registering service for {stage}: {e}"))?;
    let mut endpoint = service
        .endpoint_builder()
        .name("status")
        .add(format!("{}.svc.{stage}.status", subjects.prefix()))
        .await
        .map_err(|e| anyhow::anyhow!("adding status endpoint for {stage}: {e}"))?;
    tokio::spawn(async move {
        while let Some(request) = endpoint.next().await {
            let status = stage_status(&metrics, stage);
            let body = serde_json::to_vec(&status).unwrap_or_default();
            if let Err(e) = request.respond(Ok(body.into())).await {
                tracing::debug!(error = %e, "status reply failed");
            }
        }
    });
    Ok(service)
}
