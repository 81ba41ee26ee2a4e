//! Arabic counts: number words, digits and the phrases around them.
//!
//! Why: casualty statements give their counts in every form news Arabic
//! uses: digits in either script (`7`, `٧`, `1,200`), cardinals whose form
//! agrees with the noun and carries case endings (`ثلاثة`، `ثلاث`، `ثلاثةُ`),
//! compounds (`إحدى عشرة`، `خمسة وعشرون`، `ثلاث مئة`، `ثلاثة آلاف`), and
//! vague quantities (`عشرات`، `عدد من`) that must be recognised so that they
//! are *not* taken for exact counts. Bounding words (`أكثر من 20`، `نحو 30`،
//! `على الأقل`) belong to the phrase but leave the count exact, as the
//! annotation guide asks.
//!
//! The words themselves are data (`data/casualties.json`, section
//! `numbers`), folded with the same match normalization as the text, so
//! diacritics, alef/hamza variants and teh marbuta need not be listed.
//! Everything here works on [`Tok`]ens of match-normalized text, produced by
//! [`tokenize`].

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use serde::Deserialize;

/// A token of match-normalized text: `norm[start..end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tok {
    pub start: usize,
    pub end: usize,
    pub class: TokClass,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokClass {
    /// A run of letters (Arabic or Latin).
    Word,
    /// A run of ASCII digits, possibly with `,` or `.` between digit groups.
    Digits,
    /// Sentence end: `.` `!` `?` `؟` `؛` `;` `…` or a line break.
    HardBreak,
    /// Clause break: `،` `,` `:` brackets, dashes, slashes and other marks.
    SoftBreak,
    /// A quote mark (`"` after match normalization).
    Quote,
}

impl Tok {
    #[inline]
    pub fn text<'a>(&self, norm: &'a str) -> &'a str {
        &norm[self.start..self.end]
    }
    #[inline]
    pub fn is_word(&self) -> bool {
        self.class == TokClass::Word
    }
}

/// Letter test with a fast path for the Arabic letters and ASCII that make
/// up nearly all match-normalized news text.
fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    ('\u{0621}'..='\u{064A}').contains(&c) || c.is_alphabetic()
}

/// Split match-normalized text into words, digit groups and punctuation.
/// Whitespace separates tokens and is dropped, except line breaks.
pub(crate) fn tokenize(norm: &str) -> Vec<Tok> {
    tokenize_glued(norm, &|_| false).0
}

/// Whether the two bytes `pair` (big-endian), at a char boundary of valid
/// UTF-8, encode an Arabic letter U+0621–U+064A: D8 A1..=D8 BF or
/// D9 80..=D9 8A. In valid UTF-8 nothing else lies in between (D8 C0..=D9 7F
/// would need a continuation byte outside 80..=BF), so one range test does.
#[inline(always)]
fn is_arabic_letter_pair(pair: u16) -> bool {
    pair.wrapping_sub(0xD8A1) <= 0xD98A - 0xD8A1
}

/// Byte length of the char at `i` when it is a letter ([`is_letter`]).
/// Arabic letters (two bytes, U+0621–U+064A) and ASCII are decided from
/// the bytes alone: the tokenizer asks this for nearly every byte.
#[inline(always)]
fn letter_len_at(s: &str, i: usize) -> Option<usize> {
    let b = s.as_bytes();
    let b0 = *b.get(i)?;
    if b0.is_ascii() {
        return b0.is_ascii_alphabetic().then_some(1);
    }
    let pair = u16::from_be_bytes([b0, b.get(i + 1).copied().unwrap_or(0)]);
    if is_arabic_letter_pair(pair) {
        return Some(2);
    }
    // Arabic punctuation and signs, not letters: U+0600..=U+060F
    // (`،`) and U+061B..=U+061F (`؛`، `؟`).
    if matches!(pair, 0xD880..=0xD88F | 0xD89B..=0xD89F) {
        return None;
    }
    other_letter_len_at(s, i)
}

