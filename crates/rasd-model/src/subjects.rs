//! Subject and stream names. All are derived from one prefix (`rasd` by
//! default) so that several deployments can share a NATS account.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The four pipeline stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StageName {
    Fetch,
    Clean,
    Tag,
    Aggregate,
}

impl StageName {
    pub const ALL: [StageName; 4] = [
        StageName::Fetch,
        StageName::Clean,
        StageName::Tag,
        StageName::Aggregate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StageName::Fetch => "fetch",
            StageName::Clean => "clean",
            StageName::Tag => "tag",
            StageName::Aggregate => "aggregate",
        }
    }
}

impl fmt::Display for StageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StageName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "fetch" => Ok(StageName::Fetch),
            "clean" => Ok(StageName::Clean),
            "tag" => Ok(StageName::Tag),
            "aggregate" => Ok(StageName::Aggregate),
            other => Err(format!(
                "unknown stage `{other}` (expected fetch, clean, tag or aggregate)"
            )),
        }
    }
}

/// Every subject and stream name of one deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subjects {
    prefix: String,
}

impl Default for Subjects {
    fn default() -> Self {
        Subjects::new("rasd")
    }
}

impl Subjects {
    pub fn new(prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        let prefix = prefix.trim_matches('.').to_string();
        Subjects { prefix }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Where users publish new articles.
    pub fn articles_raw(&self) -> String {
        format!("{}.articles.raw", self.prefix)
    }
    /// Output of the clean stage.
    pub fn articles_clean(&self) -> String {
        format!("{}.articles.clean", self.prefix)
    }
    /// Output of the tag stage.
    pub fn articles_tagged(&self) -> String {
        format!("{}.articles.tagged", self.prefix)
    }
    /// Wildcard over all article subjects (the `RASD_ARTICLES` stream).
    pub fn articles_all(&self) -> String {
        format!("{}.articles.>", self.prefix)
    }
    /// One message per extracted event, by ACLED event type.
    pub fn event(&self, event_type: &str) -> String {
        format!("{}.events.{}", self.prefix, event_type)
    }
    pub fn events_all(&self) -> String {
        format!("{}.events.>", self.prefix)
    }
    /// URLs and feeds to fetch.
    pub fn fetch_requests(&self) -> String {
        format!("{}.fetch.requests", self.prefix)
    }
    pub fn fetch_all(&self) -> String {
        format!("{}.fetch.>", self.prefix)
    }
    /// Aggregates published by the aggregate stage.
    pub fn aggregates(&self) -> String {
        format!("{}.aggregates.entities", self.prefix)
    }
    pub fn aggregates_all(&self) -> String {
        format!("{}.aggregates.>", self.prefix)
    }
    /// Dead-letter subject of one stage.
    pub fn dlq(&self, stage: StageName) -> String {
        format!("{}.dlq.{}", self.prefix, stage)
    }
    pub fn dlq_all(&self) -> String {
        format!("{}.dlq.>", self.prefix)
    }

    /// The subject a stage consumes.
    pub fn stage_input(&self, stage: StageName) -> String {
        match stage {
            StageName::Fetch => self.fetch_requests(),
            StageName::Clean => self.articles_raw(),
            StageName::Tag => self.articles_clean(),
            StageName::Aggregate => self.articles_tagged(),
        }
    }

    /// Stream names. With the default prefix these are `RASD_ARTICLES`,
    /// `RASD_EVENTS`, `RASD_FETCH`, `RASD_DLQ`, `RASD_AGGREGATES`.
    pub fn stream(&self, kind: StreamKind) -> String {
        let p = self
            .prefix
            .to_ascii_uppercase()
            .replace(['.', '-', '*', '>'], "_");
        format!("{p}_{}", kind.suffix())
    }

    /// The stream that holds a stage's input.
    pub fn stage_stream(&self, stage: StageName) -> String {
        match stage {
            StageName::Fetch => self.stream(StreamKind::Fetch),
            _ => self.stream(StreamKind::Articles),
        }
    }

    /// Durable consumer name of a stage; every replica binds this one.
    pub fn durable(&self, stage: StageName) -> String {
        stage.as_str().to_string()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKind {
    Articles,
    Events,
    Fetch,
    Dlq,
    Aggregates,
}

impl StreamKind {
    pub const ALL: [StreamKind; 5] = [
        StreamKind::Articles,
        StreamKind::Events,
        StreamKind::Fetch,
        StreamKind::Dlq,
        StreamKind::Aggregates,
    ];
    fn suffix(self) -> &'static str {
        match self {
            StreamKind::Articles => "ARTICLES",
            StreamKind::Events => "EVENTS",
            StreamKind::Fetch => "FETCH",
            StreamKind::Dlq => "DLQ",
            StreamKind::Aggregates => "AGGREGATES",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names() {
        let s = Subjects::default();
        assert_eq!(s.articles_raw(), "rasd.articles.raw");
        assert_eq!(s.dlq(StageName::Tag), "rasd.dlq.tag");
        assert_eq!(s.stream(StreamKind::Articles), "RASD_ARTICLES");
        assert_eq!(s.stage_input(StageName::Aggregate), "rasd.articles.tagged");
        assert_eq!(
            Subjects::new("acme.").event("battles"),
            "acme.events.battles"
        );
    }

    #[test]
    fn stage_names_round_trip() {
        for s in StageName::ALL {
            assert_eq!(s.as_str().parse::<StageName>().unwrap(), s);
        }
        assert!("nope".parse::<StageName>().is_err());
    }
}
