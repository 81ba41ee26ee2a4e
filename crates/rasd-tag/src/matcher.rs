//! Finding knowledge-base names in a text.
//!
//! Instead of one unanchored scan (where a name starting inside a word
//! could shadow the real one), aliases are looked for *anchored* at a few
//! candidate starts per word: the word start, and the start after each
//! proclitic the word begins with (`و ف ب ل ك` and their combinations).
//! Every alias that starts exactly there and ends on a word boundary is
//! reported. This is how `وداعش`, `بريف`, `#دير_الزور` find their names
//! while `لبنان` does not contain `بنان`.
//!
//! An alias that ends with a letter or digit can only end where a word of
//! the text ends, so the walk goes word by word through a hash table of
//! every alias prefix that ends at a word end (`حزب`, `حزب الله`, …): one
//! lookup per word, stopping at the first span that starts no alias. Most
//! words start none and cost one lookup. A name must end where a word
//! ends, so the few aliases that end with other characters (`المنصوره
//! (تادف)`) are never reported, as before. This replaced an anchored walk through an Aho-Corasick
//! automaton byte by byte (several MB, larger than L2, with linear scans in
//! its sparse states): fewer instructions per word and no automaton to
//! build at load.
//!
//! The article fused with `ل` loses its alef (`ل + النظام` → `للنظام`), so
//! every alias starting with `ال` is also compiled without that alef (and
//! `الل…` without `ال`) and those variants are only accepted right after a
//! `ل` proclitic.
//!
//! Names are not all equal. A [`ContextRule`] says when one may be matched:
//! villages need a place noun, a preposition (multi-word names) or a known
//! parent nearby; weak aliases need a cue. When one alias names several
//! entities, curated records win over admin units, admin units over
//! communities, and among same-named villages the one whose parent the
//! article mentions wins. Overlaps are resolved longest first
//! (`لواء القدس` over `القدس`).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use rasd_model::EntityType;

use crate::kb::{ContextRule, Kb, Origin};
use crate::rules::{head8, Bits, CliticGroups, Rules};

/// The entities one alias may name (usually one or two, kept inline).
pub type Targets = smallvec::SmallVec<[Target; 2]>;

/// One entity an alias may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub entity: u32,
    pub rule: ContextRule,
}

#[derive(Debug, Clone, Default)]
struct Pattern {
    /// Targets of the alias as written.
    full: Vec<Target>,
    /// Targets of aliases this key is the `ل`-fused form of.
    after_lam: Vec<Target>,
    /// A phrase that names nothing (`not_names` in triggers.json: `النظام
    /// العام` is public order, not the regime): names inside it are dropped.
    blocker: bool,
}

/// The compiled alias table.
#[derive(Debug, Clone)]
pub struct Matcher {
    patterns: Vec<Pattern>,
    /// Match key → pattern index.
    index: HashMap<String, usize>,
    /// Proclitics that may precede a name (article-fused forms excluded:
    /// the article is part of the alias), longest first, each with whether
    /// it ends with `ل` (which may stand for the article).
    prefixes: CliticGroups<bool>,
    /// Every prefix of a key that ends where a word ends (see the module
    /// docs), with the pattern index when the prefix is a whole key. A key
    /// can only match from a word start when its leading word is exactly
    /// the rest of the text's word there.
    word_prefixes: HashMap<String, Option<usize>>,
    /// The one-word keys of `word_prefixes`: most words of a text start no
    /// alias, and this answers them without hashing the word.
    first_words: WordFilter,
}

/// A Bloom filter ([`Bits`], one hash) over (length, first and last 8
/// bytes) of words: when [`WordFilter::may_be`] says no, the word is not in
/// the set. 2^18 bits (32 KB): the one-word keys of the alias table fill a
/// few percent of it, so nearly every word outside the set is told apart.
#[derive(Debug, Clone)]
struct WordFilter(Bits<FIRST_WORD_BITS>);

const FIRST_WORD_BITS: u32 = 18;

impl WordFilter {
    fn new() -> WordFilter {
        WordFilter(Bits::new())
    }

    fn insert(&mut self, word: &str) {
        self.0.set(Self::slot(word));
    }

