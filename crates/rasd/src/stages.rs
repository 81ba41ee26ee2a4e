//! The four stage adapters: each wraps a pure stage core
//! (`rasd-clean`, `rasd-tag`, `rasd-aggregate`, `rasd-fetch`) in the
//! [`StageCore`] trait the shared runner drives.
//!
//! Adapters only decode the input, call the core and name the output
//! (subject and `Nats-Msg-Id` = `<stage>:<article id>`); all delivery
//! semantics live in `rasd_bus::runner`.

use std::sync::Mutex;
use std::time::Duration;

use rasd_aggregate::Aggregator;
use rasd_bus::{Output, StageCore, StageError};
use rasd_fetch::{FetchError, FetchedResponse};
use rasd_model::{article::decode, CleanArticle, RawArticle, StageName, Subjects, TaggedArticle};

/// Raw article → clean article.
pub struct CleanStage {
    pub cleaner: rasd_clean::Cleaner,
    pub subjects: Subjects,
    pub max_bytes: usize,
}

impl StageCore for CleanStage {
    fn name(&self) -> StageName {
        StageName::Clean
    }
    fn process(&self, _subject: &str, payload: &[u8]) -> Result<Vec<Output>, StageError> {
        let raw = RawArticle::from_json(payload, self.max_bytes)?;
        let clean = self.cleaner.process(&raw)?;
        let id = clean.id.clone();
        Ok(vec![Output::json(
            self.subjects.articles_clean(),
            StageName::Clean,
            &id,
            &clean,
        )?])
    }
}

/// Clean article → tagged article (non-Arabic articles come out with
/// `skipped` set by the tagger).
pub struct TagStage {
    pub tagger: rasd_tag::Tagger,
    pub subjects: Subjects,
    pub max_bytes: usize,
}

impl StageCore for TagStage {
    fn name(&self) -> StageName {
        StageName::Tag
    }
    fn process(&self, _subject: &str, payload: &[u8]) -> Result<Vec<Output>, StageError> {
        let clean: CleanArticle = decode(payload, self.max_bytes)?;
        let tagged = self.tagger.process_owned(clean);
        Ok(vec![Output::json(
            self.subjects.articles_tagged(),
            StageName::Tag,
            &tagged.article.id,
            &tagged,
        )?])
    }
}

/// Tagged article → updated aggregate snapshot.
///
/// The totals live in this process's memory: a replica counts only the
/// articles it received and starts from zero after a restart. Run one
/// aggregate replica, or merge snapshots downstream (see README).
pub struct AggregateStage {
    pub aggregator: Mutex<Aggregator>,
    pub subjects: Subjects,
    pub max_bytes: usize,
}

impl StageCore for AggregateStage {
    fn name(&self) -> StageName {
        StageName::Aggregate
    }
    fn process(&self, _subject: &str, payload: &[u8]) -> Result<Vec<Output>, StageError> {
        // Tagged articles are larger than their input; allow for that.
        let tagged: TaggedArticle = decode(payload, self.max_bytes.saturating_mul(4))?;
        let snapshot = self
            .aggregator
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .apply(&tagged, time::OffsetDateTime::now_utc());
        Ok(vec![Output::json(
            self.subjects.aggregates(),
            StageName::Aggregate,
            &tagged.article.id,
            &snapshot,
        )?])
    }
}

/// Fetch request → raw article. The HTTP call blocks this worker (the
/// runner runs an I/O-bound core on tokio's blocking pool) on the process's
/// runtime.
pub struct FetchStage {
    pub client: reqwest::Client,
    pub runtime: tokio::runtime::Handle,
    pub subjects: Subjects,
    pub max_bytes: usize,
}

impl FetchStage {
    pub fn new(subjects: Subjects, max_bytes: usize, timeout: Duration) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("rasd/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()?;
        Ok(FetchStage {
            client,
            runtime: tokio::runtime::Handle::current(),
            subjects,
            max_bytes,
        })
    }

    async fn get(
        &self,
        url: &str,
    ) -> Result<(String, u16, Option<String>, bytes::Bytes), FetchError> {
        let resp = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| FetchError::Transient(format!("GET {url}: {e}")))?;
        let final_url = resp.url().to_string();
        let status = resp.status().as_u16();
        let ct = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if let Some(len) = resp.content_length() {
            if len as usize > self.max_bytes {
                return Err(rasd_model::InputError::TooLarge {
                    size: len as usize,
                    limit: self.max_bytes,
                }
                .into());
            }
        }
        // Read chunk by chunk: a chunked (or lying) response has no usable
        // Content-Length, and must not be buffered whole before the check.
        let mut resp = resp;
        let mut body = bytes::BytesMut::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| FetchError::Transient(format!("reading body of {url}: {e}")))?
        {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(rasd_model::InputError::TooLarge {
                    size: body.len() + chunk.len(),
                    limit: self.max_bytes,
                }
                .into());
            }
            body.extend_from_slice(&chunk);
        }
        Ok((final_url, status, ct, body.freeze()))
    }
}

