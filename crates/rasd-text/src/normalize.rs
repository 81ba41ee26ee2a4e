//! Arabic normalization with an exact alignment back to the original text.
//!
//! Why: the tag stage looks names up in a *folded* form of the text (no
//! diacritics, one alef, ASCII digits, ...) but must report mentions as byte
//! spans of the *display* text the clean stage published. Like HF tokenizers'
//! `NormalizedString`, [`normalize`] therefore returns the normalized string
//! together with an alignment, and [`Normalized::original_range`] maps any
//! span found in the normalized text back to the exact original bytes.
//!
//! The alignment is stored as a short list of segments rather than one entry
//! per byte: runs of characters copied unchanged form one *linear* segment
//! (offsets map one to one), and every rewritten character or whitespace run
//! forms its own segment (any offset inside it maps to the whole original
//! piece). Removed characters (diacritics, tatweel, invisible marks) are
//! attached to the end of the preceding output piece, so a name found in
//! `قتل` maps back to `قُتِلَ` with its final vowel mark. Removed characters at
//! the very start of the text are covered by the rule that normalized offset
//! 0 maps to original offset 0.
//!
//! Whitespace: runs of horizontal whitespace (and removed marks inside them)
//! become one space; a run that contains line breaks becomes exactly as many
//! `\n` as it had line breaks (`\r\n` counts as one), with no spaces around
//! them. Line structure is kept on purpose: the clean stage uses lines as
//! paragraphs and the tagger matches within lines. Leading and trailing
//! whitespace is normalized the same way, not trimmed.
//!
//! [`normalize_match`] is the fast path for lookups: it runs the same engine
//! without recording the alignment, so its output is by construction the same
//! as `normalize(text, &NormalizerConfig::matching()).as_str()`.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// The two standard step sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Lossless for reading: invisible marks removed, presentation forms
    /// decomposed (NFKC), whitespace normalized. No letter folding.
    Display,
    /// Everything, for dictionary lookup: diacritics, tatweel, alef /
    /// alef maksura / teh marbuta / hamza-carrier folding, ASCII digits,
    /// one quote and one dash character.
    Match,
}

impl Preset {
    pub fn config(self) -> NormalizerConfig {
        match self {
            Preset::Display => NormalizerConfig::display(),
            Preset::Match => NormalizerConfig::matching(),
        }
    }
}

impl From<Preset> for NormalizerConfig {
    fn from(p: Preset) -> Self {
        p.config()
    }
}

/// Each normalization step, switchable on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NormalizerConfig {
    /// NFKC, character by character, for Arabic presentation forms
    /// (U+FB50–U+FDFF, U+FE70–U+FEFE) and every other compatibility
    /// character (ligatures, full/half-width forms, `…`, superscripts):
    /// `ﻻ` → `لا`, `ﷲ` → `الله`, `１` → `1`, `…` → `...`. No canonical
    /// recomposition: `ا` + U+0653 stays two characters.
    pub compat_forms: bool,
    /// Remove Arabic diacritics U+064B–U+065F, U+0670, U+06D6–U+06ED.
    pub remove_diacritics: bool,
    /// Remove tatweel U+0640.
    pub remove_tatweel: bool,
    /// أ إ آ ٱ ٲ ٳ → ا
    pub fold_alef: bool,
    /// ى → ي
    pub fold_alef_maksura: bool,
    /// ة → ه
    pub fold_teh_marbuta: bool,
    /// ؤ → و, ئ → ي
    pub fold_hamza_carriers: bool,
    /// Persian / Urdu letters used in Arabic text: ی → ي, ک ڪ → ك, ە ہ → ه.
    pub fold_persian_letters: bool,
    /// Arabic-Indic and Persian digits → ASCII; ٫ → `.`, ٬ → `,`, ٪ → `%`.
    pub ascii_digits: bool,
    /// Remove zero-width and bidi marks (ZWSP, ZWJ, ZWNJ, LRM, RLM, ALM,
    /// BOM, embeddings/isolates, soft hyphen, word joiner) and control
    /// characters other than tab and line breaks.
    pub remove_invisible: bool,
    /// Remove variation selectors U+FE00–U+FE0F (emoji presentation).
    pub remove_variation_selectors: bool,
    /// « » “ ” „ ‟ ″ ‶ ‘ ’ ‚ ‛ ‹ › ' → `"`
    pub unify_quotes: bool,
    /// ‐ ‑ ‒ – — ― − ⸺ ⸻ ﹘ → `-`
    pub unify_dashes: bool,
    /// Whitespace runs → one space; runs with line breaks → that many `\n`.
    pub collapse_whitespace: bool,
}

impl NormalizerConfig {
    /// Lossless for reading (the text the clean stage publishes).
    pub fn display() -> Self {
        NormalizerConfig {
            compat_forms: true,
            remove_diacritics: false,
            remove_tatweel: false,
            fold_alef: false,
            fold_alef_maksura: false,
            fold_teh_marbuta: false,
            fold_hamza_carriers: false,
            fold_persian_letters: false,
            ascii_digits: false,
            remove_invisible: true,
            remove_variation_selectors: false,
            unify_quotes: false,
            unify_dashes: false,
            collapse_whitespace: true,
        }
    }

