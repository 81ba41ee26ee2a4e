//! The stage runner: one implementation of the delivery semantics for every
//! stage.
//!
//! A stage core is a pure function (see [`StageCore`]). The runner pulls its
//! input from the stage's durable consumer in batches and, for each message:
//!
//! 1. runs the core on the stage's own CPU threads (fetch, which waits on
//!    HTTP, on the blocking pool), sending in-progress acks while it works
//!    so slow messages are not redelivered;
//! 2. publishes every output with `Nats-Msg-Id` set by the core
//!    (`<stage>:<article id>`) and waits for each PublishAck;
//! 3. only then acks the input.
//!
//! At-least-once delivery plus the streams' duplicate window therefore gives
//! effectively-once output: a redelivered input republishes with the same
//! message id and the stream drops the copy.
//!
//! Failures split in two: [`StageError::Reject`] (the input can never be
//! processed) goes to `<prefix>.dlq.<stage>` and the input is TERMinated;
//! [`StageError::Transient`] (and a failed publish) NAKs the input with a
//! backoff delay, and on the last allowed delivery it goes to the DLQ as
//! `max_deliver_exceeded`. The consumer itself has no delivery limit: the
//! runner enforces `max_deliver` (an input delivered more often, because
//! earlier deliveries timed out, is dead-lettered before the core runs), so
//! no input is ever dropped by the server without a dead letter. A
//! panicking core is caught and treated as a rejection, so one bad input
//! never stops a stage.
//!
//! Concurrency is bounded by a semaphore (`--concurrency`) and the pull
//! batch, so memory is bounded too. A CPU-bound core takes the inputs that
//! arrived together in chunks (up to 16, one job each) and runs them on a
//! fixed set of threads of its own; the stages of one `rasd run` share the
//! machine's cores out among them (`--cpu-threads`), so they do not evict
//! each other's tables from the caches (see [`handle_chunk`] and
//! `cpu_pool`). The price: in `rasd run`, a stage with a backlog uses only
//! its share while the others idle; scale a stage with its own replicas.
//!
//! Input is pulled in one-shot batches (one pull request per batch, never
//! refilled in the background). On shutdown the runner stops pulling, NAKs
//! the rest of the current batch exactly once (another replica takes it at
//! once), finishes and acks the in-flight messages, and returns. A
//! streaming pull would instead re-pull the NAKed messages while draining
//! and burn their deliveries. If a pull
//! fails or comes back empty the consumer is looked up again after a short
//! pause; the client itself reconnects on its own.

use std::future::IntoFuture;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer::PullConsumer, AckKind};
use async_nats::HeaderMap;
use bytes::Bytes;
use futures::{FutureExt, StreamExt};
use rasd_model::{DeadLetter, InputError, StageName, Subjects};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::cpu_pool::CpuPool;

use crate::config::ConsumerArgs;
use crate::metrics::{DlqLabel, StageMetrics};
use crate::{provision, ARTICLE_ID_HEADER, DLQ_REASON_HEADER};

/// Largest payload copied into a dead letter. Inputs over the size limit
/// would otherwise make the dead letter itself too big to publish.
pub const MAX_DLQ_PAYLOAD_BYTES: usize = 64 * 1024;

/// Most inputs a CPU-bound core takes in one go (see [`handle_chunk`]).
/// Under load, 16 per job measured about 1.5x the throughput of 4 on a
/// 2-core machine (fewer thread handoffs, pulls and wake-ups per input);
/// when inputs trickle in, a job takes only those already there, so a
/// lone input never waits for others.
const MAX_CHUNK: usize = 16;

/// How long one pull request waits on the server for messages.
const PULL_EXPIRES: Duration = Duration::from_secs(5);

