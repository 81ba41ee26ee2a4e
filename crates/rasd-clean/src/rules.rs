//! The cleaner's data: boilerplate rules, outlet byline forms and fused
//! names, loaded from the TOML files in `data/` (compiled in, so the stage
//! binary is self-contained; [`Rules::from_toml`] loads other files).
//!
//! Everything is compared on *keys* (see [`key`]): the match-normalized,
//! lower-cased line with punctuation, symbols and emoji dropped. That makes
//! one entry cover spelling variants (أ/ا, ة/ه, tanween, tatweel), the
//! emoji in section headers and the many dash and quote characters.

use std::collections::HashMap as StdHashMap;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use aho_corasick::{AhoCorasick, AhoCorasickKind, Anchored, Input, MatchKind, StartKind};
use regex::{Regex, RegexSet};
use serde::Deserialize;

pub const BOILERPLATE_TOML: &str = include_str!("../data/boilerplate.toml");
pub const OUTLETS_TOML: &str = include_str!("../data/outlets.toml");
pub const FUSED_TOML: &str = include_str!("../data/fused.toml");

/// The comparison key of a line or phrase.
pub fn key(text: &str) -> String {
    key_of_normalized(&rasd_text::normalize_match(text))
}

/// `char::is_alphanumeric` with the answer for ASCII and the common Arabic
/// letters and digits decided without Unicode table lookups (those
/// dominate the per-word cost of Arabic text otherwise).
/// The Arabic block (U+0600..=U+06FF) and General Punctuation
/// (U+2000..=U+206F, none of it alphanumeric) are decided here too: Arabic
/// punctuation (، ؛ ؟), dashes and quotes sit between most words of a news
/// text, and the table lookup for each costs hundreds of instructions.
#[inline]
pub fn is_alphanumeric(c: char) -> bool {
    match c as u32 {
        0x30..=0x39 | 0x41..=0x5A | 0x61..=0x7A => true,
        0..=0x7F => false,
        0x0621..=0x063A | 0x0641..=0x064A | 0x0660..=0x0669 => true,
        // The rest of the Arabic block: letters, digits and the marks that
        // Unicode counts as alphabetic, except these (checked against std
        // for every char by a test).
        u @ 0x0600..=0x06FF => !matches!(
            u,
            0x0600..=0x060F
                | 0x061B..=0x061F
                | 0x0658
                | 0x066A..=0x066D
                | 0x06D4
                | 0x06DD..=0x06E0
                | 0x06E9..=0x06EC
                | 0x06FD..=0x06FE
        ),
        0x2000..=0x206F => false,
        _ => c.is_alphanumeric(),
    }
}

/// Words of a key (single spaces between words): `split(' ').count()`.
fn word_count(line_key: &str) -> usize {
    memchr::memchr_iter(b' ', line_key.as_bytes()).count() + 1
}

/// The key of a text that is already match-normalized.
pub fn key_of_normalized(norm: &str) -> String {
    // Byte-wise: ASCII and the Arabic letter block (U+0621..=U+064A, two
    // bytes `D8 A1..=BF` or `D9 80..=8A`) are decided without decoding;
    // other characters go through the general rule. Most of a line is
    // copied unchanged (lower-case letters, digits, Arabic letters and a
    // single space after each word): such runs are copied whole, and only
    // the characters between them are handled one by one.
    let bytes = norm.as_bytes();
    let mut out = String::with_capacity(norm.len());
    // Whether the output ends with a separator (or is empty).
    let mut space = true;
    // Start of the run of input not yet copied to `out`.
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        // Tested in order of frequency: Arabic letters, spaces, ASCII.
        if b == 0xD8 || b == 0xD9 {
            if let Some(&c) = bytes.get(i + 1) {
                if (b == 0xD8 && c >= 0xA1) || (b == 0xD9 && c <= 0x8A) {
                    space = false;
                    i += 2;
                    continue;
                }
            }
        } else if b == b' ' {
            if !space {
                space = true;
                i += 1;
                continue;
            }
        } else if b.is_ascii_lowercase() || b.is_ascii_digit() {
            space = false;
            i += 1;
            continue;
        }
        out.push_str(&norm[run..i]);
        if b < 0x80 {
            if b.is_ascii_uppercase() {
                out.push(b.to_ascii_lowercase() as char);
                space = false;
            } else if !space {
                out.push(' ');
                space = true;
            }
            i += 1;
        } else {
            let Some(c) = norm[i..].chars().next() else {
                break;
            };
            if is_alphanumeric(c) {
                out.extend(c.to_lowercase());
                space = false;
            } else if !space {
                out.push(' ');
                space = true;
            }
            i += c.len_utf8();
        }
        run = i;
    }
    out.push_str(&norm[run..]);
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