    #[inline]
    fn slot(word: &str) -> usize {
        let b = word.as_bytes();
        let tail = match b.last_chunk::<8>() {
            Some(last8) => u64::from_le_bytes(*last8),
            None => 0,
        };
        Bits::<FIRST_WORD_BITS>::slot(
            head8(b) ^ tail.rotate_left(31) ^ (b.len() as u64).wrapping_mul(0xFF51_AFD7_ED55_8CCD),
        )
    }

    /// False when `word` is not in the set.
    #[inline]
    fn may_be(&self, word: &str) -> bool {
        self.0.has(Some(Self::slot(word)))
    }
}

/// A word of the matching text.
#[derive(Debug, Clone, Copy)]
pub struct Word {
    pub start: usize,
    pub end: usize,
    /// Sentence number (increments at line breaks and `. ! ? ؟ ؛`).
    pub sentence: u32,
    /// True when only spaces separate this word from the previous one.
    pub tight_before: bool,
}

/// Letters and digits make words. Arabic letters and ASCII are answered
/// without the Unicode tables (the hot path of the word scanner).
#[inline]
pub fn is_word_char(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' => true,
        '\u{0621}'..='\u{064A}' | '\u{0660}'..='\u{0669}' | '\u{0671}'..='\u{06D3}' => true,
        c if c.is_ascii() => false,
        ' ' | '\n' | '،' | '؛' | '؟' | '«' | '»' | '“' | '”' => false,
        c => c.is_alphanumeric(),
    }
}

/// What a char does in [`words`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CharClass {
    /// A letter or digit ([`is_word_char`]).
    Word,
    Space,
    /// Ends a sentence: a line break or `. ! ? ؟ ؛`.
    Stop,
    /// Any other mark (the next word is not `tight_before`).
    Other,
}

fn char_class(c: char) -> CharClass {
    if is_word_char(c) {
        CharClass::Word
    } else {
        match c {
            ' ' => CharClass::Space,
            '\n' | '.' | '!' | '?' | '؟' | '؛' => CharClass::Stop,
            _ => CharClass::Other,
        }
    }
}

/// Classes of ASCII (by byte) and of the Arabic block U+0600..U+06FF (by
/// code point - 0x600), computed once from [`char_class`].
static CLASSES: std::sync::LazyLock<([CharClass; 128], [CharClass; 256])> =
    std::sync::LazyLock::new(|| {
        let mut ascii = [CharClass::Other; 128];
        for (b, class) in ascii.iter_mut().enumerate() {
            *class = char_class(char::from(b as u8));
        }
        let mut arabic = [CharClass::Other; 256];
        for (i, class) in arabic.iter_mut().enumerate() {
            *class = char::from_u32(0x600 + i as u32).map_or(CharClass::Other, char_class);
        }
        (ascii, arabic)
    });

/// Class and byte length of the char at byte `i` of `text`.
#[inline(always)]
fn class_at(
    text: &str,
    i: usize,
    (ascii, arabic): &([CharClass; 128], [CharClass; 256]),
) -> (CharClass, usize) {
    let bytes = text.as_bytes();
    let b = bytes[i];
    if b < 0x80 {
        (ascii[usize::from(b)], 1)
    } else if (0xD8..=0xDB).contains(&b) && i + 1 < bytes.len() {
        let cp = (usize::from(b & 0x03) << 6) | usize::from(bytes[i + 1] & 0x3F);
        (arabic[cp], 2)
    } else {
        let c = text[i..]
            .chars()
            .next()
            .unwrap_or(char::REPLACEMENT_CHARACTER);
        (char_class(c), c.len_utf8())
    }
}

