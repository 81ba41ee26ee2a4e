//! rasd-clean: the clean stage core. Raw article in, [`CleanArticle`] out; no I/O.
//!
//! (Placeholder body: the real cleaner is being written; the signature is final.)

use rasd_model::{CleanArticle, InputError, RawArticle};

/// The Arabic cleanup pipeline. Built once per process (it loads its
/// boilerplate data), then shared by every message.
#[derive(Debug, Default)]
pub struct Cleaner {}

impl Cleaner {
    pub fn new() -> Self {
        Cleaner {}
    }

    /// Clean one raw article. Errors are input errors (they go to the DLQ).
    pub fn process(&self, raw: &RawArticle) -> Result<CleanArticle, InputError> {
        let text = raw.text.clone().or_else(|| raw.html.clone()).unwrap_or_default();
        if text.trim().is_empty() {
            return Err(InputError::EmptyText);
        }
        let mut a = CleanArticle::new(raw.article_id(), raw.title.clone().unwrap_or_default(), text.trim());
        a.url = raw.url.clone();
        a.source = raw.source.clone();
        a.published_at = raw.published_at.clone();
        Ok(a)
    }
}