/// The end of the run of Arabic letters starting at byte `i`: the inner
/// loop of the tokenizer, two bytes and one range test per letter.
#[inline(always)]
fn skip_arabic_letters(b: &[u8], mut i: usize) -> usize {
    while let Some(&[b0, b1]) = b.get(i..i + 2) {
        if !is_arabic_letter_pair(u16::from_be_bytes([b0, b1])) {
            break;
        }
        i += 2;
    }
    i
}

/// [`letter_len_at`] for the chars it does not decide from the bytes.
#[inline(never)]
fn other_letter_len_at(s: &str, i: usize) -> Option<usize> {
    let c = s.get(i..)?.chars().next()?;
    is_letter(c).then(|| c.len_utf8())
}

/// [`tokenize`], also joining words split by a filter-dodging mark:
/// `glue(pos)` says whether the `.` or `*` at byte `pos`, between two
/// letters, sits inside a word (`مقـ.ـتل`، `د*اع*ش`). Returns the tokens and
/// the folded text of each joined word (by token index).
pub(crate) fn tokenize_glued(
    norm: &str,
    glue: &dyn Fn(usize) -> bool,
) -> (Vec<Tok>, HashMap<usize, String>) {
    let bytes = norm.as_bytes();
    // About one token per five bytes of Arabic news text.
    let mut toks = Vec::with_capacity(norm.len() / 5 + 4);
    let mut joined = HashMap::default();
    let mut i = 0;
    while i < bytes.len() {
        if let Some(n) = letter_len_at(norm, i) {
            let mut end = i + n;
            let mut glued = false;
            loop {
                end = skip_arabic_letters(bytes, end);
                if let Some(m) = letter_len_at(norm, end) {
                    end += m;
                } else if matches!(bytes.get(end), Some(b'.' | b'*'))
                    && letter_len_at(norm, end + 1).is_some()
                    && glue(end)
                {
                    glued = true;
                    end += 1;
                } else {
                    break;
                }
            }
            if glued {
                joined.insert(toks.len(), norm[i..end].replace(['.', '*'], ""));
            }
            toks.push(Tok {
                start: i,
                end,
                class: TokClass::Word,
            });
            i = end;
            continue;
        }
        let b0 = bytes[i];
        if b0 == b' ' {
            i += 1;
            continue;
        }
        if b0.is_ascii_digit() {
            let mut end = i + 1;
            loop {
                match bytes.get(end) {
                    Some(d) if d.is_ascii_digit() => end += 1,
                    // A separator counts only between digits.
                    Some(b',' | b'.') if bytes.get(end + 1).is_some_and(u8::is_ascii_digit) => {
                        end += 2
                    }
                    _ => break,
                }
            }
            toks.push(Tok {
                start: i,
                end,
                class: TokClass::Digits,
            });
            i = end;
            continue;
        }
        let Some(c) = norm[i..].chars().next() else {
            break;
        };
        let len = c.len_utf8();
        if c.is_whitespace() {
            if c == '\n' || c == '\r' || c == '\u{2028}' || c == '\u{2029}' {
                toks.push(Tok {
                    start: i,
                    end: i + len,
                    class: TokClass::HardBreak,
                });
            }
        } else {
            let class = match c {
                '.' | '!' | '?' | '؟' | '؛' | ';' | '…' => TokClass::HardBreak,
                '"' | '\'' | '«' | '»' | '“' | '”' => TokClass::Quote,
                _ => TokClass::SoftBreak,
            };
            toks.push(Tok {
                start: i,
                end: i + len,
                class,
            });
        }
        i += len;
    }
    (toks, joined)
}

/// The value of a digit token: `1,200` → 1200, `2.5` → 2.5.
pub(crate) fn digits_value(s: &str) -> Option<f64> {
    let groups: Vec<&str> = s.split([',', '.']).collect();
    if groups.iter().any(|g| g.is_empty()) {
        return None;
    }
    if groups.len() == 1 {
        return s.parse::<f64>().ok();
    }
    // `1,200` / `1.200.000`: thousands separators when every later group has
    // three digits; otherwise one `.` or `,` is a decimal point.
    if groups[1..].iter().all(|g| g.len() == 3) && groups[0].len() <= 3 {
        let joined: String = groups.concat();
        return joined.parse::<f64>().ok();
    }
    if groups.len() == 2 {
        return format!("{}.{}", groups[0], groups[1]).parse::<f64>().ok();
    }
    None
}