    /// Every step on (what lookups use).
    pub fn matching() -> Self {
        NormalizerConfig {
            compat_forms: true,
            remove_diacritics: true,
            remove_tatweel: true,
            fold_alef: true,
            fold_alef_maksura: true,
            fold_teh_marbuta: true,
            fold_hamza_carriers: true,
            fold_persian_letters: true,
            ascii_digits: true,
            remove_invisible: true,
            remove_variation_selectors: true,
            unify_quotes: true,
            unify_dashes: true,
            collapse_whitespace: true,
        }
    }

    /// Every step off: the output equals the input.
    pub fn none() -> Self {
        NormalizerConfig {
            compat_forms: false,
            remove_diacritics: false,
            remove_tatweel: false,
            fold_alef: false,
            fold_alef_maksura: false,
            fold_teh_marbuta: false,
            fold_hamza_carriers: false,
            fold_persian_letters: false,
            ascii_digits: false,
            remove_invisible: false,
            remove_variation_selectors: false,
            unify_quotes: false,
            unify_dashes: false,
            collapse_whitespace: false,
        }
    }
}

impl Default for NormalizerConfig {
    fn default() -> Self {
        NormalizerConfig::matching()
    }
}

/// One piece of the alignment: normalized bytes `norm` came from original
/// bytes `orig`. In a `linear` segment the first `norm.len()` original bytes
/// were copied unchanged (offsets map one to one); any original bytes past
/// them are removed characters attached to the segment's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    norm_start: usize,
    norm_end: usize,
    orig_start: usize,
    orig_end: usize,
    linear: bool,
}

/// A normalized text and its alignment to the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    text: String,
    original_len: usize,
    segments: Vec<Segment>,
}

impl Normalized {
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn into_string(self) -> String {
        self.text
    }

    pub fn len(&self) -> usize {
        self.text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Length in bytes of the original text.
    pub fn original_len(&self) -> usize {
        self.original_len
    }

    /// Map a byte range of the normalized text back to the exact byte range
    /// of the original text. Offsets that are out of range are clamped and
    /// offsets inside a character are widened to its boundaries, so the
    /// result always lies on character boundaries of the original.
    pub fn original_range(&self, start: usize, end: usize) -> Range<usize> {
        let n = self.text.len();
        let mut start = start.min(n);
        let mut end = end.min(n).max(start);
        while !self.text.is_char_boundary(start) {
            start -= 1;
        }
        while !self.text.is_char_boundary(end) {
            end += 1;
        }
        let (s, first) = self.map_start(start);
        if start == end {
            return s..s;
        }
        let e = self.map_end(end, first).max(s);
        s..e
    }

    /// Original offset where the normalized character at `pos` begins, and
    /// the number of segments that end at or before `pos` (where the search
    /// for a later offset can start).
    fn map_start(&self, pos: usize) -> (usize, usize) {
        if pos == 0 {
            return (0, 0);
        }
        if pos >= self.text.len() {
            return (self.original_len, 0);
        }
        // The segment with norm_start <= pos < norm_end.
        let i = self.segments.partition_point(|s| s.norm_end <= pos);
        let offset = match self.segments.get(i) {
            Some(seg) if seg.norm_start <= pos => {
                if seg.linear {
                    seg.orig_start + (pos - seg.norm_start)
                } else {
                    seg.orig_start
                }
            }
            _ => self.original_len,
        };
        (offset, i)
    }

    /// Original offset where the normalized text ending at `pos` ends.
    /// The first `skip` segments end before `pos`.
    fn map_end(&self, pos: usize, skip: usize) -> usize {
        if pos == 0 {
            return 0;
        }
        if pos >= self.text.len() {
            return self.original_len;
        }
        // The segment with norm_start < pos <= norm_end. Spans are short:
        // it is most often the segment where the span starts.
        let rest = &self.segments[skip..];
        let i = skip
            + match rest.first() {
                Some(seg) if seg.norm_end >= pos => 0,
                _ => rest.partition_point(|s| s.norm_end < pos),
            };
        match self.segments.get(i) {
            Some(seg) if seg.norm_start < pos => {
                if pos == seg.norm_end || !seg.linear {
                    seg.orig_end
                } else {
                    seg.orig_start + (pos - seg.norm_start)
                }
            }
            _ => self.original_len,
        }
    }
}

/// Normalize `text` with the given steps, keeping the alignment.
pub fn normalize(text: &str, config: &NormalizerConfig) -> Normalized {
    with_tables(config, |tables| {
        let mut engine = Engine::<true>::new(text, config, tables);
        engine.run();
        engine.finish()
    })
}

/// Normalize with the `match` preset without recording the alignment. Same
/// output as `normalize(text, &NormalizerConfig::matching()).as_str()`.
pub fn normalize_match(text: &str) -> String {
    // The shared tables directly: this is called for every word looked up,
    // and finding the preset by comparing configs field by field is a
    // noticeable share of a short word's normalization.
    let mut engine = Engine::<false>::new(text, &NormalizerConfig::matching(), Tables::matching());
    engine.run();
    engine.out
}

/// Normalize with any config without recording the alignment.
pub fn normalize_str(text: &str, config: &NormalizerConfig) -> String {
    with_tables(config, |tables| {
        let mut engine = Engine::<false>::new(text, config, tables);
        engine.run();
        engine.out
    })
}

/// Run `f` with the lookup tables of `config`: a preset's shared ones, or
/// tables built for this call.
fn with_tables<R>(config: &NormalizerConfig, f: impl FnOnce(&Tables) -> R) -> R {
    match Tables::preset(config) {
        Some(tables) => f(tables),
        None => f(&Tables::build(config)),
    }
}

// ---------------------------------------------------------------------------
// Character classification

/// What happens to one character.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    Keep,
    Delete,
    Space,
    /// A line break; `true` for `\r` (so that a following `\n` is not counted).
    LineBreak(bool),
    Replace(char),
    /// A compatibility decomposition, already mapped through the other steps.
    Expand(String),
}