/// Split a matching text into words (runs of letters and digits).
///
/// The scan looks up the class of ASCII and Arabic-block chars (two bytes,
/// lead byte 0xD8 to 0xDB), which make almost all of a matching text, in
/// tables; other chars go through the general decoder.
pub fn words(text: &str) -> Vec<Word> {
    let tables = &*CLASSES;
    let n = text.len();
    let mut out = Vec::with_capacity(n / 6);
    let mut sentence = 0u32;
    // Only spaces since the previous word (or the start).
    let mut gap_clean = true;
    let mut i = 0;
    loop {
        // The gap before the next word.
        let mut class = CharClass::Other;
        while i < n {
            let (c, len) = class_at(text, i, tables);
            class = c;
            match c {
                CharClass::Word => break,
                CharClass::Space => {}
                CharClass::Stop => {
                    sentence += 1;
                    gap_clean = false;
                }
                CharClass::Other => gap_clean = false,
            }
            i += len;
        }
        if i >= n || class != CharClass::Word {
            break;
        }
        let start = i;
        let bytes = text.as_bytes();
        loop {
            // Runs of Arabic letters, the bulk of a text, in a tight loop.
            while let &[b0 @ 0xD8..=0xDB, b1, ..] = &bytes[i..] {
                if tables.1[(usize::from(b0 & 0x03) << 6) | usize::from(b1 & 0x3F)]
                    != CharClass::Word
                {
                    break;
                }
                i += 2;
            }
            if i >= n {
                break;
            }
            let (c, len) = class_at(text, i, tables);
            if c != CharClass::Word {
                break;
            }
            i += len;
        }
        out.push(Word {
            start,
            end: i,
            sentence,
            tight_before: gap_clean,
        });
        gap_clean = true;
    }
    out
}

/// A KB name found in the text, before overlap resolution.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Byte span of the name (proclitics excluded) in the matching text.
    pub start: usize,
    pub end: usize,
    /// Index of the word where the name starts and of the one where it ends.
    pub first_word: usize,
    pub last_word: usize,
    /// Bytes of proclitic before the name inside the first word.
    pub clitic_len: usize,
    pub targets: Targets,
}

impl Matcher {
    pub fn build(kb: &Kb, rules: &Rules) -> Result<Matcher, String> {
        let mut index: HashMap<String, usize> = HashMap::default();
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut keys: Vec<String> = Vec::new();
        let slot = |key: &str,
                    patterns: &mut Vec<Pattern>,
                    keys: &mut Vec<String>,
                    index: &mut HashMap<String, usize>|
         -> usize {
            if let Some(&i) = index.get(key) {
                return i;
            }
            patterns.push(Pattern::default());
            keys.push(key.to_string());
            index.insert(key.to_string(), patterns.len() - 1);
            patterns.len() - 1
        };
        for (ei, e) in kb.entities.iter().enumerate() {
            for a in &e.aliases {
                let t = Target {
                    entity: ei as u32,
                    rule: a.rule,
                };
                let i = slot(&a.key, &mut patterns, &mut keys, &mut index);
                if !patterns[i].full.contains(&t) {
                    patterns[i].full.push(t);
                }
                // `ال…` fused with `ل`: drop the alef (`لنظام`), and for
                // `الل…` also the lam (`لاذقية` in `للاذقية`).
                if let Some(rest) = a.key.strip_prefix("ال") {
                    if rest.chars().count() >= 2 {
                        let mut variants = vec![format!("ل{rest}")];
                        if rest.starts_with('ل') {
                            variants.push(rest.to_string());
                        }
                        for v in variants {
                            let i = slot(&v, &mut patterns, &mut keys, &mut index);
                            if !patterns[i].after_lam.contains(&t) {
                                patterns[i].after_lam.push(t);
                            }
                        }
                    }
                }
            }
        }
        for phrase in &rules.not_names {
            let i = slot(phrase, &mut patterns, &mut keys, &mut index);
            patterns[i].blocker = true;
        }
        // A contiguous NFA: compact (a few MB for all aliases) and fast to
        // build. A full DFA was measured too: 60 MB and slower on real
        // workloads (cache misses), for only anchored walks of a few bytes.
        let mut word_prefixes: HashMap<String, Option<usize>> = HashMap::default();
        let mut first_words = WordFilter::new();
        for (pid, k) in keys.iter().enumerate() {
            // Only keys from a word character to a word character can be
            // reported: matches start at word starts and end at word ends.
            let (Some(first), Some(last)) = (k.chars().next(), k.chars().next_back()) else {
                continue;
            };
            if !is_word_char(first) || !is_word_char(last) {
                continue;
            }
            let mut prev_word = false;
            // Where the key's first word ends.
            let mut first_end = k.len();
            for (i, c) in k.char_indices() {
                let word = is_word_char(c);
                if prev_word && !word {
                    word_prefixes.entry(k[..i].to_string()).or_insert(None);
                    first_end = first_end.min(i);
                }
                prev_word = word;
            }
            word_prefixes.insert(k.clone(), Some(pid));
            // A first lookup is always of one word (or its end after a
            // proclitic): the key's first word is the only one-word key
            // this key adds.
            first_words.insert(&k[..first_end]);
        }
        let prefixes = CliticGroups::new(
            rules
                .proclitics
                .iter()
                .filter(|p| !p.ends_with("ال") && !p.ends_with("لل"))
                .map(|p| (p.as_str(), p.ends_with('ل'))),
        );
        Ok(Matcher {
            patterns,
            index,
            prefixes,
            word_prefixes,
            first_words,
        })
    }