#[derive(Debug, Deserialize)]
struct BoilerplateFile {
    rule: Vec<RuleFile>,
    #[serde(default)]
    structure: StructureFile,
}

#[derive(Debug, Default, Deserialize)]
struct StructureFile {
    #[serde(default)]
    prose_words: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RuleFile {
    kind: String,
    #[serde(default)]
    lines: Vec<String>,
    #[serde(default)]
    contains: Vec<String>,
    #[serde(default)]
    patterns: Vec<String>,
    #[serde(default)]
    tokens: Vec<String>,
    #[serde(default)]
    text_patterns: Vec<String>,
    #[serde(default)]
    max_words: Option<usize>,
}

#[derive(Debug, Deserialize)]
struct OutletsFile {
    outlet: Vec<OutletFile>,
    #[serde(default)]
    mention_before: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct OutletFile {
    name: String,
    names: Vec<String>,
    #[serde(default)]
    short_names: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct FusedFile {
    split: StdHashMap<String, String>,
}

const DEFAULT_MAX_WORDS: usize = 25;

/// Words that may follow or precede an outlet name on a byline line
/// (`SY24 - خاص`, `وكالة زيتون – متابعات`), as keys.
const BYLINE_WORDS: &[&str] = &[
    "خاص",
    "متابعات",
    "متابعه",
    "ترجمه",
    "رصد",
    "وكالات",
    "خاص وكالات",
];

/// The compiled data.
#[derive(Debug)]
pub struct Rules {
    exact: HashMap<String, String>,
    contains: Vec<(String, String, usize)>,
    /// All `contains` phrases, searched at once (pattern id = index).
    contains_phrases: AhoCorasick,
    /// The largest word limit of any `contains` phrase: longer lines (most
    /// body paragraphs) skip the search.
    contains_max_words: usize,
    patterns: RegexSet,
    /// Kind and word limit of each pattern.
    pattern_kinds: Vec<(String, usize)>,
    text_patterns: RegexSet,
    text_pattern_kinds: Vec<(String, usize)>,
    /// The largest word limit of any pattern: longer lines skip the sets.
    pattern_max_words: usize,
    tokens: Vec<(HashSet<String>, String)>,
    /// Whole-line byline keys → outlet name.
    byline_lines: HashMap<String, String>,
    /// Outlet name keys, for prefix bylines and in-text mentions.
    outlet_names: AhoCorasick,
    outlet_of_name: Vec<String>,
    /// Fused forms and their split spelling.
    pub fused: AhoCorasick,
    pub fused_to: Vec<String>,
    pub hashtag: Regex,
    /// [`Rules::hashtag`] anchored at the start of the haystack (`^`), run
    /// at each `#`: an anchored search needs no reverse scan to find where
    /// the match starts, and that scan through Unicode letter classes is
    /// most of the cost of the unanchored one.
    hashtag_at: Regex,
    prose_words: HashSet<String>,
    mention_before: Vec<String>,
    /// For each first character of a `mention_before` word, the indices of
    /// the words that can match at a word starting with it, in data order.
    mention_by_first: Vec<(char, Vec<usize>)>,
    /// Whether a `mention_before` word can begin with a pair of bytes (bit
    /// `256 * first + second`; a one-byte word sets every second byte, and
    /// `0` stands for the end of the text): most words of a line are passed
    /// over on their first two bytes.
    mention_first_pair: Box<[u64; 1024]>,
}

impl Rules {
    pub fn builtin() -> Rules {
        Rules::from_toml(BOILERPLATE_TOML, OUTLETS_TOML, FUSED_TOML)
            .expect("the built-in data files are valid (checked by tests)")
    }

    pub fn from_toml(boilerplate: &str, outlets: &str, fused: &str) -> Result<Rules, String> {
        let bp: BoilerplateFile =
            toml::from_str(boilerplate).map_err(|e| format!("boilerplate: {e}"))?;
        let mut exact = HashMap::default();
        let mut contains = Vec::new();
        let mut patterns = Vec::new();
        let mut pattern_kinds = Vec::new();
        let mut tokens = Vec::new();
        let mut text_patterns = Vec::new();
        let mut text_pattern_kinds = Vec::new();
        for r in bp.rule {
            for p in &r.text_patterns {
                Regex::new(p).map_err(|e| format!("pattern {p:?}: {e}"))?;
                text_patterns.push(format!("^(?:{p})$"));
                text_pattern_kinds.push((r.kind.clone(), r.max_words.unwrap_or(DEFAULT_MAX_WORDS)));
            }
            for l in &r.lines {
                exact.entry(key(l)).or_insert_with(|| r.kind.clone());
            }
            let max = r.max_words.unwrap_or(DEFAULT_MAX_WORDS);
            for c in &r.contains {
                contains.push((key(c), r.kind.clone(), max));
            }
            for p in &r.patterns {
                Regex::new(p).map_err(|e| format!("pattern {p:?}: {e}"))?;
                patterns.push(format!("^(?:{p})$"));
                pattern_kinds.push((r.kind.clone(), r.max_words.unwrap_or(DEFAULT_MAX_WORDS)));
            }
            if !r.tokens.is_empty() {
                let set: HashSet<String> = r.tokens.iter().map(|t| key(t)).collect();
                tokens.push((set, r.kind.clone()));
            }
        }
        let patterns = RegexSet::new(&patterns).map_err(|e| e.to_string())?;
        let text_patterns = RegexSet::new(&text_patterns).map_err(|e| e.to_string())?;

        let of: OutletsFile = toml::from_str(outlets).map_err(|e| format!("outlets: {e}"))?;
        let mut byline_lines = HashMap::default();
        let mut names = Vec::new();
        let mut outlet_of_name = Vec::new();
        for o in &of.outlet {
            let all = o.names.iter().map(|n| (n, false));
            for (n, short) in all.chain(o.short_names.iter().map(|n| (n, true))) {
                let k = key(n);
                if k.is_empty() {
                    continue;
                }
                byline_lines
                    .entry(k.clone())
                    .or_insert_with(|| o.name.clone());
                for w in BYLINE_WORDS {
                    byline_lines
                        .entry(format!("{k} {w}"))
                        .or_insert_with(|| o.name.clone());
                    byline_lines
                        .entry(format!("{w} {k}"))
                        .or_insert_with(|| o.name.clone());
                }
                if !short {
                    names.push(k);
                    outlet_of_name.push(o.name.clone());
                }
            }
        }
        let outlet_names = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Both)
            .build(&names)
            .map_err(|e| e.to_string())?;

        let mention_before: Vec<String> = of
            .mention_before
            .iter()
            .map(|w| rasd_text::normalize_match(w))
            .collect();

        let ff: FusedFile = toml::from_str(fused).map_err(|e| format!("fused: {e}"))?;
        let mut pairs: Vec<(String, String)> = ff.split.into_iter().collect();
        pairs.sort();
        // A plain DFA scan, no prefilter: every fused name starts with an
        // Arabic letter, and all Arabic letters share two lead bytes, so a
        // prefilter keyed on first bytes fires at almost every word and
        // costs more than the scan it tries to skip (clean stage −10%).
        let fused = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::DFA))
            .prefilter(false)
            .build(pairs.iter().map(|(f, _)| f))
            .map_err(|e| e.to_string())?;
        let fused_to = pairs.into_iter().map(|(_, t)| t).collect();
        const HASHTAG: &str =
            r"#+[\p{L}\p{N}][\p{L}\p{M}\p{N}]*(?:(?:_+ *| +_+ *)[\p{L}\p{M}\p{N}]+)*_*";
        let hashtag = Regex::new(HASHTAG).map_err(|e| e.to_string())?;
        let hashtag_at = Regex::new(&format!("^(?:{HASHTAG})")).map_err(|e| e.to_string())?;
        let contains_phrases = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(contains.iter().map(|(p, _, _)| p))
            .map_err(|e| e.to_string())?;
        Ok(Rules {
            exact,
            contains_max_words: contains.iter().map(|c| c.2).max().unwrap_or(0),
            contains,
            contains_phrases,
            patterns,
            pattern_max_words: pattern_kinds
                .iter()
                .chain(&text_pattern_kinds)
                .map(|(_, m)| *m)
                .max()
                .unwrap_or(0),
            pattern_kinds,
            text_patterns,
            text_pattern_kinds,
            tokens,
            byline_lines,
            outlet_names,
            outlet_of_name,
            fused,
            fused_to,
            hashtag,
            hashtag_at,
            mention_by_first: {
                let mut firsts: Vec<char> = mention_before
                    .iter()
                    .filter_map(|w| w.chars().next())
                    .collect();
                firsts.sort_unstable();
                firsts.dedup();
                firsts
                    .into_iter()
                    .map(|c| {
                        let words = (0..mention_before.len())
                            .filter(|&k| {
                                let w = &mention_before[k];
                                w.is_empty() || w.starts_with(c)
                            })
                            .collect();
                        (c, words)
                    })
                    .collect()
            },
            mention_first_pair: {
                let mut t = Box::new([0u64; 1024]);
                let mut set = |pair: usize| t[pair / 64] |= 1 << (pair % 64);
                for w in &mention_before {
                    match *w.as_bytes() {
                        [] => (0..1 << 16).for_each(&mut set),
                        [a] => (0..256).for_each(|b| set(256 * a as usize + b)),
                        [a, b, ..] => set(256 * a as usize + b as usize),
                    }
                }
                t
            },
            mention_before,
            prose_words: bp.structure.prose_words.iter().map(|w| key(w)).collect(),
        })
    }