/// Table entries for the Arabic block U+0600–U+06FF.
const KEEP: u32 = 0;
const DELETE: u32 = 1;

fn is_diacritic(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}')
}

fn arabic_block_entry(cp: u32, cfg: &NormalizerConfig) -> u32 {
    let c = match char::from_u32(cp) {
        Some(c) => c,
        None => return KEEP,
    };
    if cfg.remove_diacritics && is_diacritic(c) {
        return DELETE;
    }
    if cfg.remove_tatweel && c == '\u{0640}' {
        return DELETE;
    }
    if cfg.remove_invisible && c == '\u{061C}' {
        return DELETE;
    }
    let r = match c {
        'أ' | 'إ' | 'آ' | 'ٱ' | '\u{0672}' | '\u{0673}' if cfg.fold_alef => 'ا',
        'ى' if cfg.fold_alef_maksura => 'ي',
        'ة' if cfg.fold_teh_marbuta => 'ه',
        'ؤ' if cfg.fold_hamza_carriers => 'و',
        'ئ' if cfg.fold_hamza_carriers => 'ي',
        'ی' if cfg.fold_persian_letters => 'ي',
        'ک' | 'ڪ' if cfg.fold_persian_letters => 'ك',
        'ە' | 'ہ' if cfg.fold_persian_letters => 'ه',
        '\u{0660}'..='\u{0669}' if cfg.ascii_digits => char::from(b'0' + (cp - 0x0660) as u8),
        '\u{06F0}'..='\u{06F9}' if cfg.ascii_digits => char::from(b'0' + (cp - 0x06F0) as u8),
        '\u{066B}' if cfg.ascii_digits => '.',
        '\u{066C}' if cfg.ascii_digits => ',',
        '\u{066A}' if cfg.ascii_digits => '%',
        _ => return KEEP,
    };
    r as u32
}

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
        || (c.is_control() && !matches!(c, '\t') && !is_line_break(c))
}

fn is_quote(c: char) -> bool {
    matches!(
        c,
        '«' | '»'
            | '“'
            | '”'
            | '„'
            | '‟'
            | '″'
            | '‶'
            | '‘'
            | '’'
            | '‚'
            | '‛'
            | '‹'
            | '›'
            | '\''
    )
}

fn is_dash(c: char) -> bool {
    matches!(
        c,
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{2E3A}' | '\u{2E3B}' | '\u{FE58}' | '\u{FE63}'
    )
}

/// Whether NFKC changes the character on its own: Arabic presentation forms
/// (U+FB50–U+FDFF, U+FE70–U+FEFE) and every other character with a
/// compatibility decomposition (ligatures, full/half-width forms, `…`,
/// superscripts). Combining marks that only compose with a neighbour
/// (NFKC "maybe") are left alone: there is no canonical recomposition.
fn is_compat(c: char) -> bool {
    matches!(c, '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFE}')
        || unicode_normalization::is_nfkc_quick(std::iter::once(c))
            == unicode_normalization::IsNormalized::No
}

/// Classify a character that is not handled by the fast paths. `expand`
/// is false when classifying the output of a decomposition.
fn classify(c: char, cfg: &NormalizerConfig, table: &[u32; 256], expand: bool) -> Action {
    let cp = c as u32;
    if (0x0600..0x0700).contains(&cp) {
        return match table[(cp - 0x0600) as usize] {
            KEEP => Action::Keep,
            DELETE => Action::Delete,
            r => Action::Replace(char::from_u32(r).unwrap_or(c)),
        };
    }
    if c.is_whitespace() || is_line_break(c) {
        if !cfg.collapse_whitespace {
            return Action::Keep;
        }
        if is_line_break(c) {
            return Action::LineBreak(c == '\r');
        }
        return Action::Space;
    }
    if cfg.remove_invisible && is_invisible(c) {
        return Action::Delete;
    }
    if cfg.remove_variation_selectors && matches!(c, '\u{FE00}'..='\u{FE0F}') {
        return Action::Delete;
    }
    if cfg.remove_diacritics && is_diacritic(c) {
        return Action::Delete;
    }
    if cfg.unify_quotes && is_quote(c) {
        return Action::Replace('"');
    }
    if cfg.unify_dashes && is_dash(c) {
        return Action::Replace('-');
    }
    // Quotes and dashes keep their identity (″ is not two primes): the quote
    // and dash steps own them.
    if expand && cfg.compat_forms && is_compat(c) && !is_quote(c) && !is_dash(c) {
        let mut out = String::new();
        let mut changed = false;
        for d in std::iter::once(c).nfkc() {
            match classify(d, cfg, table, false) {
                Action::Keep => out.push(d),
                Action::Delete => changed = true,
                Action::Space | Action::LineBreak(_) => out.push(' '),
                Action::Replace(r) => out.push(r),
                Action::Expand(s) => out.push_str(&s),
            }
        }
        if !changed && out.len() == c.len_utf8() && out.starts_with(c) {
            return Action::Keep;
        }
        if out.is_empty() {
            return Action::Delete;
        }
        if out.trim().is_empty() && cfg.collapse_whitespace {
            return Action::Space;
        }
        return Action::Expand(out);
    }
    Action::Keep
}