/// One message a stage core wants published.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub subject: String,
    /// `Nats-Msg-Id`: `<stage>:<article id>`, the key of publish de-duplication.
    pub msg_id: String,
    pub payload: Bytes,
    /// Extra headers (the article id header is added from `article_id`).
    pub headers: Vec<(String, String)>,
    /// Article id, sent as the `Rasd-Article-Id` header.
    pub article_id: Option<String>,
}

impl Output {
    /// A JSON output for one article.
    ///
    /// Serialized with `sonic-rs` (SIMD string escaping): the tagged
    /// article is about 13 KB of mostly Arabic text, and serde_json's
    /// byte-at-a-time escaping was 4% of a pipeline's CPU. The bytes are the
    /// same as serde_json's (see the test below).
    pub fn json<T: serde::Serialize>(
        subject: impl Into<String>,
        stage: StageName,
        article_id: &str,
        value: &T,
    ) -> Result<Output, StageError> {
        let payload = sonic_rs::to_vec(value).map_err(|e| StageError::Reject {
            reason: "serialize_failed".into(),
            error: e.to_string(),
        })?;
        Ok(Output {
            subject: subject.into(),
            msg_id: format!("{stage}:{article_id}"),
            payload: payload.into(),
            headers: vec![],
            article_id: Some(article_id.to_string()),
        })
    }
}

/// Why a stage could not process an input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StageError {
    /// The input can never be processed: dead-letter it and TERM.
    #[error("{reason}: {error}")]
    Reject { reason: String, error: String },
    /// Try again later: NAK with backoff (DLQ after `max_deliver`).
    #[error("transient: {0}")]
    Transient(String),
}

impl From<InputError> for StageError {
    fn from(e: InputError) -> Self {
        StageError::Reject {
            reason: e.reason().to_string(),
            error: e.to_string(),
        }
    }
}

/// A stage's work on one message: pure, synchronous, no I/O of its own
/// (the fetch stage's HTTP call is the exception and blocks its worker).
pub trait StageCore: Send + Sync + 'static {
    fn name(&self) -> StageName;
    /// Turn one input into the messages to publish.
    fn process(&self, subject: &str, payload: &[u8]) -> Result<Vec<Output>, StageError>;
    /// Is the core pure computation? CPU-bound cores take inputs in chunks
    /// and run on threads of their own (see `cpu_pool`); a core that waits
    /// on I/O (fetch) says `false` and takes one input at a time.
    fn cpu_bound(&self) -> bool {
        true
    }
}

/// What a runner did before it returned.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunSummary {
    pub processed: u64,
    pub dlq: u64,
    pub nacked: u64,
}

/// Runs one stage core against its durable consumer.
pub struct StageRunner<C: StageCore> {
    core: Arc<C>,
    js: jetstream::Context,
    subjects: Subjects,
    args: ConsumerArgs,
    metrics: Arc<StageMetrics>,
}

struct Shared<C: StageCore> {
    core: Arc<C>,
    js: jetstream::Context,
    subjects: Subjects,
    args: ConsumerArgs,
    metrics: Arc<StageMetrics>,
    summary: std::sync::Mutex<RunSummary>,
    /// The threads that run a CPU-bound core (none for fetch).
    pool: Option<CpuPool>,
}

enum Outcome {
    Acked,
    DeadLettered,
    Nacked,
}

impl<C: StageCore> StageRunner<C> {
    pub fn new(
        core: C,
        js: jetstream::Context,
        subjects: Subjects,
        args: ConsumerArgs,
        metrics: Arc<StageMetrics>,
    ) -> Self {
        StageRunner {
            core: Arc::new(core),
            js,
            subjects,
            args,
            metrics,
        }
    }