fn fetch_error(e: FetchError) -> StageError {
    match e {
        FetchError::Permanent { reason, message } => StageError::Reject {
            reason: reason.to_string(),
            error: message,
        },
        FetchError::Transient(m) => StageError::Transient(m),
    }
}

impl StageCore for FetchStage {
    fn name(&self) -> StageName {
        StageName::Fetch
    }
    /// The core waits on HTTP: one request per job, on tokio's blocking
    /// pool rather than CPU threads of its own.
    fn cpu_bound(&self) -> bool {
        false
    }
    fn process(&self, _subject: &str, payload: &[u8]) -> Result<Vec<Output>, StageError> {
        let req = rasd_fetch::parse_request(payload, self.max_bytes).map_err(fetch_error)?;
        let (final_url, status, ct, body) = self
            .runtime
            .block_on(self.get(req.url.trim()))
            .map_err(fetch_error)?;
        let resp = FetchedResponse {
            final_url: &final_url,
            status,
            content_type: ct.as_deref(),
            body: &body,
        };
        let raw = rasd_fetch::response_to_raw(&req, &resp, self.max_bytes).map_err(fetch_error)?;
        let id = raw.article_id();
        let mut out = Output::json(self.subjects.articles_raw(), StageName::Fetch, &id, &raw)?;
        // Downstream, the clean stage de-duplicates by `clean:<id>`; the raw
        // message id matches what `rasd publish` would use.
        out.msg_id = format!("raw:{id}");
        Ok(vec![out])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean_stage() -> CleanStage {
        CleanStage {
            cleaner: rasd_clean::Cleaner::new(),
            subjects: Subjects::default(),
            max_bytes: 10_000,
        }
    }

    #[test]
    fn clean_output_is_named_by_article_id() {
        let out = clean_stage()
            .process(
                "rasd.articles.raw",
                r#"{"id":"a1","title":"t","text":"قتل ثلاثة في دير الزور"}"#.as_bytes(),
            )
            .unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].subject, "rasd.articles.clean");
        assert_eq!(out[0].msg_id, "clean:a1");
        let clean: CleanArticle = serde_json::from_slice(&out[0].payload).unwrap();
        assert_eq!(clean.id, "a1");
    }

    #[test]
    fn bad_input_is_rejected_with_its_reason() {
        let s = clean_stage();
        let reason = |p: &[u8]| match s.process("x", p) {
            Err(StageError::Reject { reason, .. }) => reason,
            other => panic!("expected a rejection, got {other:?}"),
        };
        assert_eq!(reason(b"{nope"), "malformed_json");
        assert_eq!(reason(&[0xff, 0xfe]), "invalid_utf8");
        assert_eq!(reason(br#"{"text":""}"#), "empty_text");
        assert_eq!(reason(&vec![b' '; 10_001]), "too_large");
        assert_eq!(
            reason(br#"{"schema_version":42,"text":"x"}"#),
            "unknown_schema_version"
        );
    }

    #[test]
    fn tag_then_aggregate_keep_the_id() {
        let clean = clean_stage()
            .process(
                "x",
                r#"{"id":"a2","text":"قتل ثلاثة في دير الزور"}"#.as_bytes(),
            )
            .unwrap();
        let tag = TagStage {
            tagger: rasd_tag::Tagger::load_default().unwrap(),
            subjects: Subjects::default(),
            max_bytes: 10_000,
        };
        let tagged = tag
            .process("rasd.articles.clean", &clean[0].payload)
            .unwrap();
        assert_eq!(tagged[0].msg_id, "tag:a2");
        assert_eq!(tagged[0].subject, "rasd.articles.tagged");
        let agg = AggregateStage {
            aggregator: Mutex::new(Aggregator::default()),
            subjects: Subjects::default(),
            max_bytes: 10_000,
        };
        let snap = agg
            .process("rasd.articles.tagged", &tagged[0].payload)
            .unwrap();
        assert_eq!(snap[0].msg_id, "aggregate:a2");
        let v: serde_json::Value = serde_json::from_slice(&snap[0].payload).unwrap();
        assert_eq!(v["article_id"], "a2");
        assert_eq!(v["total_articles"], 1);
    }
}