/// Classification of ASCII bytes: 0 keep, 1 delete, 2 space, 3 line break,
/// 4 carriage return, 5 quote → `"`.
fn ascii_class(b: u8, cfg: &NormalizerConfig) -> u8 {
    match b {
        b' ' | b'\t' if cfg.collapse_whitespace => 2,
        b'\n' | 0x0B | 0x0C if cfg.collapse_whitespace => 3,
        b'\r' if cfg.collapse_whitespace => 4,
        b'\'' if cfg.unify_quotes => 5,
        0x00..=0x1F | 0x7F
            if cfg.remove_invisible && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0B | 0x0C) =>
        {
            1
        }
        _ => 0,
    }
}

// ---------------------------------------------------------------------------
// The engine

/// Blocks classified once per config and then looked up: Latin-1 (« »
/// and the no-break space) and General Punctuation (“ ” – … and the
/// invisible marks) sit between the words of news text, and [`classify`]
/// costs hundreds of instructions for them (the NFKC check).
const LATIN1: Range<u32> = 0x80..0x100;
const PUNCTUATION: Range<u32> = 0x2000..0x2070;

/// Lookup tables for one config: the Arabic block U+0600–U+06FF, ASCII and
/// [`classify`]'s answer for the [`LATIN1`] and [`PUNCTUATION`] blocks.
/// The two presets' tables are built once per process.
struct Tables {
    arabic: [u32; 256],
    ascii: [u8; 128],
    /// `classify(c, cfg, arabic, true)` for each character of [`LATIN1`].
    latin1: Vec<Action>,
    /// The same for [`PUNCTUATION`].
    punctuation: Vec<Action>,
    /// Pairs of bytes copied unchanged, indexed by the pair read as a
    /// little-endian `u16` (`first + 256 * second`): 1 for two plain ASCII
    /// bytes or one Arabic-block character kept as is, else 0. Runs are
    /// scanned two bytes per look-up, four look-ups per 8-byte word.
    /// One byte per entry (64 KiB) rather than one bit: a look-up is then
    /// a single load, and only a few cache lines of it are ever touched
    /// (ASCII rows and the Arabic leads' column).
    plain_pairs: Box<[u8; 1 << 16]>,
}

impl Tables {
    fn build(cfg: &NormalizerConfig) -> Tables {
        let mut arabic = [KEEP; 256];
        for (i, e) in arabic.iter_mut().enumerate() {
            *e = arabic_block_entry(0x0600 + i as u32, cfg);
        }
        let mut ascii = [0u8; 128];
        for (i, e) in ascii.iter_mut().enumerate() {
            *e = ascii_class(i as u8, cfg);
        }
        let classify_block = |block: Range<u32>| -> Vec<Action> {
            block
                .filter_map(char::from_u32)
                .map(|c| classify(c, cfg, &arabic, true))
                .collect()
        };
        let mut plain_pairs: Box<[u8; 1 << 16]> = vec![0u8; 1 << 16]
            .into_boxed_slice()
            .try_into()
            .expect("64 KiB");
        for (a, &first) in ascii.iter().enumerate() {
            for (b, &second) in ascii.iter().enumerate() {
                if first == 0 && second == 0 {
                    plain_pairs[pair_index(a as u8, b as u8)] = 1;
                }
            }
        }
        for (k, &entry) in arabic.iter().enumerate() {
            if entry == KEEP {
                let mut buf = [0u8; 4];
                if let Some(c) = char::from_u32(0x0600 + k as u32) {
                    c.encode_utf8(&mut buf);
                    plain_pairs[pair_index(buf[0], buf[1])] = 1;
                }
            }
        }
        Tables {
            latin1: classify_block(LATIN1),
            punctuation: classify_block(PUNCTUATION),
            arabic,
            ascii,
            plain_pairs,
        }
    }