    /// Run until `shutdown` is cancelled, then finish in-flight work.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<RunSummary> {
        let stage = self.core.name();
        let pool = if !self.core.cpu_bound() {
            None
        } else {
            // `rasd run` sets the share; unset, this is the only stage.
            let threads = self.args.cpu_threads_for(1);
            let pool = CpuPool::new(stage.as_str(), threads)
                .map_err(|e| anyhow::anyhow!("starting {threads} {stage} threads: {e}"))?;
            Some(pool)
        };
        let shared = Arc::new(Shared {
            pool,
            core: self.core,
            js: self.js,
            subjects: self.subjects,
            args: self.args,
            metrics: self.metrics,
            summary: Default::default(),
        });
        let concurrency = shared.args.concurrency.max(1);
        let max_chunk = if shared.core.cpu_bound() {
            MAX_CHUNK
        } else {
            1
        };
        let batch_size = shared.args.batch_size(max_chunk);
        let chunk_size = max_chunk.min(batch_size.div_ceil(concurrency)).max(1);
        let permits = Arc::new(Semaphore::new(concurrency));
        let mut tasks: JoinSet<()> = JoinSet::new();
        let mut pause = Duration::from_millis(200);
        let mut announced = false;

        'outer: while !shutdown.is_cancelled() {
            let consumer: PullConsumer =
                match provision::ensure_consumer(&shared.js, &shared.subjects, stage, &shared.args)
                    .await
                {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::warn!(%stage, error = %e, "consumer not available; retrying");
                        announced = false;
                        if sleep_or_cancel(&shutdown, pause).await {
                            break;
                        }
                        pause = (pause * 2).min(Duration::from_secs(5));
                        continue;
                    }
                };
            // The consumer is looked up again after every empty pull (every
            // few seconds when idle): say so once, and again after a failure.
            if announced {
                tracing::debug!(%stage, "consumer looked up again");
            } else {
                tracing::info!(%stage, concurrency, batch = batch_size, chunk = chunk_size, "consuming");
                announced = true;
            }
            loop {
                if shutdown.is_cancelled() {
                    break 'outer;
                }
                while tasks.try_join_next().is_some() {}
                // One-shot pull requests: nothing is ever pulled behind our
                // back, so after cancellation only this batch's rest is NAKed,
                // once (a streaming pull would refill and redeliver it).
                let requested = Instant::now();
                let mut batch = match consumer
                    .batch()
                    .max_messages(batch_size)
                    .expires(PULL_EXPIRES)
                    .messages()
                    .await
                {
                    Ok(b) => b,
                    Err(e) => {
                        tracing::warn!(%stage, error = %e, "pull request failed; retrying");
                        announced = false;
                        if sleep_or_cancel(&shutdown, pause).await {
                            break 'outer;
                        }
                        pause = (pause * 2).min(Duration::from_secs(5));
                        continue 'outer;
                    }
                };
                let mut received = 0usize;
                loop {
                    let permit = tokio::select! {
                        _ = shutdown.cancelled() => {
                            nak_rest_of_batch(&mut batch).await;
                            break 'outer;
                        }
                        p = permits.clone().acquire_owned() => p.expect("semaphore never closed"),
                    };
                    let next = tokio::select! {
                        _ = shutdown.cancelled() => {
                            nak_rest_of_batch(&mut batch).await;
                            break 'outer;
                        }
                        m = batch.next() => m,
                    };
                    // Take what else of this batch has already arrived, up
                    // to a chunk: one handoff to the CPU threads per
                    // chunk, not per message.
                    let mut chunk = Vec::new();
                    let mut tail = match next {
                        Some(Ok(msg)) => {
                            chunk.push(msg);
                            BatchTail::More
                        }
                        Some(Err(e)) => BatchTail::Error(e),
                        None => BatchTail::Ended,
                    };
                    while matches!(tail, BatchTail::More) && chunk.len() < chunk_size {
                        match batch.next().now_or_never() {
                            Some(Some(Ok(m))) => chunk.push(m),
                            Some(Some(Err(e))) => tail = BatchTail::Error(e),
                            Some(None) => tail = BatchTail::Ended,
                            None => break,
                        }
                    }
                    if !chunk.is_empty() {
                        received += chunk.len();
                        pause = Duration::from_millis(200);
                        let shared = shared.clone();
                        tasks.spawn(async move {
                            handle_chunk(shared, chunk).await;
                            drop(permit);
                        });
                    }
                    match tail {
                        BatchTail::More => {}
                        BatchTail::Ended => break,
                        BatchTail::Error(e) => {
                            tracing::warn!(%stage, error = %e, "pull error; re-checking the consumer");
                            announced = false;
                            if sleep_or_cancel(&shutdown, pause).await {
                                break 'outer;
                            }
                            pause = (pause * 2).min(Duration::from_secs(5));
                            continue 'outer;
                        }
                    }
                }
                if received == 0 {
                    // An empty batch: the consumer may be gone (it is looked
                    // up again), and one that ended early must not spin.
                    if requested.elapsed() < PULL_EXPIRES / 2
                        && sleep_or_cancel(&shutdown, pause).await
                    {
                        break 'outer;
                    }
                    continue 'outer;
                }
            }
        }
        while tasks.try_join_next().is_some() {}
        tracing::info!(%stage, in_flight = tasks.len(), "stopping: finishing in-flight messages");
        while tasks.join_next().await.is_some() {}
        // Make sure every ack and publish left the client before returning.
        let _ = shared.js.client().flush().await;
        let summary = *shared.summary.lock().unwrap_or_else(|p| p.into_inner());
        tracing::info!(%stage, ?summary, "stopped");
        Ok(summary)
    }
}