#[derive(Debug, Deserialize)]
struct ScaleJson {
    value: u64,
    singular: Vec<String>,
    dual: Vec<String>,
    plural: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct NumbersJson {
    units: HashMap<String, Vec<String>>,
    units_only_in_compounds: Vec<String>,
    units_not_alone: Vec<String>,
    teen_suffix: Vec<String>,
    tens: HashMap<String, Vec<String>>,
    hundred: Vec<String>,
    hundreds: HashMap<String, Vec<String>>,
    scales: Vec<ScaleJson>,
    vague: HashMap<String, serde_json::Value>,
    vague_phrases: HashMap<String, serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct ModifiersJson {
    before: Vec<String>,
    after: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScaleForm {
    Singular,
    Dual,
    Plural,
}

/// Number words and count modifiers, folded for lookup.
#[derive(Debug, Default)]
pub(crate) struct NumberLexicon {
    units: HashMap<String, u64>,
    units_only_in_compounds: HashSet<String>,
    units_not_alone: HashSet<String>,
    teen_suffix: HashSet<String>,
    tens: HashMap<String, u64>,
    hundred: HashSet<String>,
    hundreds: HashMap<String, u64>,
    scales: HashMap<String, (u64, ScaleForm)>,
    vague: HashMap<String, u64>,
    /// Multi-word vague quantities (`عدد من`), as word sequences.
    vague_phrases: Vec<(Vec<String>, u64)>,
    /// Bounding words before a count, as word sequences, longest first.
    modifiers_before: Vec<Vec<String>>,
    modifiers_after: Vec<Vec<String>>,
    /// First words of `vague_phrases` and `modifiers_before`, to skip the
    /// sequence checks for words that start neither.
    phrase_starts: HashSet<String>,
    /// Every word a count phrase can start with (number words, vague
    /// words, first words of bounding and vague phrases, `ال` before
    /// digits): [`NumberLexicon::count`] rejects any other word with one
    /// lookup, which matters because it is tried at most words near a
    /// casualty noun.
    count_starts: HashSet<String>,
}

/// Fold a lexicon entry the way the text is folded.
pub(crate) fn fold(s: &str) -> String {
    rasd_text::normalize_match(s).trim().to_string()
}

fn fold_words(s: &str) -> Vec<String> {
    rasd_text::normalize_match(s)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

fn value_u64(v: &serde_json::Value) -> Option<u64> {
    v.as_u64()
}

impl NumberLexicon {
    /// Build from the `numbers` and `count_modifiers` sections of the
    /// casualty lexicon.
    pub(crate) fn from_json(
        numbers: &serde_json::Value,
        modifiers: &serde_json::Value,
    ) -> Result<Self, String> {
        let n: NumbersJson =
            serde_json::from_value(numbers.clone()).map_err(|e| format!("numbers: {e}"))?;
        let m: ModifiersJson = serde_json::from_value(modifiers.clone())
            .map_err(|e| format!("count_modifiers: {e}"))?;
        let mut lex = NumberLexicon::default();
        let parse_key = |k: &str| k.parse::<u64>().map_err(|e| format!("number key {k}: {e}"));
        for (k, forms) in &n.units {
            let v = parse_key(k)?;
            for f in forms {
                lex.units.insert(fold(f), v);
            }
        }
        lex.units_only_in_compounds = n.units_only_in_compounds.iter().map(|s| fold(s)).collect();
        lex.units_not_alone = n.units_not_alone.iter().map(|s| fold(s)).collect();
        lex.teen_suffix = n.teen_suffix.iter().map(|s| fold(s)).collect();
        for (k, forms) in &n.tens {
            let v = parse_key(k)?;
            for f in forms {
                lex.tens.insert(fold(f), v);
            }
        }
        lex.hundred = n.hundred.iter().map(|s| fold(s)).collect();
        for (k, forms) in &n.hundreds {
            let v = parse_key(k)?;
            for f in forms {
                lex.hundreds.insert(fold(f), v);
            }
        }
        for s in &n.scales {
            for (forms, form) in [
                (&s.singular, ScaleForm::Singular),
                (&s.dual, ScaleForm::Dual),
                (&s.plural, ScaleForm::Plural),
            ] {
                for f in forms {
                    lex.scales.insert(fold(f), (s.value, form));
                }
            }
        }
        for (k, v) in &n.vague {
            if let Some(v) = value_u64(v) {
                lex.vague.insert(fold(k), v);
            }
        }
        for (k, v) in &n.vague_phrases {
            if let Some(v) = value_u64(v) {
                lex.vague_phrases.push((fold_words(k), v));
            }
        }
        lex.vague_phrases
            .sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
        lex.modifiers_before = m
            .before
            .iter()
            .map(|s| fold_words(s))
            .filter(|w| !w.is_empty())
            .collect();
        lex.modifiers_before
            .sort_by_key(|w| std::cmp::Reverse(w.len()));
        lex.modifiers_after = m
            .after
            .iter()
            .map(|s| fold_words(s))
            .filter(|w| !w.is_empty())
            .collect();
        lex.modifiers_after
            .sort_by_key(|w| std::cmp::Reverse(w.len()));
        lex.phrase_starts = lex
            .vague_phrases
            .iter()
            .map(|(p, _)| &p[0])
            .chain(lex.modifiers_before.iter().map(|m| &m[0]))
            .cloned()
            .collect();
        lex.count_starts = lex
            .units
            .keys()
            .chain(lex.tens.keys())
            .chain(lex.hundreds.keys())
            .chain(lex.hundred.iter())
            .chain(lex.scales.keys())
            .chain(lex.vague.keys())
            .chain(lex.phrase_starts.iter())
            .cloned()
            .chain(std::iter::once("ال".to_string()))
            .collect();
        if lex.units.is_empty() || lex.tens.is_empty() {
            return Err("numbers: units and tens must not be empty".into());
        }
        Ok(lex)
    }
}

/// A count found at some token: its value, whether it is vague, and the
/// token index just past it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CountMatch {
    pub value: u32,
    pub approximate: bool,
    /// The count came from a bounding phrase (`أكثر من`، `نحو`).
    pub bounded: bool,
    pub end: usize,
}

/// A view of the tokens for the parsers: the folded word at each index, with
/// an optional leading `و` stripped from the first token of a phrase.
pub(crate) struct Words<'a> {
    pub norm: &'a str,
    pub toks: &'a [Tok],
    /// Folded text of words joined across a filter-dodging mark.
    pub joined: Option<&'a HashMap<usize, String>>,
}

impl<'a> Words<'a> {
    #[inline]
    pub fn word(&self, i: usize) -> Option<&'a str> {
        let t = self.toks.get(i)?;
        if !t.is_word() {
            return None;
        }
        if let Some(j) = self.joined.and_then(|m| m.get(&i)) {
            return Some(j.as_str());
        }
        Some(t.text(self.norm))
    }
    #[inline]
    pub fn digits(&self, i: usize) -> Option<&'a str> {
        let t = self.toks.get(i)?;
        (t.class == TokClass::Digits).then(|| t.text(self.norm))
    }
    /// The word at `i` with a leading conjunction `و` removed when `waw`.
    #[inline]
    pub fn word_waw(&self, i: usize, waw: bool) -> Option<&'a str> {
        let w = self.word(i)?;
        if waw {
            strip_waw(w)
        } else {
            Some(w)
        }
    }
    /// Whether the words from `i` are exactly `seq` (the first may carry `و`
    /// when `waw`).
    pub fn seq_at(&self, i: usize, seq: &[String], waw: bool) -> bool {
        seq.iter().enumerate().all(|(k, s)| {
            let w = if k == 0 {
                self.word_waw(i, waw)
            } else {
                self.word(i + k)
            };
            w == Some(s.as_str())
        })
    }
}