    /// The shared tables of a preset; `None` for other configs.
    fn preset(cfg: &NormalizerConfig) -> Option<&'static Tables> {
        static DISPLAY: OnceLock<Tables> = OnceLock::new();
        if *cfg == NormalizerConfig::matching() {
            Some(Tables::matching())
        } else if *cfg == NormalizerConfig::display() {
            Some(DISPLAY.get_or_init(|| Tables::build(cfg)))
        } else {
            None
        }
    }

    /// The shared tables of the `match` preset.
    fn matching() -> &'static Tables {
        static MATCH: OnceLock<Tables> = OnceLock::new();
        MATCH.get_or_init(|| Tables::build(&NormalizerConfig::matching()))
    }

    /// What happens to the character `c` (not ASCII).
    #[inline]
    fn action(&self, c: char, cfg: &NormalizerConfig) -> Cow<'_, Action> {
        let cp = c as u32;
        if LATIN1.contains(&cp) {
            Cow::Borrowed(&self.latin1[(cp - LATIN1.start) as usize])
        } else if PUNCTUATION.contains(&cp) {
            Cow::Borrowed(&self.punctuation[(cp - PUNCTUATION.start) as usize])
        } else {
            Cow::Owned(classify(c, cfg, &self.arabic, true))
        }
    }

    /// 1 when the two bytes of `pair` (read little-endian) are copied
    /// unchanged ([`Tables::plain_pairs`]), else 0.
    #[inline(always)]
    fn plain_pair(&self, pair: u16) -> u8 {
        self.plain_pairs[pair as usize]
    }

    /// Byte length of the character at `i` when it is copied unchanged and
    /// is not whitespace (an ASCII byte of class 0 or an Arabic-block
    /// character kept as is), else 0.
    #[inline]
    fn plain_len_at(&self, bytes: &[u8], i: usize) -> usize {
        match bytes.get(i) {
            Some(&b) if b < 0x80 => (self.ascii[b as usize] == 0) as usize,
            Some(&b @ 0xD8..=0xDB) => match bytes.get(i + 1) {
                Some(&b2) if self.arabic[arabic_index(b, b2)] == KEEP => 2,
                _ => 0,
            },
            _ => 0,
        }
    }

    /// End of the run of bytes from `start` that are copied unchanged.
    ///
    /// Besides plain characters ([`Tables::plain_len_at`]) the run takes a
    /// single ` ` or `\n` followed by a plain character, when no whitespace
    /// run is pending before it (`ws_pending` at `start`; inside the run
    /// the previous character is plain): whitespace normalization maps it
    /// to itself, and the engine would merge its one-to-one segment into
    /// the run around it anyway. Between words this saves ending and
    /// restarting the run (with its copy and alignment segment) at every
    /// space.
    // Always inlined: one call per run, and runs are short in match text.
    #[inline(always)]
    fn plain_run_end(&self, bytes: &[u8], start: usize, ws_pending: bool) -> usize {
        let n = bytes.len();
        let mut i = start;
        loop {
            // Eight bytes (four pairs) per step while they are all plain;
            // the first pair that is not ends the step.
            let mut stopped_at_pair = false;
            while let Some(word) = bytes.get(i..i + 8) {
                let w = u64::from_le_bytes(word.try_into().expect("8 bytes"));
                let p0 = self.plain_pair(w as u16);
                let p1 = self.plain_pair((w >> 16) as u16);
                let p2 = self.plain_pair((w >> 32) as u16);
                let p3 = self.plain_pair((w >> 48) as u16);
                if p0 & p1 & p2 & p3 == 0 {
                    // Skip the plain pairs before the first that is not.
                    let plain = p0 + (p0 & p1) + (p0 & p1 & p2);
                    i += 2 * plain as usize;
                    stopped_at_pair = true;
                    break;
                }
                i += 8;
            }
            // The last few bytes of the text: two bytes per look-up while
            // they are plain.
            if !stopped_at_pair {
                while let Some(&[first, second]) = bytes.get(i..i + 2) {
                    if self.plain_pair(u16::from_le_bytes([first, second])) == 0 {
                        break;
                    }
                    i += 2;
                }
            }
            // One plain ASCII byte before a character that is not (a kept
            // Arabic character would have been taken as a pair), or a
            // single space or line break.
            let Some(&b) = bytes.get(i) else {
                return n;
            };
            if b >= 0x80 {
                return i;
            }
            if self.ascii[b as usize] == 0 {
                i += 1;
                continue;
            }
            if (b == b' ' || b == b'\n') && (i > start || !ws_pending) {
                // A plain pair after it begins with a plain character (a
                // kept Arabic one or a plain ASCII byte): take all three.
                if let Some(&[first, second]) = bytes.get(i + 1..i + 3) {
                    if self.plain_pair(u16::from_le_bytes([first, second])) == 1 {
                        i += 3;
                        continue;
                    }
                }
                let next = self.plain_len_at(bytes, i + 1);
                if next > 0 {
                    i += 1 + next;
                    continue;
                }
            }
            return i;
        }
    }
}

/// Index into [`Tables::plain_pairs`] of the bytes `first second`.
#[inline]
fn pair_index(first: u8, second: u8) -> usize {
    u16::from_le_bytes([first, second]) as usize
}