    /// Targets of an alias written exactly so (match key).
    pub fn lookup(&self, key: &str) -> Option<&[Target]> {
        self.index
            .get(key)
            .map(|&i| self.patterns[i].full.as_slice())
            .filter(|t| !t.is_empty())
    }

    /// Approximate heap bytes of the prefix table the matcher walks
    /// (hash-table slots and key bytes).
    pub fn automaton_bytes(&self) -> usize {
        let slot = std::mem::size_of::<(String, Option<usize>)>() + 1;
        self.word_prefixes.capacity() * slot
            + self.word_prefixes.keys().map(String::len).sum::<usize>()
    }

    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// All aliases that start at `start` and end where a word after
    /// `words[first]` ends, as (word index, pattern index) in word order:
    /// word by word through the prefix table.
    fn walk(
        &self,
        text: &str,
        start: usize,
        words: &[Word],
        first: usize,
        out: &mut Vec<(usize, usize)>,
    ) {
        for (wi, w) in words.iter().enumerate().skip(first + 1) {
            match self.word_prefixes.get(&text[start..w.end]) {
                None => break,
                Some(Some(pid)) => out.push((wi, *pid)),
                Some(None) => {}
            }
        }
    }

    /// Every alias occurrence in `text` (a matching text) with its targets,
    /// unfiltered by context.
    pub fn candidates(&self, text: &str, words: &[Word]) -> Vec<Candidate> {
        let mut out = Vec::with_capacity(words.len() / 4 + 4);
        let mut found = Vec::new();
        let mut blocked: Vec<(usize, usize)> = Vec::new();
        for (wi, w) in words.iter().enumerate() {
            let word = &text[w.start..w.end];
            // Where a name may start: the word start, and after each
            // proclitic the word begins with (with whether it ends in `ل`).
            let clitic_start = matches!(word.chars().next(), Some('و' | 'ف' | 'ب' | 'ك' | 'ل'));
            let head = if clitic_start {
                head8(word.as_bytes())
            } else {
                0
            };
            let clitics = if clitic_start {
                self.prefixes.for_word(word)
            } else {
                &[]
            };
            let starts =
                std::iter::once((0, false)).chain(clitics.iter().filter_map(|(p, lam)| {
                    let rest = p.strip(word, head)?;
                    (rest.len() > 2).then_some((word.len() - rest.len(), *lam))
                }));
            for (clitic_len, lam) in starts {
                let start = w.start + clitic_len;
                // The first word's lookup also says whether any alias
                // starts here at all (the filter answers most words).
                let first_key = &text[start..w.end];
                if !self.first_words.may_be(first_key) {
                    continue;
                }
                let Some(&first) = self.word_prefixes.get(first_key) else {
                    continue;
                };
                found.clear();
                if let Some(pid) = first {
                    found.push((wi, pid));
                }
                self.walk(text, start, words, wi, &mut found);
                for &(last_word, pid) in &found {
                    let p = &self.patterns[pid];
                    let end = words[last_word].end;
                    if p.blocker {
                        blocked.push((w.start + clitic_len, end));
                    }
                    if !p.full.is_empty() {
                        out.push(Candidate {
                            start: w.start + clitic_len,
                            end,
                            first_word: wi,
                            last_word,
                            clitic_len,
                            targets: Targets::from_slice(&p.full),
                        });
                    }
                    // `للنظام`: the preposition's lam stands for the article,
                    // so the mention starts at it.
                    if lam && !p.after_lam.is_empty() {
                        let l = 'ل'.len_utf8();
                        out.push(Candidate {
                            start: w.start + clitic_len - l,
                            end,
                            first_word: wi,
                            last_word,
                            clitic_len: clitic_len - l,
                            targets: Targets::from_slice(&p.after_lam),
                        });
                    }
                }
            }
        }
        // `“حزب الله” العراقي`: a name in quotes followed by the word that
        // completes a longer alias (`حزب الله العراقي`).
        let mut quoted_longer = Vec::new();
        for c in &out {
            let j = c.last_word + 1;
            if j >= words.len() || words[j].sentence != words[c.last_word].sentence {
                continue;
            }
            let gap = &text[c.end..words[j].start];
            if gap == " " || gap.trim() != "\"" || !gap.starts_with('"') {
                continue;
            }
            let key = format!(
                "{} {}",
                &text[c.start..c.end],
                &text[words[j].start..words[j].end]
            );
            if let Some(targets) = self.lookup(&key) {
                quoted_longer.push(Candidate {
                    start: c.start,
                    end: words[j].end,
                    first_word: c.first_word,
                    last_word: j,
                    clitic_len: c.clitic_len,
                    targets: Targets::from_slice(targets),
                });
            }
        }
        out.extend(quoted_longer);
        if !blocked.is_empty() {
            out.retain(|c| {
                !blocked
                    .iter()
                    .any(|&(s, e)| s <= c.start && c.end <= e && (s, e) != (c.start, c.end))
            });
        }
        out
    }
}

