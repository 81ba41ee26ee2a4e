//! rasd-text: the Arabic text library shared by the clean and tag stages.
//! No I/O, no global state.
//!
//! - [`normalize()`]: `display` and `match` normalization with an exact
//!   alignment back to the original bytes ([`Normalized::original_range`]).
//! - [`tokenize()`]: words with byte offsets and the offset where the stem
//!   starts after proclitics and the article.
//! - [`sentences()`] / [`paragraphs()`]: segmentation into byte spans.

pub mod normalize;
pub mod segment;
pub mod tokenize;

pub use normalize::{
    normalize, normalize_match, normalize_str, Normalized, NormalizerConfig, Preset,
};
pub use segment::{paragraphs, sentences};
pub use tokenize::{split_clitics, strip_clitics, strip_proclitics, tokenize, Clitics, Token};