/// Index into [`Tables::arabic`] of the two-byte character `b b2`
/// (`b` in `D8..=DB`: U+0600–U+06FF).
#[inline]
fn arabic_index(b: u8, b2: u8) -> usize {
    (((b & 0x03) as usize) << 6) | (b2 & 0x3F) as usize
}

struct WsRun {
    orig_start: usize,
    orig_end: usize,
    line_breaks: usize,
    last_was_cr: bool,
}

struct Engine<'a, const ALIGN: bool> {
    src: &'a str,
    cfg: NormalizerConfig,
    tables: &'a Tables,
    /// Whether the fast paths are on: single spaces and line breaks joining
    /// the copied runs ([`Tables::plain_run_end`]) and the classification
    /// of common characters looked up ([`Tables::action`]). Off only in the
    /// tests that compare them with the character-by-character handling.
    fast_paths: bool,
    out: String,
    segments: Vec<Segment>,
    pending_ws: Option<WsRun>,
}

impl<'a, const ALIGN: bool> Engine<'a, ALIGN> {
    fn new(src: &'a str, cfg: &NormalizerConfig, tables: &'a Tables) -> Self {
        Engine {
            src,
            cfg: *cfg,
            tables,
            fast_paths: true,
            out: String::with_capacity(src.len()),
            // Sized for the common case of few rewritten pieces.
            segments: if ALIGN {
                Vec::with_capacity(16)
            } else {
                Vec::new()
            },
            pending_ws: None,
        }
    }

    fn finish(self) -> Normalized {
        Normalized {
            text: self.out,
            original_len: self.src.len(),
            segments: self.segments,
        }
    }

    /// Copy original bytes `[start, end)` unchanged.
    // Always inlined: called for every rewritten character.
    #[inline(always)]
    fn copy(&mut self, start: usize, end: usize) {
        if self.pending_ws.is_some() {
            self.flush_ws();
        }
        let norm_start = self.out.len();
        self.out.push_str(&self.src[start..end]);
        if ALIGN {
            let norm_end = self.out.len();
            if let Some(last) = self.segments.last_mut() {
                if last.linear
                    && last.norm_end == norm_start
                    && last.orig_end == start
                    && last.orig_end - last.orig_start == last.norm_end - last.norm_start
                {
                    last.norm_end = norm_end;
                    last.orig_end = end;
                    return;
                }
            }
            self.segments.push(Segment {
                norm_start,
                norm_end,
                orig_start: start,
                orig_end: end,
                linear: true,
            });
        }
    }

    /// Emit `s` as the replacement of original bytes `[start, end)`.
    #[inline]
    fn replace(&mut self, s: &str, start: usize, end: usize) {
        let norm_start = self.start_replacement();
        self.out.push_str(s);
        self.end_replacement(norm_start, start, end);
    }

    /// Emit the character `r` as the replacement of original bytes
    /// `[start, end)` ([`Engine::replace`] without a copy of a string).
    // Always inlined: called for every rewritten character.
    #[inline(always)]
    fn replace_char(&mut self, r: char, start: usize, end: usize) {
        let norm_start = self.start_replacement();
        self.out.push(r);
        self.end_replacement(norm_start, start, end);
    }

    /// Before a replacement is written: settle pending whitespace; returns
    /// where the replacement starts in the output.
    #[inline(always)]
    fn start_replacement(&mut self) -> usize {
        if self.pending_ws.is_some() {
            self.flush_ws();
        }
        self.out.len()
    }

    /// After a replacement was written from `norm_start` on: align it,
    /// as a whole, with original bytes `[start, end)`.
    #[inline(always)]
    fn end_replacement(&mut self, norm_start: usize, start: usize, end: usize) {
        if ALIGN {
            self.segments.push(Segment {
                norm_start,
                norm_end: self.out.len(),
                orig_start: start,
                orig_end: end,
                linear: false,
            });
        }
    }

    /// Original bytes `[start, end)` are removed: attach them to the pending
    /// whitespace run or to the previous output piece.
    #[inline]
    fn delete(&mut self, start: usize, end: usize) {
        if let Some(ws) = self.pending_ws.as_mut() {
            ws.orig_end = end;
            // `\r`, mark, `\n` is two line breaks, not one CRLF.
            ws.last_was_cr = false;
            return;
        }
        if ALIGN {
            if let Some(last) = self.segments.last_mut() {
                if last.orig_end == start {
                    last.orig_end = end;
                }
            }
        }
    }

    #[inline]
    fn whitespace(&mut self, start: usize, end: usize, line_break: bool, is_cr: bool) {
        let ws = self.pending_ws.get_or_insert(WsRun {
            orig_start: start,
            orig_end: start,
            line_breaks: 0,
            last_was_cr: false,
        });
        ws.orig_end = end;
        if line_break {
            let crlf = ws.last_was_cr && &self.src[start..end] == "\n";
            if !crlf {
                ws.line_breaks += 1;
            }
        }
        ws.last_was_cr = is_cr;
    }