/// What follows the messages taken from a pull batch so far.
enum BatchTail<E> {
    /// More may come.
    More,
    /// The batch is complete (or expired).
    Ended,
    /// The pull failed: the consumer is looked up again.
    Error(E),
}

/// Sleep for `d`; true if the token was cancelled meanwhile.
async fn sleep_or_cancel(token: &CancellationToken, d: Duration) -> bool {
    tokio::select! {
        _ = token.cancelled() => true,
        _ = tokio::time::sleep(d) => false,
    }
}

/// NAK the messages of the current pull batch that were not started, so
/// another replica gets them without waiting for the ack timeout. The
/// batch is one-shot: draining it sends no new pull request, so each
/// message is NAKed exactly once. Whatever the server already sent arrives
/// at once; the short timeout only ends the wait for more.
async fn nak_rest_of_batch(batch: &mut async_nats::jetstream::consumer::pull::Batch) {
    while let Ok(Some(Ok(msg))) =
        tokio::time::timeout(Duration::from_millis(50), batch.next()).await
    {
        let _ = msg.ack_with(AckKind::Nak(None)).await;
    }
}

/// Process a chunk of inputs that arrived together.
///
/// CPU-bound cores run the whole chunk in one job on the stage's own threads
/// (its share of the cores, see [`CpuPool`]), one input after the other: one
/// thread handoff per chunk instead of per message, and the core's tables
/// stay in that core's cache. Each input still gets its own outcome: publish
/// and ack, dead letter, or NAK.
async fn handle_chunk<C: StageCore>(shared: Arc<Shared<C>>, msgs: Vec<jetstream::Message>) {
    let stage = shared.core.name();
    let started = Instant::now();
    let mut todo = Vec::with_capacity(msgs.len());
    for msg in msgs {
        let (stream_seq, delivered) = match msg.info() {
            Ok(i) => (i.stream_sequence, i.delivered),
            Err(_) => (0, 1),
        };
        let span =
            tracing::info_span!("message", %stage, subject = %msg.subject, stream_seq, delivered);
        // Earlier deliveries timed out (the replica died or its in-progress
        // acks were lost). The consumer has no server-side limit, so this is
        // where an input that keeps killing its workers stops.
        if shared.args.max_deliver > 0 && delivered > shared.args.max_deliver {
            let e = format!(
                "delivered {delivered} times, more than max_deliver {}: previous deliveries timed out",
                shared.args.max_deliver
            );
            let outcome = dead_letter(&shared, &msg, stream_seq, "max_deliver_exceeded", &e)
                .instrument(span)
                .await;
            record(&shared, outcome, started);
            continue;
        }
        todo.push((msg, stream_seq, delivered, span));
    }
    if todo.is_empty() {
        return;
    }
    shared
        .metrics
        .chunk_inputs
        .get_or_create(&StageMetrics::stage(stage.as_str()))
        .observe(todo.len() as f64);

    let core = shared.core.clone();
    let inputs: Vec<(String, Bytes)> = todo
        .iter()
        .map(|(m, ..)| (m.subject.to_string(), m.payload.clone()))
        .collect();
    let work = move || {
        inputs
            .iter()
            .map(|(subject, payload)| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    core.process(subject, payload)
                }))
                .unwrap_or_else(|p| {
                    let detail = p
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| p.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".into());
                    Err(StageError::Reject {
                        reason: "stage_panic".into(),
                        error: format!("the {stage} core panicked on this input: {detail}"),
                    })
                })
            })
            .collect::<Vec<_>>()
    };
    let job = async {
        if let Some(pool) = &shared.pool {
            pool.run(work).await.map_err(String::from)
        } else {
            tokio::task::spawn_blocking(work)
                .await
                .map_err(|e| e.to_string())
        }
    };
    // In-progress acks for every input of the chunk while the core works.
    let mut progress = progress_ticks(&shared.args);
    let msgs: Vec<&jetstream::Message> = todo.iter().map(|(m, ..)| m).collect();
    let results = match with_progress(&msgs, &mut progress, job).await {
        Ok(r) => r,
        // The job itself failed (the runtime or the stage's threads are
        // shutting down, or a panic escaped the core): leave the inputs to
        // be redelivered.
        Err(e) => {
            let error = format!("the {stage} core did not run: {e}");
            futures::future::join_all(todo.iter().map(|(msg, seq, delivered, span)| {
                retry_or_dead_letter(&shared, msg, *seq, *delivered, &error)
                    .instrument(span.clone())
            }))
            .await;
            return;
        }
    };
    futures::future::join_all(todo.iter().zip(results).map(
        |((msg, stream_seq, delivered, span), result)| {
            let shared = &shared;
            async move {
                let outcome = finish_one(shared, msg, *stream_seq, *delivered, result).await;
                record(shared, outcome, started);
            }
            .instrument(span.clone())
        },
    ))
    .await;
}

