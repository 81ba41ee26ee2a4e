//! rasd-bus: everything the stages share about NATS JetStream.
//!
//! The stage cores (`rasd-clean`, `rasd-tag`, ...) are pure functions from
//! one input message to zero or more output messages. This crate turns such
//! a function into a long-running, fault-tolerant stage:
//!
//! - [`config`]: how to reach NATS (URL, credentials, TLS) and how big the
//!   streams may grow, as clap argument groups with `RASD_*` environment
//!   fallbacks, so every command of the binary reads them the same way.
//! - [`provision`]: idempotent creation of the streams and of the one durable
//!   pull consumer per stage that every replica of that stage binds.
//! - [`runner`]: the [`StageRunner`](runner::StageRunner), the single
//!   implementation of the delivery semantics (publish-then-ack, DLQ and
//!   TERM for bad input, NAK with backoff for transient failures, in-progress
//!   acks, graceful shutdown, resuming after reconnects).
//! - [`metrics`] and [`service`]: the Prometheus endpoint and the NATS
//!   service API (`$SRV.PING/INFO/STATS`) each stage exposes.

pub mod config;
mod cpu_pool;
pub mod metrics;
pub mod provision;
pub mod runner;
pub mod service;

pub use config::{ConsumerArgs, NatsArgs, StreamArgs};
pub use metrics::StageMetrics;
pub use runner::{Output, StageCore, StageError, StageRunner};

/// Header carrying the article id on every output message, so subscribers
/// can tell articles apart without parsing the payload.
pub const ARTICLE_ID_HEADER: &str = "Rasd-Article-Id";
/// Header carrying the DLQ reason on dead-letter messages.
pub const DLQ_REASON_HEADER: &str = "Rasd-Dlq-Reason";