    fn flush_ws(&mut self) {
        let Some(ws) = self.pending_ws.take() else {
            return;
        };
        let norm_start = self.out.len();
        if ws.line_breaks == 0 {
            self.out.push(' ');
        } else {
            for _ in 0..ws.line_breaks {
                self.out.push('\n');
            }
        }
        if ALIGN {
            let produced = &self.out[norm_start..];
            let identical = &self.src[ws.orig_start..ws.orig_end] == produced;
            if identical {
                // Merge into the preceding linear run when contiguous.
                if let Some(last) = self.segments.last_mut() {
                    if last.linear
                        && last.norm_end == norm_start
                        && last.orig_end == ws.orig_start
                        && last.orig_end - last.orig_start == last.norm_end - last.norm_start
                    {
                        last.norm_end = self.out.len();
                        last.orig_end = ws.orig_end;
                        return;
                    }
                }
            }
            self.segments.push(Segment {
                norm_start,
                norm_end: self.out.len(),
                orig_start: ws.orig_start,
                orig_end: ws.orig_end,
                linear: identical,
            });
        }
    }

    fn run(&mut self) {
        let tables = self.tables;
        let bytes = self.src.as_bytes();
        let n = bytes.len();
        let mut i = 0;
        while i < n {
            // Copy the run of unchanged bytes from `i` at once.
            let end = if self.fast_paths {
                tables.plain_run_end(bytes, i, self.pending_ws.is_some())
            } else {
                // Plain characters only: whitespace is handled below.
                let mut j = i;
                loop {
                    let len = tables.plain_len_at(bytes, j);
                    if len == 0 {
                        break j;
                    }
                    j += len;
                }
            };
            self.flush_run(i, end);
            i = end;
            if i >= n {
                break;
            }
            let b = bytes[i];
            if b < 0x80 {
                match tables.ascii[b as usize] {
                    0 => unreachable!("class-0 bytes are part of the run"),
                    1 => self.delete(i, i + 1),
                    2 => self.whitespace(i, i + 1, false, false),
                    3 => self.whitespace(i, i + 1, true, false),
                    4 => self.whitespace(i, i + 1, true, true),
                    _ => self.replace_char('"', i, i + 1),
                }
                i += 1;
                continue;
            }
            if (0xD8..=0xDB).contains(&b) && i + 1 < n {
                // U+0600–U+06FF: two bytes, table lookup (not KEEP, else it
                // would be part of the run).
                let entry = tables.arabic[arabic_index(b, bytes[i + 1])];
                if entry == DELETE {
                    self.delete(i, i + 2);
                } else {
                    let r = char::from_u32(entry).unwrap_or('\u{FFFD}');
                    self.replace_char(r, i, i + 2);
                }
                i += 2;
                continue;
            }
            // Any other character: decode and classify.
            let c = match self.src[i..].chars().next() {
                Some(c) => c,
                None => break,
            };
            let j = i + c.len_utf8();
            let action = if self.fast_paths {
                tables.action(c, &self.cfg)
            } else {
                Cow::Owned(classify(c, &self.cfg, &tables.arabic, true))
            };
            match action.as_ref() {
                Action::Keep => self.copy(i, j),
                Action::Delete => self.delete(i, j),
                Action::Space => self.whitespace(i, j, false, false),
                Action::LineBreak(cr) => self.whitespace(i, j, true, *cr),
                Action::Replace(r) => self.replace_char(*r, i, j),
                Action::Expand(s) => self.expand(s, i, j),
            }
            i = j;
        }
        self.flush_ws();
    }

    #[inline]
    fn flush_run(&mut self, start: usize, end: usize) {
        if start < end {
            self.copy(start, end);
        }
    }