/// `وثلاثة` → `ثلاثة`; `None` for words that do not start with `و` or are
/// too short to be `و` + word.
pub(crate) fn strip_waw(w: &str) -> Option<&str> {
    let rest = w.strip_prefix('و')?;
    (rest.chars().count() >= 2).then_some(rest)
}

impl NumberLexicon {
    /// A cardinal below 1000 written in words, starting at `i`.
    fn below_thousand(&self, w: &Words, i: usize, waw: bool) -> Option<(u64, usize)> {
        let tok = w.word_waw(i, waw)?;
        let mut hundreds = None;
        if let Some(&h) = self.hundreds.get(tok) {
            hundreds = Some((h, i + 1));
        } else if self.hundred.contains(tok) {
            hundreds = Some((100, i + 1));
        } else if let Some(&u) = self.units.get(tok) {
            if u >= 3 && w.word(i + 1).is_some_and(|n| self.hundred.contains(n)) {
                hundreds = Some((u * 100, i + 2));
            }
        }
        if let Some((h, j)) = hundreds {
            if let Some((rest, k)) = self.below_hundred(w, j, true) {
                return Some((h + rest, k));
            }
            return Some((h, j));
        }
        self.below_hundred(w, i, waw)
    }

    /// A cardinal 1–99 written in words, starting at `i`.
    fn below_hundred(&self, w: &Words, i: usize, waw: bool) -> Option<(u64, usize)> {
        let tok = w.word_waw(i, waw)?;
        if let Some(&u) = self.units.get(tok) {
            if w.word(i + 1).is_some_and(|n| self.teen_suffix.contains(n)) {
                return Some((10 + u, i + 2));
            }
            if let Some(t) = w
                .word(i + 1)
                .and_then(strip_waw)
                .and_then(|n| self.tens.get(n))
            {
                if *t >= 20 {
                    return Some((u + t, i + 2));
                }
            }
            if self.units_only_in_compounds.contains(tok) || self.units_not_alone.contains(tok) {
                return None;
            }
            return Some((u, i + 1));
        }
        self.tens.get(tok).map(|&t| (t, i + 1))
    }