/// Count one input's outcome in the metrics and the run summary.
fn record<C: StageCore>(shared: &Shared<C>, outcome: Outcome, started: Instant) {
    let label = StageMetrics::stage(shared.core.name().as_str());
    let mut summary = shared.summary.lock().unwrap_or_else(|p| p.into_inner());
    match outcome {
        Outcome::Acked => {
            shared.metrics.processed.get_or_create(&label).inc();
            summary.processed += 1;
        }
        Outcome::DeadLettered => summary.dlq += 1,
        Outcome::Nacked => {
            shared.metrics.failed.get_or_create(&label).inc();
            summary.nacked += 1;
        }
    }
    shared
        .metrics
        .latency
        .get_or_create(&label)
        .observe(started.elapsed().as_secs_f64());
}

/// Publish one input's outputs and ack it, or dead-letter / NAK it.
async fn finish_one<C: StageCore>(
    shared: &Arc<Shared<C>>,
    msg: &jetstream::Message,
    stream_seq: u64,
    delivered: i64,
    result: Result<Vec<Output>, StageError>,
) -> Outcome {
    let mut progress = progress_ticks(&shared.args);
    match result {
        Ok(outputs) => match publish_all(shared, &outputs, &mut progress, msg).await {
            Ok(()) => {
                if let Err(e) = msg.ack().await {
                    tracing::warn!(error = %e, "ack failed; the input will be redelivered and de-duplicated");
                }
                tracing::debug!(outputs = outputs.len(), "processed");
                Outcome::Acked
            }
            Err(StageError::Reject { reason, error }) => {
                dead_letter(shared, msg, stream_seq, &reason, &error).await
            }
            Err(StageError::Transient(e)) => {
                retry_or_dead_letter(shared, msg, stream_seq, delivered, &e).await
            }
        },
        Err(StageError::Reject { reason, error }) => {
            tracing::info!(%reason, %error, "rejected input");
            dead_letter(shared, msg, stream_seq, &reason, &error).await
        }
        Err(StageError::Transient(e)) => {
            retry_or_dead_letter(shared, msg, stream_seq, delivered, &e).await
        }
    }
}