/// What the resolver needs to judge context.
pub struct Context<'a> {
    pub kb: &'a Kb,
    pub rules: &'a Rules,
    pub text: &'a str,
    pub words: &'a [Word],
    /// Entities matched without any context rule anywhere in the article
    /// (body and title): the known parents.
    pub article_entities: &'a HashSet<u32>,
    /// (entity, word index) of each mention of an entity matched bare in
    /// this text, sorted.
    pub bare_positions: &'a [(u32, usize)],
    /// The text is a dateline the cleaner removed: a place at its start is
    /// where the report was filed from.
    pub in_dateline: bool,
}

impl<'a> Context<'a> {
    fn word(&self, i: usize) -> &'a str {
        let w = self.words[i];
        &self.text[w.start..w.end]
    }

    /// The word before the candidate in the same sentence, if only spaces
    /// or a quote separate them.
    fn prev_word(&self, c: &Candidate) -> Option<&'a str> {
        if c.first_word == 0 || c.clitic_len > 0 {
            return None;
        }
        let w = self.words[c.first_word];
        let p = self.words[c.first_word - 1];
        if p.sentence != w.sentence {
            return None;
        }
        let gap = &self.text[p.end..w.start];
        if gap.chars().all(|ch| ch == ' ' || ch == '"' || ch == '(') {
            Some(self.word(c.first_word - 1))
        } else {
            None
        }
    }

    fn quoted(&self, c: &Candidate) -> bool {
        let before = self.text[..c.start - c.clitic_len]
            .trim_end_matches(' ')
            .chars()
            .next_back();
        let after = self.text[c.end..].trim_start_matches(' ').chars().next();
        matches!(before, Some('"') | Some('(') | Some('«'))
            && matches!(after, Some('"') | Some(')') | Some('»'))
    }

    fn hashtag(&self, c: &Candidate) -> bool {
        self.text[..c.start - c.clitic_len].ends_with('#')
    }

    /// At the start of a line and followed by `:` or `-` (a dateline such
    /// as `تشرين:` or `جسر – متابعات`).
    fn dateline(&self, c: &Candidate) -> bool {
        let line_start = matches!(
            self.text[..c.start - c.clitic_len]
                .trim_end_matches([' ', '"'])
                .chars()
                .next_back(),
            None | Some('\n')
        );
        if !line_start {
            return false;
        }
        let after = self.text[c.end..].trim_start_matches([' ', '"']);
        after.starts_with(':')
            || after.starts_with('-')
            || after.starts_with('\n')
            || after.is_empty()
    }

    fn place_noun_before(&self, c: &Candidate) -> bool {
        self.prev_word(c)
            .is_some_and(|p| self.rules.in_set(&self.rules.place_nouns, p))
    }

    fn preposition_before(&self, c: &Candidate) -> bool {
        if c.clitic_len > 0 {
            // `ب` / `ل` / `من`-like proclitic on the name itself.
            let w = self.word(c.first_word);
            return w.starts_with('ب') || w.starts_with("وب") || w.starts_with("فب");
        }
        self.prev_word(c)
            .is_some_and(|p| self.rules.in_set(&self.rules.place_prepositions, p))
    }

    /// An ancestor of `entity` is mentioned within a few words in the same
    /// sentence (`X بريف إدلب`, `X في ريف حماة الشمالي`).
    fn parent_nearby(&self, c: &Candidate, entity: u32, before: usize, after: usize) -> bool {
        let sentence = self.words[c.first_word].sentence;
        for &a in self.kb.ancestor_ids(entity as usize) {
            let from = self.bare_positions.partition_point(|&(e, _)| e < a);
            for &(_, p) in self.bare_positions[from..]
                .iter()
                .take_while(|&&(e, _)| e == a)
            {
                if self.words[p].sentence != sentence {
                    continue;
                }
                let ok = (p > c.last_word && p - c.last_word <= after)
                    || (p < c.first_word && c.first_word - p <= before);
                if ok {
                    return true;
                }
            }
        }
        false
    }

    /// An apposition after the name says it is a place:
    /// `جسرين، البلدة الواقعة…`, `الركابية، وهي قرية…`.
    fn appositive_place(&self, c: &Candidate) -> bool {
        let mut j = c.last_word + 1;
        if j >= self.words.len() || self.words[j].sentence != self.words[c.last_word].sentence {
            return false;
        }
        let gap = &self.text[self.words[j - 1].end..self.words[j].start];
        if !gap.contains('،') && !gap.contains(',') {
            return false;
        }
        if matches!(self.word(j), "وهي" | "وهو" | "هي" | "هو") {
            j += 1;
            if j >= self.words.len() {
                return false;
            }
        }
        self.rules.in_set(&self.rules.place_nouns, self.word(j))
    }

    fn weak_cue(&self, c: &Candidate, entity: u32, ty: EntityType) -> bool {
        self.quoted(c)
            || self.dateline(c)
            // A short name of a person or group already named in full in
            // the article (`الشرع` after `أحمد الشرع`).
            || (ty != EntityType::Location && self.article_entities.contains(&entity))
            || match (self.prev_word(c), self.rules.weak_alias_cues.get(&ty)) {
                (Some(p), Some(cues)) => self.rules.in_set(cues, p),
                _ => false,
            }
    }

    /// Does the context allow this target here?
    pub fn allows(&self, c: &Candidate, t: Target) -> bool {
        let e = &self.kb.entities[t.entity as usize];
        let mut rule = t.rule;
        // Reached through a proclitic: a small admin unit or village may be
        // a word whose first letter only looks like a proclitic.
        if c.clitic_len > 0
            && rule == ContextRule::Bare
            && e.origin != Origin::Curated
            && !matches!(e.kind.as_deref(), Some(k) if k.starts_with("governorate") || k.starts_with("district"))
        {
            rule = ContextRule::Place;
        }
        match rule {
            ContextRule::Bare => true,
            ContextRule::Cue => self.weak_cue(c, t.entity, e.entity_type),
            _ if self
                .rules
                .generic_place_words
                .contains(&self.text[c.start..c.end]) =>
            {
                // `وسط المدينة` is the city just named, not the village
                // `المدينة`: only `قرية المدينة` names the village.
                self.prev_word(c).is_some_and(|p| {
                    self.rules.in_set(&self.rules.place_nouns, p)
                        && !self.rules.in_set(&self.rules.directions, p)
                })
            }
            ContextRule::Strict => {
                self.place_noun_before(c)
                    || self.hashtag(c)
                    || self.appositive_place(c)
                    || (self.in_dateline && self.dateline(c))
                    || self.parent_nearby(c, t.entity, 0, 4)
            }
            ContextRule::Place => {
                let multiword = c.first_word != c.last_word;
                self.place_noun_before(c)
                    || self.hashtag(c)
                    || self.appositive_place(c)
                    || (self.in_dateline && self.dateline(c))
                    || self.parent_nearby(c, t.entity, 2, 5)
                    || (multiword && self.preposition_before(c))
            }
        }
    }

    /// Among the allowed targets, the one to use.
    pub fn choose(&self, c: &Candidate, allowed: &[Target]) -> Option<Target> {
        if allowed.len() <= 1 {
            return allowed.first().copied();
        }
        allowed.iter().copied().min_by_key(|t| {
            let e = &self.kb.entities[t.entity as usize];
            let parent_known = self
                .kb
                .ancestor_ids(t.entity as usize)
                .iter()
                .any(|a| self.article_entities.contains(a));
            let near = self.parent_nearby(c, t.entity, 8, 10);
            (
                e.origin,
                !near,
                !parent_known,
                // Locations last among curated types only when tied.
                e.entity_type == EntityType::Location,
                t.entity,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The char-by-char word split that [`words`] replaced.
    fn words_reference(text: &str) -> Vec<Word> {
        let mut out = Vec::new();
        let mut sentence = 0u32;
        let mut start: Option<usize> = None;
        let mut tight = false;
        let mut gap_clean = true;
        for (i, c) in text.char_indices() {
            if is_word_char(c) {
                if start.is_none() {
                    start = Some(i);
                    tight = gap_clean;
                }
            } else {
                if let Some(s) = start.take() {
                    out.push(Word {
                        start: s,
                        end: i,
                        sentence,
                        tight_before: tight,
                    });
                    gap_clean = true;
                }
                match c {
                    ' ' => {}
                    '\n' | '.' | '!' | '?' | '؟' | '؛' => {
                        sentence += 1;
                        gap_clean = false;
                    }
                    _ => gap_clean = false,
                }
            }
        }
        if let Some(s) = start {
            out.push(Word {
                start: s,
                end: text.len(),
                sentence,
                tight_before: tight,
            });
        }
        out
    }

    fn same_words(text: &str) {
        let key = |ws: Vec<Word>| -> Vec<(usize, usize, u32, bool)> {
            ws.iter()
                .map(|w| (w.start, w.end, w.sentence, w.tight_before))
                .collect()
        };
        assert_eq!(key(words(text)), key(words_reference(text)), "{text:?}");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn words_match_the_char_by_char_split(
            text in "[\u{0600}-\u{06FF}\u{0750}-\u{077F} a-zA-Z0-9_#*()«»“”\n،؛؟.!?\"😀é]{0,40}",
            any_text in any::<String>(),
        ) {
            same_words(&text);
            same_words(&any_text);
        }
    }

    /// The filter before the first lookup of [`Matcher::candidates`] may
    /// only skip words that the lookup would not find: every one-word key
    /// of the shipped alias table passes it.
    #[test]
    fn first_word_filter_passes_every_one_word_key() {
        let tagger = crate::Tagger::load_default().unwrap();
        let m = tagger.matcher();
        let mut one_word = 0;
        for k in m.word_prefixes.keys() {
            if k.chars().all(is_word_char) {
                one_word += 1;
                assert!(m.first_words.may_be(k), "{k:?}");
            }
        }
        assert!(one_word > 1000);
        // Nearly all other words are told apart (the filter pays for itself).
        let set_bits = m.first_words.0.ones();
        assert!(set_bits < 1 << (FIRST_WORD_BITS - 2), "{set_bits} bits set");
    }

    #[test]
    fn words_match_on_every_arabic_block_char() {
        for cp in 0x600..0x700 {
            let c = char::from_u32(cp).unwrap();
            same_words(&format!("ب{c}ب {c} x{c}"));
        }
    }

    #[test]
    fn words_split_on_punctuation_and_count_sentences() {
        let t = "حلب، دمشق. x😀y";
        let ws = words(t);
        let texts: Vec<&str> = ws.iter().map(|w| &t[w.start..w.end]).collect();
        assert_eq!(texts, ["حلب", "دمشق", "x", "y"]);
        let sentences: Vec<u32> = ws.iter().map(|w| w.sentence).collect();
        assert_eq!(sentences, [0, 0, 1, 1]);
        assert!(ws[0].tight_before && !ws[1].tight_before && ws[3].tight_before.eq(&false));
    }
}