    /// A whole cardinal in words or digits at `i`, with scales
    /// (`ثلاثة آلاف`، `70 ألف`، `ألفين`، `مئة ألف وخمسون`).
    pub(crate) fn cardinal(&self, w: &Words, i: usize, waw: bool) -> Option<(u64, usize)> {
        // Digits (possibly after a bare `ال`, as in `الـ14`).
        if let Some(d) = w.digits(i) {
            let v = digits_value(d)?;
            if let Some((scale, ScaleForm::Singular | ScaleForm::Plural)) =
                w.word(i + 1).and_then(|n| self.scales.get(n)).copied()
            {
                return Some(((v * scale as f64).round() as u64, i + 2));
            }
            if v.fract() != 0.0 {
                return None;
            }
            return Some((v as u64, i + 1));
        }
        let tok = w.word_waw(i, waw)?;
        let (mut value, mut j) = match self.below_thousand(w, i, waw) {
            Some((v, j)) => match w.word(j).and_then(|n| self.scales.get(n)).copied() {
                Some((scale, ScaleForm::Singular | ScaleForm::Plural)) => (v * scale, j + 1),
                _ => return Some((v, j)),
            },
            None => match self.scales.get(tok).copied() {
                Some((scale, ScaleForm::Singular)) => (scale, i + 1),
                Some((scale, ScaleForm::Dual)) => (2 * scale, i + 1),
                _ => return None,
            },
        };
        if let Some((rest, k)) = self.below_thousand(w, j, true) {
            value += rest;
            j = k;
        }
        Some((value, j))
    }