async fn publish_all<C: StageCore>(
    shared: &Arc<Shared<C>>,
    outputs: &[Output],
    progress: &mut tokio::time::Interval,
    msg: &jetstream::Message,
) -> Result<(), StageError> {
    use async_nats::jetstream::context::PublishErrorKind;
    let stage = shared.core.name();
    let mut acks = Vec::with_capacity(outputs.len());
    for o in outputs {
        let mut headers = HeaderMap::new();
        if let Some(id) = &o.article_id {
            headers.insert(ARTICLE_ID_HEADER, id.as_str());
        }
        for (k, v) in &o.headers {
            headers.insert(k.as_str(), v.as_str());
        }
        let publish = jetstream::message::PublishMessage::build()
            .payload(o.payload.clone())
            .headers(headers)
            .message_id(&o.msg_id);
        match shared.js.send_publish(o.subject.clone(), publish).await {
            Ok(ack) => acks.push(ack),
            Err(e) if e.kind() == PublishErrorKind::MaxPayloadExceeded => {
                return Err(StageError::Reject {
                    reason: "output_too_large".into(),
                    error: format!("output for {} is too large to publish: {e}", o.subject),
                })
            }
            Err(e) => {
                return Err(StageError::Transient(format!(
                    "publish to {}: {e}",
                    o.subject
                )))
            }
        }
    }
    for ack in acks {
        let waited = with_progress(&[msg], progress, ack.into_future()).await;
        match waited {
            Ok(_) => {
                shared
                    .metrics
                    .published
                    .get_or_create(&StageMetrics::stage(stage.as_str()))
                    .inc();
            }
            Err(e) => return Err(StageError::Transient(format!("publish ack: {e}"))),
        }
    }
    Ok(())
}

async fn retry_or_dead_letter<C: StageCore>(
    shared: &Arc<Shared<C>>,
    msg: &jetstream::Message,
    stream_seq: u64,
    delivered: i64,
    error: &str,
) -> Outcome {
    if shared.args.max_deliver > 0 && delivered >= shared.args.max_deliver {
        let e = format!("gave up after {delivered} deliveries; last error: {error}");
        return dead_letter(shared, msg, stream_seq, "max_deliver_exceeded", &e).await;
    }
    let delay = shared.args.backoff_for(delivered);
    tracing::warn!(%error, ?delay, "transient failure; will retry");
    let _ = msg.ack_with(AckKind::Nak(Some(delay))).await;
    Outcome::Nacked
}

