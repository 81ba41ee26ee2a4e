//! The matching view of a text: the match-normalized form that patterns are
//! compiled from and searched in, with a byte alignment back to the input.
//!
//! Aliases and article text must go through exactly the same folding, or a
//! name written `دير الزور` in the knowledge base would not find `دير الزور`,
//! `دَيْر الزُّور` or `#دير_الزور` in an article. The folding is the `matching`
//! preset of `rasd-text` (alef/yeh/teh-marbuta folding, diacritics and tatweel
//! removed, ASCII digits, one quote character `"`) plus three steps specific
//! to name lookup:
//! - `_` becomes a space (hashtags: `#دير_الزور`) and ASCII letters are
//!   lower-cased; both keep byte lengths, so offsets do not move;
//! - `*` inside a word is dropped (`د*اع*ش` → `داعش`, a spelling outlets use
//!   to dodge filters). Only texts that contain such a `*` pay for the extra
//!   offset table this needs.
//!
//! [`MatchText::original_range`] maps a byte range of the matching view back
//! to a byte range of the input that starts and ends on char boundaries.

use std::ops::Range;

use rasd_text::{normalize, normalize_match, Normalized, NormalizerConfig};

/// Post-process a match-normalized string where lengths do not change:
/// `_` → space, ASCII upper → lower.
fn fold_ascii(s: &mut String) {
    s.make_ascii_lowercase();
    if s.contains('_') {
        *s = s.replace('_', " ");
    }
}

/// Whether any byte is an ASCII capital, `_` or `*` (the bytes
/// [`MatchText::new`] folds). Most Arabic texts have none; the scan runs
/// over fixed-size blocks without early exit inside a block, which the
/// compiler vectorizes.
fn needs_fold(bytes: &[u8]) -> bool {
    let hit = |b: u8| (b.wrapping_sub(b'A') < 26) | (b == b'_') | (b == b'*');
    let mut blocks = bytes.chunks_exact(64);
    for block in &mut blocks {
        if block.iter().fold(false, |acc, &b| acc | hit(b)) {
            return true;
        }
    }
    blocks.remainder().iter().any(|&b| hit(b))
}

/// Whether the `*` at byte `i` sits between two letters.
fn star_inside_word(s: &str, i: usize) -> bool {
    let before = s[..i].chars().next_back();
    let after = s[i + 1..].chars().next();
    matches!((before, after), (Some(a), Some(b)) if a.is_alphabetic() && (b.is_alphabetic() || b == '*'))
}

/// Fold a knowledge-base alias or a gold-standard name into its matching key:
/// the same folding as article text, with whitespace runs collapsed to one
/// space and the ends trimmed.
pub fn match_key(s: &str) -> String {
    let mut n = normalize_match(s);
    fold_ascii(&mut n);
    let mut out = String::with_capacity(n.len());
    for (i, c) in n.char_indices() {
        if c == '*' && star_inside_word(&n, i) {
            continue;
        }
        if c.is_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// An article text in matching form, aligned to the original.
#[derive(Debug, Clone)]
pub struct MatchText {
    normalized: Normalized,
    /// The text searched when it differs from `normalized`: `_`/case
    /// folded and, when `squeezed` is set, in-word `*` removed. `None` (the
    /// usual case for Arabic text) saves a copy.
    text: Option<String>,
    /// For each byte of `text` (plus one end entry): its offset in
    /// `normalized`. Empty when nothing was removed (identity).
    squeezed: Vec<u32>,
}

impl MatchText {
    pub fn new(original: &str) -> MatchText {
        let normalized = normalize(original, &NormalizerConfig::matching());
        let needs_fold = needs_fold(normalized.as_str().as_bytes());
        if !needs_fold {
            return MatchText {
                normalized,
                text: None,
                squeezed: Vec::new(),
            };
        }
        let mut text = normalized.as_str().to_string();
        fold_ascii(&mut text);
        let mut squeezed = Vec::new();
        if text.contains('*') {
            let mut out = String::with_capacity(text.len());
            for (i, c) in text.char_indices() {
                if c == '*' && star_inside_word(&text, i) {
                    continue;
                }
                let before = out.len();
                out.push(c);
                for k in 0..(out.len() - before) {
                    squeezed.push((i + k) as u32);
                }
            }
            squeezed.push(text.len() as u32);
            text = out;
        }
        MatchText {
            normalized,
            text: Some(text),
            squeezed,
        }
    }

    pub fn as_str(&self) -> &str {
        self.text.as_deref().unwrap_or(self.normalized.as_str())
    }

    /// The `matching`-preset normalization of the input, before the
    /// name-lookup folds (case, `_`, in-word `*`), with its alignment. The
    /// casualty extractor reads this view, so the tagger normalizes each
    /// text once for both.
    pub fn normalized(&self) -> &Normalized {
        &self.normalized
    }

    /// Byte range of the original that produced `text[start..end]`. Both ends
    /// are char boundaries of the original; `start <= end`.
    pub fn original_range(&self, start: usize, end: usize) -> Range<usize> {
        let n = self.as_str().len();
        let start = start.min(n);
        let end = end.min(n).max(start);
        let (s, e) = if self.squeezed.is_empty() {
            (start, end)
        } else if start == end {
            let s = self.squeezed[start] as usize;
            (s, s)
        } else {
            (
                self.squeezed[start] as usize,
                self.squeezed[end - 1] as usize + 1,
            )
        };
        self.normalized.original_range(s, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_hamza_teh_marbuta_and_diacritics() {
        assert_eq!(match_key("الإيرانيّة"), match_key("الايرانيه"));
        assert_eq!(match_key("السورى"), match_key("السوري"));
        assert_eq!(match_key("  دير   الزور "), "دير الزور");
        assert_eq!(match_key("#دير_الزور"), "#دير الزور");
        assert_eq!(match_key("د*اع*ش"), "داعش");
        assert_eq!(match_key("SY24"), "sy24");
    }

    #[test]
    fn fold_scan_finds_marks_anywhere() {
        let arabic = "دير الزور ".repeat(20);
        assert!(!needs_fold(arabic.as_bytes()));
        for mark in ["A", "Z", "_", "*"] {
            // In the first block, at a block edge and in the remainder.
            for at in [0, 63, 64, arabic.len()] {
                let mut s = arabic.clone();
                let mut at = at.min(s.len());
                while !s.is_char_boundary(at) {
                    at += 1;
                }
                s.insert_str(at, mark);
                assert!(needs_fold(s.as_bytes()), "{mark} at {at}");
            }
        }
        assert!(!needs_fold(b"az09 @[`{"));
    }

    #[test]
    fn alignment_maps_back_to_char_boundaries() {
        let original = "قال المرصدُ السوريّ: ٢٨ قتيلاً من د*اع*ش";
        let m = MatchText::new(original);
        let needle = match_key("المرصد السوري");
        let at = m.as_str().find(&needle).unwrap();
        let r = m.original_range(at, at + needle.len());
        assert_eq!(&original[r], "المرصدُ السوريّ");
        let at = m.as_str().find("28").unwrap();
        assert_eq!(&original[m.original_range(at, at + 2)], "٢٨");
        let at = m.as_str().find("داعش").unwrap();
        let r = m.original_range(at, at + "داعش".len());
        assert_eq!(&original[r], "د*اع*ش");
    }
}