    /// A decomposition may begin or end with a space (`ﹰ` → ` ً`): those
    /// join the surrounding whitespace so that runs stay collapsed.
    fn expand(&mut self, s: &str, start: usize, end: usize) {
        if !self.cfg.collapse_whitespace {
            self.replace(s, start, end);
            return;
        }
        let trimmed = s.trim_matches(' ');
        if s.starts_with(' ') {
            self.whitespace(start, start, false, false);
        }
        // Collapse inner space runs too.
        let mut inner = String::with_capacity(trimmed.len());
        let mut prev_space = false;
        for c in trimmed.chars() {
            if c == ' ' {
                if !prev_space {
                    inner.push(' ');
                }
                prev_space = true;
            } else {
                inner.push(c);
                prev_space = false;
            }
        }
        self.replace(&inner, start, end);
        if s.ends_with(' ') {
            self.whitespace(end, end, false, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> String {
        normalize_match(s)
    }

    #[test]
    fn match_folds_letters_and_marks() {
        assert_eq!(m("قُتِلَ"), "قتل");
        assert_eq!(m("لـ”العربي"), "ل\"العربي");
        assert_eq!(m("أحمد إبراهيم آمنة ٱلله"), "احمد ابراهيم امنه الله");
        assert_eq!(m("مستشفى"), "مستشفي");
        assert_eq!(m("مؤسسة هيئة"), "موسسه هييه");
        assert_eq!(m("کردی"), "كردي");
        assert_eq!(m("٢٠٢١ و۱۲"), "2021 و12");
        assert_eq!(m("ﻻ"), "لا");
        assert_eq!(m("«الحل» “نت” „x‟"), "\"الحل\" \"نت\" \"x\"");
        assert_eq!(m("مارس–آذار — x"), "مارس-اذار - x");
        assert_eq!(m("a\u{200F}b\u{200D}c\u{FEFF}"), "abc");
        assert_eq!(m("a \t\u{A0} b"), "a b");
        assert_eq!(m("a \r\n\r\n  b\nc"), "a\n\nb\nc");
    }

    #[test]
    fn display_keeps_letters_and_marks() {
        let d = NormalizerConfig::display();
        let n = normalize("قُتِلَ  أمس\u{200F} «هنا» ﻻ ٢", &d);
        assert_eq!(n.as_str(), "قُتِلَ أمس «هنا» لا ٢");
    }

    #[test]
    fn alignment_maps_back_exactly() {
        let orig = "قُتِلَ  في ديرالزور ﻻ";
        let n = normalize(orig, &NormalizerConfig::matching());
        assert_eq!(n.as_str(), "قتل في ديرالزور لا");
        let s = n.as_str();
        let w = s.find("قتل").unwrap();
        let r = n.original_range(w, w + "قتل".len());
        assert_eq!(&orig[r], "قُتِلَ");
        let f = s.find("في").unwrap();
        assert_eq!(&orig[n.original_range(f, f + "في".len())], "في");
        let la = s.find("لا").unwrap();
        assert_eq!(&orig[n.original_range(la, s.len())], "ﻻ");
        assert_eq!(n.original_range(0, s.len()), 0..orig.len());
        // A single space that replaced a run maps to the whole run.
        let sp = s.find(' ').unwrap();
        assert_eq!(&orig[n.original_range(sp, sp + 1)], "  ");
    }

    #[test]
    fn out_of_range_offsets_are_clamped() {
        let n = normalize("أب", &NormalizerConfig::matching());
        assert_eq!(n.original_range(1, 99), 0..4);
        assert_eq!(n.original_range(50, 10), 4..4);
    }

    /// `normalize` with the fast paths off: every whitespace character and
    /// every character outside ASCII and the Arabic block handled alone.
    fn reference(text: &str, cfg: &NormalizerConfig) -> Normalized {
        with_tables(cfg, |tables| {
            let mut engine = Engine::<true>::new(text, cfg, tables);
            engine.fast_paths = false;
            engine.run();
            engine.finish()
        })
    }

    fn configs() -> Vec<NormalizerConfig> {
        let mut no_collapse = NormalizerConfig::matching();
        no_collapse.collapse_whitespace = false;
        let mut only_ws = NormalizerConfig::none();
        only_ws.collapse_whitespace = true;
        vec![
            NormalizerConfig::matching(),
            NormalizerConfig::display(),
            NormalizerConfig::none(),
            no_collapse,
            only_ws,
        ]
    }

    /// Text, spacing and marks in the combinations the fast paths care
    /// about: single spaces and line breaks before and after plain
    /// letters, other whitespace, removed and rewritten characters.
    fn fast_path_mix() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let pieces = prop_oneof![
            4 => prop::sample::select(vec!["قتل", "ا", "في", "abc", "x", "1", ".", "،", "ء", "ۀ", "ٹ", "الديمقراطية", "abcdefghij"]).prop_map(String::from),
            4 => prop::sample::select(vec![" ", "\n", "  ", "\t", "\r\n", "\r", " \n", "\u{A0}", "\u{2028}", "\u{0B}"]).prop_map(String::from),
            2 => prop::sample::select(vec!["\u{064E}", "\u{0640}", "\u{200F}", "\u{FEFF}", "\u{00AD}", "\u{0001}", "أ", "ة", "٢", "'", "«", "“", "—", "…", "ﻻ", "ﹰ", "\u{2003}", "é", "€", "ی"]).prop_map(String::from),
            1 => any::<char>().prop_map(String::from),
        ];
        prop::collection::vec(pieces, 0..30).prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]

        /// The fast paths change nothing: same text, same alignment
        /// segments, for every config.
        #[test]
        fn fast_paths_agree_with_the_reference(
            text in proptest::prop_oneof![fast_path_mix(), proptest::prelude::any::<String>()]
        ) {
            for cfg in configs() {
                let fast = normalize(&text, &cfg);
                proptest::prop_assert_eq!(&fast, &reference(&text, &cfg), "{:?}", cfg);
                proptest::prop_assert_eq!(normalize_str(&text, &cfg), fast.as_str());
            }
        }
    }

    #[test]
    fn fast_paths_agree_with_the_reference_on_every_classified_char() {
        let chars = LATIN1.chain(PUNCTUATION).filter_map(char::from_u32);
        for c in chars {
            for text in [format!("{c}"), format!("ا {c} ب"), format!("a{c}b\n{c}\n")] {
                for cfg in configs() {
                    assert_eq!(normalize(&text, &cfg), reference(&text, &cfg), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn none_config_is_identity() {
        let s = "  قُتِلَ\r\n«x»\u{200F}";
        assert_eq!(normalize(s, &NormalizerConfig::none()).as_str(), s);
    }
}