    /// The boilerplate kind of a line, given its key and its
    /// match-normalized, lower-cased text, if any.
    pub fn line_kind(&self, line_key: &str, norm_lower: &str) -> Option<&str> {
        self.boilerplate_kind(line_key).or_else(|| {
            let words = word_count(line_key);
            if words > self.pattern_max_words {
                return None;
            }
            self.text_patterns
                .matches(norm_lower.trim())
                .iter()
                .map(|i| &self.text_pattern_kinds[i])
                .find(|(_, max)| words <= *max)
                .map(|(kind, _)| kind.as_str())
        })
    }

    /// The boilerplate kind of a line by its key alone, if any.
    pub fn boilerplate_kind(&self, line_key: &str) -> Option<&str> {
        if line_key.is_empty() {
            return None;
        }
        if let Some(k) = self.exact.get(line_key) {
            return Some(k);
        }
        let words = word_count(line_key);
        for (set, kind) in &self.tokens {
            if line_key.split(' ').all(|w| set.contains(w)) {
                return Some(kind);
            }
        }
        // The first phrase in data order that occurs and whose word limit
        // the line respects.
        if words <= self.contains_max_words {
            let first_phrase = self
                .contains_phrases
                .find_overlapping_iter(line_key)
                .map(|m| m.pattern().as_usize())
                .filter(|&i| words <= self.contains[i].2)
                .min();
            if let Some(i) = first_phrase {
                return Some(&self.contains[i].1);
            }
        }
        if words > self.pattern_max_words {
            return None;
        }
        self.patterns
            .matches(line_key)
            .iter()
            .map(|i| &self.pattern_kinds[i])
            .find(|(_, max)| words <= *max)
            .map(|(kind, _)| kind.as_str())
    }

