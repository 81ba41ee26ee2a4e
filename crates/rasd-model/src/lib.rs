//! The message contract of rasd: every type that crosses a NATS subject, the
//! subject and stream names, and the schema version.
//!
//! Stages never share memory, only these JSON messages, so this crate is the
//! one place where the wire format is defined. Every output message carries
//! `schema_version`; a stage that receives a version it does not know sends
//! the message to its dead-letter subject instead of guessing.

pub mod article;
pub mod dlq;
pub mod subjects;

pub use article::*;
pub use dlq::DeadLetter;
pub use subjects::{StageName, Subjects};

/// Version of the message schema written by this build. Bumped on any
/// incompatible change to the types in this crate.
pub const SCHEMA_VERSION: u32 = 1;

/// Default size limit for one article (bytes of JSON payload).
pub const DEFAULT_MAX_ARTICLE_BYTES: usize = 1024 * 1024;
