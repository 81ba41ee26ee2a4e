//! `rasd status`: how far behind each stage is, how often it redelivers,
//! and how much each one dead-lettered, read from JetStream itself (so it
//! works with any number of replicas and without the stages' cooperation).

use async_nats::jetstream;
use rasd_bus::NatsArgs;
use rasd_model::subjects::StreamKind;
use rasd_model::StageName;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StageStatus {
    pub stage: String,
    /// False when the stage's consumer does not exist yet (never started).
    pub consumer: bool,
    /// Messages not yet delivered to the stage.
    pub pending: u64,
    /// Delivered but not yet acknowledged.
    pub ack_pending: usize,
    /// Messages delivered more than once.
    pub redelivered: usize,
    /// Dead letters in `<prefix>.dlq.<stage>`.
    pub dlq: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub streams: Vec<StreamStatus>,
    pub stages: Vec<StageStatus>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StreamStatus {
    pub name: String,
    pub messages: u64,
    pub bytes: u64,
}

pub async fn collect(nats: &NatsArgs) -> anyhow::Result<Status> {
    let subjects = nats.subjects();
    let client = nats.connect("rasd-status").await?;
    let js = jetstream::new(client);
    let mut streams = Vec::new();
    for kind in StreamKind::ALL {
        let name = subjects.stream(kind);
        if let Ok(s) = js.get_stream(&name).await {
            let info = s.get_info().await?;
            streams.push(StreamStatus {
                name,
                messages: info.state.messages,
                bytes: info.state.bytes,
            });
        }
    }
    let mut dlq_counts = std::collections::HashMap::new();
    if let Ok(s) = js.get_stream(subjects.stream(StreamKind::Dlq)).await {
        use futures::StreamExt;
        if let Ok(mut it) = s.info_with_subjects(subjects.dlq_all()).await {
            while let Some(Ok((subject, n))) = it.next().await {
                dlq_counts.insert(subject, n as u64);
            }
        }
    }
    let mut stages = Vec::new();
    for stage in StageName::ALL {
        let dlq = dlq_counts.get(&subjects.dlq(stage)).copied().unwrap_or(0);
        let info = match js.get_stream(subjects.stage_stream(stage)).await {
            Ok(s) => s
                .get_consumer::<jetstream::consumer::pull::Config>(&subjects.durable(stage))
                .await
                .ok(),
            Err(_) => None,
        };
        let status = match info {
            Some(mut c) => {
                let i = c.info().await?;
                StageStatus {
                    stage: stage.to_string(),
                    consumer: true,
                    pending: i.num_pending,
                    ack_pending: i.num_ack_pending,
                    redelivered: i.num_redelivered,
                    dlq,
                }
            }
            None => StageStatus {
                stage: stage.to_string(),
                consumer: false,
                pending: 0,
                ack_pending: 0,
                redelivered: 0,
                dlq,
            },
        };
        stages.push(status);
    }
    Ok(Status { streams, stages })
}

pub fn render(s: &Status) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{:<10} {:>9} {:>11} {:>11} {:>7}\n",
        "stage", "pending", "ack_pending", "redelivered", "dlq"
    ));
    for st in &s.stages {
        if st.consumer {
            out.push_str(&format!(
                "{:<10} {:>9} {:>11} {:>11} {:>7}\n",
                st.stage, st.pending, st.ack_pending, st.redelivered, st.dlq
            ));
        } else {
            out.push_str(&format!(
                "{:<10} {:>9} {:>11} {:>11} {:>7}\n",
                st.stage, "-", "-", "-", st.dlq
            ));
        }
    }
    out.push('\n');
    for st in &s.streams {
        out.push_str(&format!(
            "{:<18} {:>9} msgs {:>12} bytes\n",
            st.name, st.messages, st.bytes
        ));
    }
    out
}