    /// The hashtags of a text as byte ranges: the matches of
    /// [`Rules::hashtag`]'s `find_iter`, found by an anchored search at each
    /// `#` (every match starts with one, and the pattern looks at nothing
    /// before its start).
    pub fn hashtag_ranges<'t>(
        &'t self,
        text: &'t str,
    ) -> impl Iterator<Item = (usize, usize)> + 't {
        let mut at = 0;
        std::iter::from_fn(move || {
            while let Some(off) = memchr::memchr(b'#', &text.as_bytes()[at..]) {
                let start = at + off;
                match self.hashtag_at.find(&text[start..]) {
                    Some(m) => {
                        let end = start + m.end();
                        at = end;
                        return Some((start, end));
                    }
                    None => at = start + 1,
                }
            }
            None
        })
    }

    /// The outlet when the whole line is a byline (`SY24 -خاص`).
    pub fn byline_line(&self, line_key: &str) -> Option<&str> {
        self.byline_lines.get(line_key).map(String::as_str)
    }

    /// The outlet named by one dash-separated part of a dateline
    /// (`دير الزور- دجلة نت`, `جسر – حلب`).
    pub fn dateline_outlet(&self, line: &str) -> Option<&str> {
        line.split(['-', '–', '—', '‒', '―', '|', '_'])
            .find_map(|part| self.byline_lines.get(&key(part)))
            .map(String::as_str)
    }

    /// Whether a short line reads as (part of) a sentence.
    pub fn has_prose_word(&self, line_key: &str) -> bool {
        line_key.split(' ').any(|w| self.prose_words.contains(w))
            || self
                .prose_words
                .iter()
                .any(|p| p.contains(' ') && line_key.contains(p.as_str()))
    }

    /// The outlet whose name begins the match-normalized, lower-cased line
    /// followed by `:` or a dash (`ميدل ايست نيوز: وصلت ...`), and the byte
    /// length of that prefix in the normalized line (separator and
    /// following spaces included).
    pub fn byline_prefix(&self, norm_lower: &str) -> Option<(&str, usize)> {
        // Anchored after any opening bracket: only a name that begins the
        // line counts, and the search stops there.
        let start = norm_lower.len() - norm_lower.trim_start_matches(['(', '[', ' ']).len();
        let input = Input::new(norm_lower)
            .range(start..)
            .anchored(Anchored::Yes);
        let m = self.outlet_names.find(input)?;
        let rest = &norm_lower[m.end()..];
        let rest_trim = rest.trim_start_matches([')', ']', ' ']);
        let sep = rest_trim.chars().next()?;
        if !matches!(sep, ':' | '-' | '|') {
            return None;
        }
        let after = &rest_trim[sep.len_utf8()..];
        let after = after.trim_start();
        if after.is_empty() {
            return None;
        }
        let len = norm_lower.len() - after.len();
        Some((&self.outlet_of_name[m.pattern().as_usize()], len))
    }

    /// An outlet named in the text in a way that identifies the publisher:
    /// `مراسل (الحل نت)`, `(الحل نت)`, `لـ أورينت نت`.
    pub fn outlet_mention(&self, norm_lower: &str) -> Option<&str> {
        // Names are looked for only where a self-reference can start: after
        // `(` and after a word of `mention_before`; an anchored search there
        // is far cheaper than scanning every line for ~600 names.
        // Only `(` and word starts (0, or after a space) matter: jump
        // between them with memchr. Starts are tried in text order, a `(`
        // before a word start at the same position, and the first that
        // yields a mention wins.
        let bytes = norm_lower.as_bytes();
        let mut paren_done = usize::MAX;
        if let Some(name) = self.mention_at_word_start(norm_lower, 0, &mut paren_done) {
            return Some(name);
        }
        // A plain byte loop rather than memchr: spaces come every few
        // bytes, too often for a vectorized search to pay for its setup.
        // Both bytes are ASCII, so the continuation byte of a two-byte
        // character (most of an Arabic line) is skipped unread.
        let mut q = 0;
        while q < bytes.len() {
            let b = bytes[q];
            if b >= 0xC0 {
                q += 2;
                continue;
            }
            if b == b' ' {
                if let Some(name) = self.mention_at_word_start(norm_lower, q + 1, &mut paren_done) {
                    return Some(name);
                }
            } else if b == b'(' && paren_done != q {
                paren_done = q;
                if let Some(name) = self.mention_at(norm_lower, q + 1) {
                    return Some(name);
                }
            }
            q += 1;
        }
        None
    }

    /// The mention starting at a word start `p`: after a `(` there, then
    /// after each `mention_before` word there, in data order.
    #[inline(always)]
    fn mention_at_word_start(
        &self,
        norm_lower: &str,
        p: usize,
        paren_done: &mut usize,
    ) -> Option<&str> {
        let bytes = norm_lower.as_bytes();
        let first = *bytes.get(p)?;
        if first == b'(' && *paren_done != p {
            *paren_done = p;
            if let Some(name) = self.mention_at(norm_lower, p + 1) {
                return Some(name);
            }
        }
        let pair = 256 * first as usize + bytes.get(p + 1).map_or(0, |&b| b as usize);
        if self.mention_first_pair[pair / 64] & (1 << (pair % 64)) == 0 {
            return None;
        }
        let c = norm_lower[p..].chars().next()?;
        let (_, words) = self.mention_by_first.iter().find(|(f, _)| *f == c)?;
        let rest = &bytes[p..];
        for &k in words {
            let w = self.mention_before[k].as_bytes();
            // The last byte first: the words of a group share their first
            // letter, and most end in a letter the text does not have there.
            if rest.len() >= w.len()
                && w.last().is_none_or(|&l| rest[w.len() - 1] == l)
                && rest[..w.len()] == *w
            {
                if let Some(name) = self.mention_at(norm_lower, p + w.len()) {
                    return Some(name);
                }
            }
        }
        None
    }

    /// The outlet whose name begins at `start` (after spaces), when the
    /// name stands in brackets or after a word of `mention_before`.
    fn mention_at(&self, norm_lower: &str, start: usize) -> Option<&str> {
        let start = norm_lower.len() - norm_lower[start..].trim_start().len();
        let input = Input::new(norm_lower)
            .range(start..)
            .anchored(Anchored::Yes);
        let m = self.outlet_names.find(input)?;
        let before = norm_lower[..m.start()].trim_end();
        let after = &norm_lower[m.end()..];
        let name = &self.outlet_of_name[m.pattern().as_usize()];
        if before.ends_with('(') && after.starts_with(')') {
            return Some(name);
        }
        let word_before = |w: &str| {
            before
                .strip_suffix(w)
                .is_some_and(|rest| rest.is_empty() || rest.ends_with(' '))
        };
        if self.mention_before.iter().any(|w| word_before(w)) {
            return Some(name);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_alphanumeric_agrees_with_std_on_every_char() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    /// The key rule char by char, as first written.
    fn key_reference(norm: &str) -> String {
        let mut out = String::new();
        let mut space = true;
        for c in norm.chars() {
            if c.is_alphanumeric() {
                out.extend(c.to_lowercase());
                space = false;
            } else if !space {
                out.push(' ');
                space = true;
            }
        }
        if out.ends_with(' ') {
            out.pop();
        }
        out
    }

    proptest::proptest! {
        /// Words, spaces, punctuation, upper case, letters that lower-case
        /// to several characters, marks and emoji, mixed: the run-copying
        /// key agrees with the char rule.
        #[test]
        fn run_copying_key_agrees_with_the_char_rule(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "قتل", "ال", "ي", "ة", "ـ", "\u{064B}", "٣", "ﻻ", "abc", "Z", "DEIR", "x9",
                    " ", "  ", "\t", "\n", ".", "،", ":", "-", "(", ")", "\"", "_", "#",
                    "É", "İ", "ß", "ǅ", "Σ", "😀", "\u{200F}", "\u{A0}", "١٢",
                ]),
                0..30,
            )
        ) {
            let s: String = pieces.concat();
            proptest::prop_assert_eq!(key_of_normalized(&s), key_reference(&s));
        }
    }

    proptest::proptest! {
        /// Hashes, underscores, spaces, letters, marks, digits and
        /// punctuation, mixed: the anchored search at each `#` finds the
        /// matches of the unanchored `find_iter`.
        #[test]
        fn hashtag_ranges_agree_with_find_iter(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "#", "##", "_", "__", " ", "  ", "دير", "ال", "زور", "\u{064E}", "ـ", "٣",
                    "3", "a", "É", "،", ".", "-", "\n", "😀", "\u{200C}", "\u{0301}",
                ]),
                0..40,
            )
        ) {
            static RULES: std::sync::OnceLock<Rules> = std::sync::OnceLock::new();
            let r = RULES.get_or_init(Rules::builtin);
            let s: String = pieces.concat();
            let expected: Vec<(usize, usize)> =
                r.hashtag.find_iter(&s).map(|m| (m.start(), m.end())).collect();
            proptest::prop_assert_eq!(r.hashtag_ranges(&s).collect::<Vec<_>>(), expected);
        }
    }

    /// `outlet_mention` as first written: every start collected first
    /// (scanning all `mention_before` words at each word), then tried.
    fn outlet_mention_reference<'r>(r: &'r Rules, norm_lower: &str) -> Option<&'r str> {
        let bytes = norm_lower.as_bytes();
        let mut starts: Vec<usize> = Vec::new();
        let mut paren_done = usize::MAX;
        let at_word_start = |p: usize, starts: &mut Vec<usize>, paren_done: &mut usize| {
            if bytes.get(p) == Some(&b'(') && *paren_done != p {
                starts.push(p + 1);
                *paren_done = p;
            }
            if p >= norm_lower.len() {
                return;
            }
            for w in &r.mention_before {
                if norm_lower[p..].starts_with(w.as_str()) {
                    starts.push(p + w.len());
                }
            }
        };
        at_word_start(0, &mut starts, &mut paren_done);
        for q in memchr::memchr2_iter(b'(', b' ', bytes) {
            if bytes[q] == b' ' {
                at_word_start(q + 1, &mut starts, &mut paren_done);
            } else if paren_done != q {
                starts.push(q + 1);
                paren_done = q;
            }
        }
        starts.into_iter().find_map(|s| r.mention_at(norm_lower, s))
    }

    proptest::proptest! {
        /// Outlet names, words that announce them, brackets, spaces and
        /// ordinary words, mixed: the mention found is the reference's.
        #[test]
        fn outlet_mention_agrees_with_the_reference(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "الحل نت", "حلب اليوم", "sy24", "زيتون", "the new arab", "العربي الجديد",
                    "مراسل", "مراسلو", "ل", "لموقع", "ل موقع", "لقناه", "لل", "م", "مع",
                    "(", ")", " ", " ", " ", "  ", "قتل", "في", "ريف", "لحلب", ":", "،",
                ]),
                0..24,
            )
        ) {
            static RULES: std::sync::OnceLock<Rules> = std::sync::OnceLock::new();
            let r = RULES.get_or_init(Rules::builtin);
            let line = rasd_text::normalize_match(&pieces.concat()).to_ascii_lowercase();
            proptest::prop_assert_eq!(
                r.outlet_mention(&line),
                outlet_mention_reference(r, &line)
            );
        }
    }

    #[test]
    fn byte_wise_key_agrees_with_the_char_rule() {
        // Every char of the BMP's first blocks, in runs, with separators.
        let chars: Vec<char> = (0..0x3000u32)
            .chain(0xFB50..0xFF00)
            .chain(0x1F300..0x1F400)
            .filter_map(char::from_u32)
            .collect();
        for chunk in chars.chunks(7) {
            let s: String = chunk.iter().collect();
            assert_eq!(key_of_normalized(&s), key_reference(&s), "{s:?}");
            let s = format!(" {s}  x{s}ي ");
            assert_eq!(key_of_normalized(&s), key_reference(&s), "{s:?}");
        }
    }
}