    /// A count phrase at `i`: optional bounding words, then a cardinal or a
    /// vague quantity, then optional `على الأقل`.
    pub(crate) fn count(&self, w: &Words, i: usize, waw: bool) -> Option<CountMatch> {
        // Digits, or a word that can open a count; nothing below matches
        // anything else.
        if w.digits(i).is_none()
            && !w
                .word_waw(i, waw)
                .is_some_and(|x| self.count_starts.contains(x))
        {
            return None;
        }
        let mut j = i;
        let mut bounded = false;
        let mut first_waw = waw;
        let starts_phrase = |j: usize, waw: bool| {
            w.word_waw(j, waw)
                .is_some_and(|x| self.phrase_starts.contains(x))
        };
        if let Some(m) = self
            .modifiers_before
            .iter()
            .filter(|_| starts_phrase(j, first_waw))
            .find(|m| w.seq_at(j, m, first_waw))
        {
            j += m.len();
            bounded = true;
            first_waw = false;
        }
        // `الـ14`: the article written before digits.
        if w.word_waw(j, first_waw) == Some("ال") && w.digits(j + 1).is_some() {
            j += 1;
            first_waw = false;
        }
        let (value, approximate, mut end) = if let Some((v, k)) = self.cardinal(w, j, first_waw) {
            (v, false, k)
        } else if let Some((p, v)) = self
            .vague_phrases
            .iter()
            .filter(|_| starts_phrase(j, first_waw))
            .find(|(p, _)| w.seq_at(j, p, first_waw))
        {
            (*v, true, j + p.len())
        } else if let Some(&v) = w.word_waw(j, first_waw).and_then(|t| self.vague.get(t)) {
            // `عشرات الآلاف`
            match w
                .word(j + 1)
                .and_then(|n| n.strip_prefix("ال"))
                .and_then(|n| self.scales.get(n))
            {
                Some(&(scale, ScaleForm::Plural)) => (v * scale, true, j + 2),
                _ => (v, true, j + 1),
            }
        } else {
            return None;
        };
        if let Some(m) = self
            .modifiers_after
            .iter()
            .find(|m| w.seq_at(end, m, false))
        {
            end += m.len();
        }
        Some(CountMatch {
            value: value.min(u32::MAX as u64) as u32,
            approximate,
            bounded,
            end,
        })
    }

    /// The number of words of a closing bound (`على الأقل`) at `j`.
    pub(crate) fn after_modifier_len(&self, w: &Words, j: usize) -> Option<usize> {
        self.modifiers_after
            .iter()
            .find(|m| w.seq_at(j, m, false))
            .map(|m| m.len())
    }

    /// The value of a one-word cardinal (`ثلاثة`، `عشرين`), for counts written
    /// after their noun (`أطفالها الثلاثة`).
    pub(crate) fn single_word_value(&self, word: &str) -> Option<u64> {
        self.units
            .get(word)
            .filter(|_| {
                !self.units_only_in_compounds.contains(word) && !self.units_not_alone.contains(word)
            })
            .or_else(|| self.tens.get(word))
            .copied()
    }
}