/// Publish a dead letter for the input and TERM it. If the dead letter
/// cannot be published the input is NAKed instead, so nothing is lost.
async fn dead_letter<C: StageCore>(
    shared: &Arc<Shared<C>>,
    msg: &jetstream::Message,
    stream_seq: u64,
    reason: &str,
    error: &str,
) -> Outcome {
    let stage = shared.core.name();
    let payload: &[u8] = &msg.payload;
    let (kept, error) = if payload.len() > MAX_DLQ_PAYLOAD_BYTES {
        (
            &payload[..MAX_DLQ_PAYLOAD_BYTES],
            format!(
                "{error} (payload truncated to {MAX_DLQ_PAYLOAD_BYTES} of {} bytes)",
                payload.len()
            ),
        )
    } else {
        (payload, error.to_string())
    };
    let letter = DeadLetter::new(
        stage.as_str(),
        reason,
        error,
        &msg.subject,
        now_rfc3339(),
        kept,
    );
    let body = serde_json::to_vec(&letter).unwrap_or_default();
    let mut headers = HeaderMap::new();
    headers.insert(DLQ_REASON_HEADER, reason);
    let publish = jetstream::message::PublishMessage::build()
        .payload(body.into())
        .headers(headers)
        .message_id(format!("dlq:{stage}:{stream_seq}"));
    let subject = shared.subjects.dlq(stage);
    // The PublishAck may take up to the publish timeout: keep the input
    // alive meanwhile so it is not redelivered while its letter is stored.
    let mut progress = progress_ticks(&shared.args);
    let published = with_progress(&[msg], &mut progress, async {
        match shared.js.send_publish(subject, publish).await {
            Ok(ack) => ack.await.map(|_| ()).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    })
    .await;
    match published {
        Ok(()) => {
            shared
                .metrics
                .dlq
                .get_or_create(&DlqLabel {
                    stage: stage.to_string(),
                    reason: reason.to_string(),
                })
                .inc();
            let _ = msg.ack_with(AckKind::Term).await;
            Outcome::DeadLettered
        }
        Err(e) => {
            tracing::warn!(error = %e, "dead letter could not be published; will retry");
            let delay = shared.args.backoff_for(1);
            let _ = msg.ack_with(AckKind::Nak(Some(delay))).await;
            Outcome::Nacked
        }
    }
}

/// Ticks for in-progress acks: every half ack wait, the first one half an
/// ack wait from now.
fn progress_ticks(args: &ConsumerArgs) -> tokio::time::Interval {
    let every = (args.ack_wait / 2).max(Duration::from_millis(100));
    tokio::time::interval_at(tokio::time::Instant::now() + every, every)
}

/// Await `fut`, sending an in-progress ack for each of `msgs` at every
/// tick, so the server does not redeliver them while this process still
/// works on them (the core, a PublishAck, a dead letter).
async fn with_progress<F: std::future::Future>(
    msgs: &[&jetstream::Message],
    progress: &mut tokio::time::Interval,
    fut: F,
) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    loop {
        tokio::select! {
            r = &mut fut => return r,
            _ = progress.tick() => {
                for msg in msgs {
                    let _ = msg.ack_with(AckKind::Progress).await;
                }
            }
        }
    }
}

/// The current time as RFC 3339 (UTC).
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Output payloads are byte-for-byte what serde_json would write:
    /// escapes (quotes, backslashes, control characters, U+2028), Arabic
    /// text, numbers and nesting, on a real tagged seed article too.
    #[test]
    fn output_json_is_byte_identical_to_serde_json() {
        let value = serde_json::json!({
            "id": "a\"b\\c\u{1}\n\t\u{2028}",
            "text": "قوات سوريا الديمقراطية «قسد» — “اشتباكات” في ريف دير الزور",
            "n": [0, -1, 1.5, 0.1, 1e-7, 123456789.0, u64::MAX],
            "nested": {"ok": true, "none": null, "empty": [], "obj": {}},
        });
        let out = Output::json("s", StageName::Tag, "id", &value).unwrap();
        assert_eq!(out.payload, serde_json::to_vec(&value).unwrap());

        let seed = include_str!("../../../seeds/004_b9e175c1fa34ede7.txt");
        let mut article = rasd_model::CleanArticle::new("seed-004", "title", seed);
        article.lang_confidence = 0.987_654_321;
        let out = Output::json("s", StageName::Clean, "seed-004", &article).unwrap();
        assert_eq!(out.payload, serde_json::to_vec(&article).unwrap());
    }
}
