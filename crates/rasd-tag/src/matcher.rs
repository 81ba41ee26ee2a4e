//! Finding knowledge-base names in a text.
//!
//! All aliases, match-normalized, are compiled into one Aho-Corasick
//! automaton. Instead of one unanchored scan (where a name starting inside a
//! word could shadow the real one), the automaton is run *anchored* from a
//! few candidate starts per word: the word start, and the start after each
//! proclitic the word begins with (`و ف ب ل ك` and their combinations). A
//! walk reports every alias that starts exactly there; one that does not end
//! on a word boundary is dropped. This is how `وداعش`, `بريف`, `#دير_الزور`
//! find their names while `لبنان` does not contain `بنان`.
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

use aho_corasick::automaton::Automaton;
use aho_corasick::nfa::contiguous;
use aho_corasick::{Anchored, MatchKind};
use rasd_model::EntityType;

use crate::kb::{ContextRule, Kb, Origin};
use crate::rules::Rules;

/// Trie depth (in bytes) up to which automaton states get a dense
/// transition table: every walk starts at the root, and Arabic letters are
/// two bytes, so the first few letters are the hot states.
const DENSE_DEPTH: usize = 6;

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

/// The compiled alias automaton.
#[derive(Debug, Clone)]
pub struct Matcher {
    nfa: contiguous::NFA,
    patterns: Vec<Pattern>,
    /// Match key → pattern index.
    index: HashMap<String, usize>,
    /// Proclitics that may precede a name (article-fused forms excluded:
    /// the article is part of the alias).
    prefixes: Vec<String>,
    /// The leading word (run of word characters) of every key. A key can
    /// only match from a word start, and only end on a word boundary, when
    /// its leading word is exactly the rest of the text's word there; most
    /// words are no key's leading word, and one hash lookup skips the walk
    /// through the automaton for them.
    lead_words: HashSet<String>,
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

/// Split a matching text into words (runs of letters and digits).
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::with_capacity(text.len() / 6);
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

/// The leading run of word characters of `s` (all of it when it has no
/// other character).
fn leading_word(s: &str) -> &str {
    let end = s
        .char_indices()
        .find(|&(_, c)| !is_word_char(c))
        .map_or(s.len(), |(i, _)| i);
    &s[..end]
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
        let nfa = contiguous::Builder::new()
            .match_kind(MatchKind::Standard)
            .dense_depth(DENSE_DEPTH)
            .build(&keys)
            .map_err(|e| format!("building the alias automaton: {e}"))?;
        let lead_words = keys
            .iter()
            .map(|k| leading_word(k))
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        let prefixes = rules
            .proclitics
            .iter()
            .filter(|p| !p.ends_with("ال") && !p.ends_with("لل"))
            .cloned()
            .collect();
        Ok(Matcher {
            nfa,
            patterns,
            index,
            prefixes,
            lead_words,
        })
    }

    /// Targets of an alias written exactly so (match key).
    pub fn lookup(&self, key: &str) -> Option<&[Target]> {
        self.index
            .get(key)
            .map(|&i| self.patterns[i].full.as_slice())
            .filter(|t| !t.is_empty())
    }

    /// Heap bytes of the automaton.
    pub fn automaton_bytes(&self) -> usize {
        self.nfa.memory_usage()
    }

    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// All aliases that start at `start` and end on a word boundary, as
    /// (end, pattern index).
    fn walk(&self, text: &str, start: usize, out: &mut Vec<(usize, usize)>) {
        let hay = text.as_bytes();
        let Ok(mut sid) = self.nfa.start_state(Anchored::Yes) else {
            return;
        };
        for (i, &b) in hay[start..].iter().enumerate() {
            sid = self.nfa.next_state(Anchored::Yes, sid, b);
            if self.nfa.is_dead(sid) {
                break;
            }
            if self.nfa.is_match(sid) {
                let end = start + i + 1;
                // Patterns are whole UTF-8 strings, so `end` is a char
                // boundary of `text`.
                let boundary = text
                    .get(end..)
                    .and_then(|s| s.chars().next())
                    .map_or(true, |c| !is_word_char(c));
                if !boundary {
                    continue;
                }
                for k in 0..self.nfa.match_len(sid) {
                    let pid = self.nfa.match_pattern(sid, k);
                    if self.nfa.pattern_len(pid) == i + 1 {
                        out.push((end, pid.as_usize()));
                    }
                }
            }
        }
    }

    /// Every alias occurrence in `text` (a matching text) with its targets,
    /// unfiltered by context.
    pub fn candidates(&self, text: &str, words: &[Word]) -> Vec<Candidate> {
        let mut out = Vec::new();
        let mut found = Vec::new();
        let mut blocked: Vec<(usize, usize)> = Vec::new();
        for (wi, w) in words.iter().enumerate() {
            let word = &text[w.start..w.end];
            let mut starts: smallvec::SmallVec<[(usize, bool); 4]> =
                smallvec::smallvec![(0, false)];
            let clitic_start = matches!(word.chars().next(), Some('و' | 'ف' | 'ب' | 'ك' | 'ل'));
            for p in self.prefixes.iter().filter(|_| clitic_start) {
                if word.len() > p.len() + 2 && word.starts_with(p.as_str()) {
                    starts.push((p.len(), p.ends_with('ل')));
                }
            }
            for (clitic_len, lam) in starts {
                if !self.lead_words.contains(&text[w.start + clitic_len..w.end]) {
                    continue;
                }
                found.clear();
                self.walk(text, w.start + clitic_len, &mut found);
                for &(end, pid) in &found {
                    let p = &self.patterns[pid];
                    // The word the match ends with (it ends on a boundary).
                    let last_word = wi + words[wi..].partition_point(|x| x.end < end);
                    if last_word >= words.len() || words[last_word].end != end {
                        continue;
                    }
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
            if gap.trim() != "\"" || !gap.starts_with('"') {
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
    /// For each entity matched bare: the word indexes of its mentions in
    /// this text.
    pub bare_positions: &'a HashMap<u32, Vec<usize>>,
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
        let line_start = self.text[..c.start - c.clitic_len]
            .trim_end_matches([' ', '"'])
            .chars()
            .next_back()
            .map_or(true, |ch| ch == '\n');
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
            .map_or(false, |p| self.rules.in_set(&self.rules.place_nouns, p))
    }

    fn preposition_before(&self, c: &Candidate) -> bool {
        if c.clitic_len > 0 {
            // `ب` / `ل` / `من`-like proclitic on the name itself.
            let w = self.word(c.first_word);
            return w.starts_with('ب') || w.starts_with("وب") || w.starts_with("فب");
        }
        self.prev_word(c).map_or(false, |p| {
            self.rules.in_set(&self.rules.place_prepositions, p)
        })
    }

    /// An ancestor of `entity` is mentioned within a few words in the same
    /// sentence (`X بريف إدلب`, `X في ريف حماة الشمالي`).
    fn parent_nearby(&self, c: &Candidate, entity: u32, before: usize, after: usize) -> bool {
        let sentence = self.words[c.first_word].sentence;
        for &a in self.kb.ancestor_ids(entity as usize) {
            if let Some(pos) = self.bare_positions.get(&a) {
                for &p in pos {
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
                self.prev_word(c).map_or(false, |p| {
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