/// Parse a count written in words or digits, with bounding words and vague
/// quantities: `ثلاثة عشر` → (13, false), `أكثر من 20` → (20, false),
/// `عشرات` → (20, true). Returns `None` unless the whole input is one count.
pub fn parse_number(words: &str) -> Option<(u32, bool)> {
    let lex = &crate::casualties::lexicon().numbers;
    let norm = rasd_text::normalize_match(words);
    let toks = tokenize(&norm);
    let w = Words {
        joined: None,
        norm: &norm,
        toks: &toks,
    };
    let m = lex.count(&w, 0, false)?;
    (m.end == toks.len()).then_some((m.value, m.approximate))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The tokenizer as it was before the byte-level letter runs: the
    /// property test below holds the new one to it.
    mod reference {
        use super::super::{is_letter, HashMap, Tok, TokClass};

        /// Byte length of the char at `i` when it is a letter ([`is_letter`]).
        /// Arabic letters (two bytes, U+0621–U+064A) and ASCII are decided from
        /// the bytes alone: the tokenizer asks this for nearly every byte.
        #[inline(always)]
        fn ref_letter_len_at(s: &str, i: usize) -> Option<usize> {
            let b = s.as_bytes();
            match *b.get(i)? {
                b0 if b0.is_ascii() => b0.is_ascii_alphabetic().then_some(1),
                // U+0621..=U+063F is D8 A1..=D8 BF; U+0640..=U+064A is D9 80..=D9 8A.
                0xD8 if b.get(i + 1).is_some_and(|&b1| b1 >= 0xA1) => Some(2),
                0xD9 if b.get(i + 1).is_some_and(|&b1| b1 <= 0x8A) => Some(2),
                // Arabic punctuation and signs, not letters: U+0600..=U+060F
                // (`،`) and U+061B..=U+061F (`؛`، `؟`).
                0xD8 if b
                    .get(i + 1)
                    .is_some_and(|&b1| matches!(b1, 0x80..=0x8F | 0x9B..=0x9F)) =>
                {
                    None
                }
                _ => ref_other_letter_len_at(s, i),
            }
        }

        /// Whether the two bytes at `i` encode an Arabic letter U+0621–U+064A,
        /// computed without branches: inside a word this is true letter after
        /// letter, so the loop branch on it is well predicted, where a test per
        /// lead byte (0xD8 or 0xD9) is not.
        #[inline(always)]
        fn ref_arabic_letter_at(b: &[u8], i: usize) -> bool {
            let b0 = u32::from(b.get(i).copied().unwrap_or(0));
            let b1 = u32::from(b.get(i + 1).copied().unwrap_or(0));
            let code = ((b0 & 0x1F) << 6) | (b1 & 0x3F);
            ((b0 & 0xE0) == 0xC0) & (code.wrapping_sub(0x621) <= 0x64A - 0x621)
        }

        /// [`letter_len_at`] for the chars it does not decide from the bytes.
        #[inline(never)]
        fn ref_other_letter_len_at(s: &str, i: usize) -> Option<usize> {
            let c = s.get(i..)?.chars().next()?;
            is_letter(c).then(|| c.len_utf8())
        }

        /// [`tokenize`], also joining words split by a filter-dodging mark:
        /// `glue(pos)` says whether the `.` or `*` at byte `pos`, between two
        /// letters, sits inside a word (`مقـ.ـتل`، `د*اع*ش`). Returns the tokens and
        /// the folded text of each joined word (by token index).
        pub(super) fn reference_tokenize_glued(
            norm: &str,
            glue: &dyn Fn(usize) -> bool,
        ) -> (Vec<Tok>, HashMap<usize, String>) {
            let bytes = norm.as_bytes();
            // About one token per five bytes of Arabic news text.
            let mut toks = Vec::with_capacity(norm.len() / 5 + 4);
            let mut joined = HashMap::default();
            let mut i = 0;
            while i < bytes.len() {
                let first = if ref_arabic_letter_at(bytes, i) {
                    Some(2)
                } else {
                    ref_letter_len_at(norm, i)
                };
                if let Some(n) = first {
                    let mut end = i + n;
                    let mut glued = false;
                    loop {
                        if ref_arabic_letter_at(bytes, end) {
                            end += 2;
                        } else if let Some(m) = ref_letter_len_at(norm, end) {
                            end += m;
                        } else if matches!(bytes.get(end), Some(b'.' | b'*'))
                            && ref_letter_len_at(norm, end + 1).is_some()
                            && glue(end)
                        {
                            glued = true;
                            end += 1;
                        } else {
                            break;
                        }
                    }
                    if glued {
                        joined.insert(toks.len(), norm[i..end].replace(['.', '*'], ""));
                    }
                    toks.push(Tok {
                        start: i,
                        end,
                        class: TokClass::Word,
                    });
                    i = end;
                    continue;
                }
                let b0 = bytes[i];
                if b0 == b' ' {
                    i += 1;
                    continue;
                }
                if b0.is_ascii_digit() {
                    let mut end = i + 1;
                    loop {
                        match bytes.get(end) {
                            Some(d) if d.is_ascii_digit() => end += 1,
                            // A separator counts only between digits.
                            Some(b',' | b'.')
                                if bytes.get(end + 1).is_some_and(u8::is_ascii_digit) =>
                            {
                                end += 2
                            }
                            _ => break,
                        }
                    }
                    toks.push(Tok {
                        start: i,
                        end,
                        class: TokClass::Digits,
                    });
                    i = end;
                    continue;
                }
                let Some(c) = norm[i..].chars().next() else {
                    break;
                };
                let len = c.len_utf8();
                if c.is_whitespace() {
                    if c == '\n' || c == '\r' || c == '\u{2028}' || c == '\u{2029}' {
                        toks.push(Tok {
                            start: i,
                            end: i + len,
                            class: TokClass::HardBreak,
                        });
                    }
                } else {
                    let class = match c {
                        '.' | '!' | '?' | '؟' | '؛' | ';' | '…' => TokClass::HardBreak,
                        '"' | '\'' | '«' | '»' | '“' | '”' => TokClass::Quote,
                        _ => TokClass::SoftBreak,
                    };
                    toks.push(Tok {
                        start: i,
                        end: i + len,
                        class,
                    });
                }
                i += len;
            }
            (toks, joined)
        }
    }

    /// Text made of the chars the tokenizer treats apart: Arabic letters at
    /// the range ends, Arabic punctuation and marks, tatweel, digits and
    /// their separators, the glue marks, quotes, spaces and line breaks,
    /// Latin and other letters, and any char at all.
    fn tokenizer_text() -> impl Strategy<Value = String> {
        let special = prop::sample::select(vec![
            'ء', 'ا', 'ب', 'ي', 'ـ', 'ٯ', 'ؠ', 'ً', 'ٔ', 'ؐ', '،', '؛', '؟', '؀', '؏', '.', '*', ',',
            '0', '7', ' ', '\n', '\r', '\u{2028}', '"', '«', '»', '“', 'a', 'Z', 'é', 'ک', '…',
            '!', '-', '\t', '\u{a0}',
        ]);
        prop::collection::vec(prop_oneof![4 => special, 1 => any::<char>()], 0..40)
            .prop_map(|cs| cs.into_iter().collect())
    }

    proptest! {
        #[test]
        fn tokenizer_matches_reference(text in tokenizer_text(), modulus in 1usize..4) {
            // Glue some marks and not others, the same way in both.
            let glue = |pos: usize| pos.is_multiple_of(modulus);
            let (toks, joined) = tokenize_glued(&text, &glue);
            let (ref_toks, ref_joined) = reference::reference_tokenize_glued(&text, &glue);
            prop_assert_eq!(toks, ref_toks);
            prop_assert_eq!(joined, ref_joined);
        }
    }

    #[test]
    fn digit_groups() {
        assert_eq!(digits_value("1,200"), Some(1200.0));
        assert_eq!(digits_value("30606"), Some(30606.0));
        assert_eq!(digits_value("2.5"), Some(2.5));
        assert_eq!(digits_value("1.200.000"), Some(1_200_000.0));
    }

    #[test]
    fn tokens_split_digits_from_letters() {
        let norm = rasd_text::normalize_match("القتلى الـ14، و15أيلول.");
        let toks = tokenize(&norm);
        let texts: Vec<&str> = toks.iter().map(|t| t.text(&norm)).collect();
        assert_eq!(texts, ["القتلي", "ال", "14", "،", "و", "15", "ايلول", "."]);
    }

    #[test]
    fn tokens_of_every_letter_class() {
        // Arabic letters at both ends of the two-byte range, a Persian
        // letter and a Latin one outside it, Arabic punctuation between.
        let norm = "ءيdکé،ـا؛ب؟ؠ";
        let toks = tokenize(norm);
        let got: Vec<(&str, TokClass)> = toks.iter().map(|t| (t.text(norm), t.class)).collect();
        assert_eq!(
            got,
            [
                ("ءيdکé", TokClass::Word),
                ("،", TokClass::SoftBreak),
                ("ـا", TokClass::Word),
                ("؛", TokClass::HardBreak),
                ("ب", TokClass::Word),
                ("؟", TokClass::HardBreak),
                ("ؠ", TokClass::Word),
            ]
        );
    }
}
