//! rasd-tag: the tag stage core. [`CleanArticle`] in, [`TaggedArticle`] out; no I/O.
//!
//! (Placeholder body: the real tagger is being written; the signature is final.)

use rasd_model::{CleanArticle, TaggedArticle};

/// The entity and casualty tagger with its knowledge base loaded.
#[derive(Debug, Default)]
pub struct Tagger {}

impl Tagger {
    /// Load the knowledge base shipped with the crate.
    pub fn load_default() -> Result<Self, String> {
        Ok(Tagger {})
    }

    /// Tag one clean article.
    pub fn process(&self, article: &CleanArticle) -> TaggedArticle {
        TaggedArticle {
            article: article.clone(),
            entities: vec![],
            casualties: vec![],
            events: vec![],
            skipped: None,
        }
    }
}
