//! Word lists and discovery rules, loaded from `data/kb/triggers.json`.
//!
//! Everything language-specific that is not a name lives in that file: the
//! proclitics the matcher strips, the place nouns and prepositions that make
//! a village name credible, the cue words for weak aliases, the words that
//! end an unknown name, and the trigger + name patterns of discovery. Words
//! are match-normalized on load, so the file can be written in plain Arabic.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use rasd_model::EntityType;
use serde::Deserialize;

use crate::norm::match_key;

#[derive(Debug, Deserialize)]
struct RawRules {
    #[serde(default)]
    proclitics: Vec<String>,
    #[serde(default)]
    place_nouns: Vec<String>,
    #[serde(default)]
    place_prepositions: Vec<String>,
    #[serde(default)]
    weak_alias_cues: HashMap<String, serde_json::Value>,
    #[serde(default)]
    generic_place_words: Vec<String>,
    #[serde(default)]
    directions: Vec<String>,
    #[serde(default)]
    currency_words: Vec<String>,
    #[serde(default)]
    common_words: Vec<String>,
    #[serde(default)]
    stop_words: Vec<String>,
    #[serde(default)]
    name_heads: Vec<String>,
    #[serde(default)]
    discovery: Vec<RawDiscoveryRule>,
    #[serde(default)]
    quoted_heads: HashMap<String, serde_json::Value>,
    #[serde(default)]
    saying_verbs: Vec<String>,
    #[serde(default)]
    first_names: Vec<String>,
    #[serde(default)]
    age_words: Vec<String>,
    #[serde(default)]
    not_names: Vec<String>,
    #[serde(default)]
    regime_words: Vec<String>,
    #[serde(default)]
    former_markers: Vec<String>,
    #[serde(default)]
    former_links: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RawDiscoveryRule {
    #[serde(rename = "type")]
    entity_type: EntityType,
    triggers: Vec<String>,
    #[serde(default)]
    keep_trigger: bool,
    #[serde(default)]
    quoted_only: bool,
    #[serde(default)]
    definite_first: bool,
    #[serde(default)]
    person_name: bool,
    #[serde(default)]
    name_like: bool,
    #[serde(default)]
    list: bool,
    #[serde(default)]
    latin_ok: bool,
    #[serde(default)]
    skip_after_trigger: Vec<String>,
    #[serde(default = "default_max_words")]
    max_words: usize,
    #[serde(default)]
    end_words: Vec<String>,
}

fn default_max_words() -> usize {
    3
}

/// One discovery pattern: a trigger word (or two) and how the name after it
/// runs.
#[derive(Debug, Clone)]
pub struct DiscoveryRule {
    pub entity_type: EntityType,
    /// Is the trigger part of the name (`لواء X`) or not (`قرية X`)?
    pub keep_trigger: bool,
    /// Only a quoted or parenthesized name counts (`ميليشيا "X"`).
    pub quoted_only: bool,
    /// An unquoted name must start with the article (`لواء الباقر`, not
    /// `لواء جديد`).
    pub definite_first: bool,
    /// Person-name shape: the first word has no article (except kunyas).
    pub person_name: bool,
    /// The first word must not be a common or stop word.
    pub name_like: bool,
    /// Coordinated names after a plural noun (`قرى X وY`) are all taken.
    pub list: bool,
    /// A `quoted_only` rule still takes an unquoted name in Latin script or
    /// with digits (`منصة SY24`).
    pub latin_ok: bool,
    /// Words allowed between the trigger and the name (`العميد الركن X`).
    pub skip_after_trigger: HashSet<String>,
    pub max_words: usize,
    /// When set, the name is the trigger, 1–`max_words` name words and one
    /// of these words, which ends it (`مجلس منبج العسكري`).
    pub end_words: HashSet<String>,
}

/// All rules, normalized.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// Proclitic strings, longest first.
    pub proclitics: Vec<String>,
    pub place_nouns: WordSet,
    pub place_prepositions: WordSet,
    /// Cue words that allow a weak alias of an entity of that type.
    pub weak_alias_cues: HashMap<EntityType, WordSet>,
    /// Nouns that refer back to a place (`المدينة`): a village of that
    /// name needs a place noun right before it.
    pub generic_place_words: WordSet,
    /// Direction words (`شرق`), also in `place_nouns`.
    pub directions: WordSet,
    pub currency_words: WordSet,
    pub common_words: WordSet,
    pub stop_words: WordSet,
    pub name_heads: WordSet,
    pub saying_verbs: WordSet,
    /// Trigger (first word, normalized) → (second word if the trigger has
    /// two words, rule index).
    pub triggers: HashMap<String, Vec<(Option<String>, usize)>>,
    pub discovery: Vec<DiscoveryRule>,
    /// First word of a quoted phrase → type of the entity it names.
    pub quoted_heads: HashMap<String, EntityType>,
    /// Given names that start a person's full name (`أحمد`, `عبد`).
    pub first_names: HashSet<String>,
    /// Units of an age in parentheses after a name (`(30 عاماً)`).
    pub age_words: WordSet,
    /// Trigger words of PERSON rules (titles, `الشاب`, `المدعو`).
    pub person_triggers: HashSet<String>,
    /// Trigger words of the other rules and quoted heads: a given name
    /// right after one belongs to that name (`لواء عمر المختار`).
    pub other_triggers: HashSet<String>,
    /// Phrases that name nothing although a name is inside them (`النظام
    /// العام`), as match keys.
    pub not_names: Vec<String>,
    /// Words that make a person's name stand for the state they lead
    /// (`نظام بشار الأسد`).
    pub regime_words: HashSet<String>,
    /// `سابقاً` in `X (Y سابقاً)`: Y is X's former name.
    pub former_markers: WordSet,
    /// `وهي` in `X، وهي (Y سابقاً)`.
    pub former_links: WordSet,
    /// `proclitics` packed for [`Rules::stems`] (same order).
    clitics: CliticGroups<()>,
    /// Ends of the `triggers` keys and of `first_names`: most words end
    /// like none of them and skip the hash lookups of every stem.
    pub trigger_tails: TailFilter,
    pub first_name_tails: TailFilter,
    /// Length and first 4 bytes of the `triggers` keys: a stem of a word
    /// that passed `trigger_tails` is looked up only when it starts like a
    /// trigger of its length.
    pub trigger_heads: HeadFilter,
}

/// The table behind [`HeadFilter`], [`TailFilter`] and the matcher's
/// first-word filter: one bit per hashed key (a Bloom filter with one hash
/// of 2^`B` bits; the default 2^13 suits word lists of a few hundred keys,
/// so they stay sparse).
#[derive(Debug, Clone, Default)]
pub(crate) struct Bits<const B: u32 = 13>(Vec<u64>);

impl<const B: u32> Bits<B> {
    const BITS: u32 = B;

    pub(crate) fn new() -> Self {
        Bits(vec![0; 1 << (Self::BITS - 6)])
    }

    /// The bit of a key.
    #[inline]
    pub(crate) fn slot(key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - Self::BITS)) as usize
    }

    pub(crate) fn set(&mut self, slot: usize) {
        self.0[slot >> 6] |= 1 << (slot & 63);
    }

    /// Bits set (tests check that a table stays sparse).
    #[cfg(test)]
    pub(crate) fn ones(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    /// Whether the bit is set (false for no slot, and in an empty table).
    #[inline]
    pub(crate) fn has(&self, slot: Option<usize>) -> bool {
        slot.is_some_and(|i| self.0.get(i >> 6).is_some_and(|w| w & (1 << (i & 63)) != 0))
    }
}

/// A bit set of (length, first 4 bytes) of a list of words: when
/// [`HeadFilter::may_be`] says no, the word is not in the list.
#[derive(Debug, Clone)]
pub struct HeadFilter {
    bits: Bits,
    /// Some key is shorter than 4 bytes: every word passes.
    pass_all: bool,
}

impl Default for HeadFilter {
    fn default() -> Self {
        HeadFilter {
            bits: <Bits>::default(),
            pass_all: true,
        }
    }
}

impl HeadFilter {
    pub fn new<'a>(keys: impl IntoIterator<Item = &'a str>) -> HeadFilter {
        let mut f = HeadFilter {
            bits: <Bits>::new(),
            pass_all: false,
        };
        for k in keys {
            match Self::slot(k) {
                Some(i) => f.bits.set(i),
                None => f.pass_all = true,
            }
        }
        f
    }

    #[inline]
    fn slot(word: &str) -> Option<usize> {
        let first4: [u8; 4] = word.as_bytes().get(..4)?.try_into().ok()?;
        let h = u64::from(u32::from_le_bytes(first4)) | ((word.len() as u64) << 32);
        Some(<Bits>::slot(h))
    }

    /// False when `word` is not in the list.
    #[inline]
    pub fn may_be(&self, word: &str) -> bool {
        // A word shorter than every key is none of them.
        self.pass_all || self.bits.has(Self::slot(word))
    }
}

/// A word list of [`Rules`] with the [`TailFilter`] of its words, so that
/// [`Rules::in_set`] skips the lookups of every stem for most words. Reads
/// as the plain set; it is built once and not changed after.
#[derive(Debug, Clone, Default)]
pub struct WordSet {
    words: HashSet<String>,
    tails: TailFilter,
}

impl From<HashSet<String>> for WordSet {
    fn from(words: HashSet<String>) -> WordSet {
        let tails = TailFilter::new(words.iter().map(String::as_str));
        WordSet { words, tails }
    }
}

impl std::ops::Deref for WordSet {
    type Target = HashSet<String>;

    fn deref(&self) -> &HashSet<String> {
        &self.words
    }
}

/// A proclitic as its bytes packed in a `u64` (little-endian, zero
/// padded), so that testing it against a word's first bytes is a masked
/// compare instead of a `memcmp` call: [`Rules::stems`] tries every
/// proclitic on every word that starts with a proclitic letter.
#[derive(Debug, Clone)]
pub(crate) struct Clitic {
    text: String,
    bits: u64,
    mask: u64,
}

impl Clitic {
    pub(crate) fn new(text: &str) -> Clitic {
        let b = text.as_bytes();
        let n = b.len().min(8);
        let mask = if n == 8 {
            u64::MAX
        } else {
            (1u64 << (8 * n)) - 1
        };
        Clitic {
            text: text.to_string(),
            bits: head8(b) & mask,
            mask,
        }
    }

    /// `word` without this proclitic, when it starts with it; `head` is
    /// [`head8`] of the word.
    #[inline]
    pub(crate) fn strip<'a>(&self, word: &'a str, head: u64) -> Option<&'a str> {
        if head & self.mask != self.bits {
            return None;
        }
        if self.text.len() <= 8 {
            // The first `len` bytes are the proclitic; `get` checks that
            // the word is long enough and cut on a char boundary.
            word.get(self.text.len()..)
        } else {
            word.strip_prefix(self.text.as_str())
        }
    }
}

/// Proclitics grouped by their first char, each group in the order of the
/// full list: a word is only tried against those that can start it.
#[derive(Debug, Clone)]
pub(crate) struct CliticGroups<T> {
    groups: Vec<(char, Vec<(Clitic, T)>)>,
}

impl<T> Default for CliticGroups<T> {
    fn default() -> Self {
        CliticGroups { groups: Vec::new() }
    }
}

impl<T> CliticGroups<T> {
    /// Proclitics (non-empty) with a value each, in trial order.
    pub(crate) fn new<'a>(items: impl IntoIterator<Item = (&'a str, T)>) -> Self {
        let mut groups: Vec<(char, Vec<(Clitic, T)>)> = Vec::new();
        for (text, value) in items {
            let Some(first) = text.chars().next() else {
                continue;
            };
            let entry = (Clitic::new(text), value);
            match groups.iter_mut().find(|(c, _)| *c == first) {
                Some((_, list)) => list.push(entry),
                None => groups.push((first, vec![entry])),
            }
        }
        CliticGroups { groups }
    }

    /// The proclitics that start with the first char of `word`.
    #[inline]
    pub(crate) fn for_word(&self, word: &str) -> &[(Clitic, T)] {
        let Some(first) = word.chars().next() else {
            return &[];
        };
        self.groups
            .iter()
            .find(|(c, _)| *c == first)
            .map_or(&[], |(_, list)| list.as_slice())
    }
}

/// Up to the first 8 bytes of `b`, little-endian, zero padded.
#[inline]
pub(crate) fn head8(b: &[u8]) -> u64 {
    if let Some(first8) = b.first_chunk::<8>() {
        return u64::from_le_bytes(*first8);
    }
    let mut buf = [0u8; 8];
    for (d, s) in buf.iter_mut().zip(b) {
        *d = *s;
    }
    u64::from_le_bytes(buf)
}

/// A bit set of word ends of a list of words (a Bloom filter with one
/// hash): when [`TailFilter::may_end`] says no, no word of the list is a
/// suffix of the tested word, so none of its stems (which are all
/// suffixes) needs a hash lookup. Keys of 8 bytes or more are filed by
/// their last 8 bytes (four Arabic letters), keys of 6 or 7 by their last
/// 6 (three letters: two are too often a common ending such as `ية`),
/// shorter ones by their last 4.
#[derive(Debug, Clone)]
pub struct TailFilter {
    /// Last 8 bytes of the keys that have them.
    longest: Bits,
    /// Last 6 bytes of the keys of 6 or 7 bytes.
    long: Bits,
    /// Last 4 bytes of the keys of 4 or 5 bytes.
    short: Bits,
    /// Some key is shorter than 4 bytes: the filter cannot tell, every word
    /// passes.
    pass_all: bool,
}

impl Default for TailFilter {
    fn default() -> Self {
        TailFilter {
            longest: <Bits>::default(),
            long: <Bits>::default(),
            short: <Bits>::default(),
            pass_all: true,
        }
    }
}

const LONGEST_TAIL: usize = 8;
const LONG_TAIL: usize = 6;
const SHORT_TAIL: usize = 4;

impl TailFilter {
    pub fn new<'a>(keys: impl IntoIterator<Item = &'a str>) -> TailFilter {
        let mut f = TailFilter {
            longest: <Bits>::new(),
            long: <Bits>::new(),
            short: <Bits>::new(),
            pass_all: false,
        };
        for k in keys {
            if let Some(i) = Self::slot(k, LONGEST_TAIL) {
                f.longest.set(i);
            } else if let Some(i) = Self::slot(k, LONG_TAIL) {
                f.long.set(i);
            } else if let Some(i) = Self::slot(k, SHORT_TAIL) {
                f.short.set(i);
            } else {
                f.pass_all = true;
            }
        }
        f
    }

    /// Bit of the last `n` (4, 6 or 8) bytes of `word`, if it has that many.
    #[inline]
    fn slot(word: &str, n: usize) -> Option<usize> {
        let b = word.as_bytes();
        let tail = b.get(b.len().checked_sub(n)?..)?;
        // The tail read as a big-endian number, as in [`Tails::of`].
        Some(<Bits>::slot(
            tail.iter().fold(0u64, |h, &c| (h << 8) | u64::from(c)),
        ))
    }

    /// False when no key of the list ends `word` (nor equals it).
    #[inline]
    pub fn may_end(&self, word: &str) -> bool {
        self.may_end_with(&Tails::of(word))
    }

    /// [`TailFilter::may_end`] for a word whose [`Tails`] are known (one
    /// word tested against several lists).
    #[inline]
    pub fn may_end_with(&self, tails: &Tails) -> bool {
        // A word shorter than every key ends with none of them.
        self.pass_all
            || self.longest.has(tails.longest)
            || self.long.has(tails.long)
            || self.short.has(tails.short)
    }
}

/// The bits of a word's ends in any [`TailFilter`].
#[derive(Debug, Clone, Copy)]
pub struct Tails {
    longest: Option<usize>,
    long: Option<usize>,
    short: Option<usize>,
}

impl Tails {
    #[inline]
    pub fn of(word: &str) -> Tails {
        // Most words have 8 bytes: one load gives all three tails.
        if let Some(last8) = word.as_bytes().last_chunk::<8>() {
            let v = u64::from_be_bytes(*last8);
            return Tails {
                longest: Some(<Bits>::slot(v)),
                long: Some(<Bits>::slot(v & 0xFFFF_FFFF_FFFF)),
                short: Some(<Bits>::slot(v & 0xFFFF_FFFF)),
            };
        }
        Tails {
            longest: TailFilter::slot(word, LONGEST_TAIL),
            long: TailFilter::slot(word, LONG_TAIL),
            short: TailFilter::slot(word, SHORT_TAIL),
        }
    }
}

fn keys(words: &[String]) -> HashSet<String> {
    words
        .iter()
        .map(|w| match_key(w))
        .filter(|k| !k.is_empty())
        .collect()
}

/// `{"TYPE": [words], "_doc": "..."}` → normalized sets per type.
fn typed_lists(m: &HashMap<String, serde_json::Value>) -> HashMap<EntityType, HashSet<String>> {
    let mut out: HashMap<EntityType, HashSet<String>> = HashMap::default();
    for (ty, words) in m {
        let Ok(ty) = serde_json::from_value::<EntityType>(serde_json::Value::String(ty.clone()))
        else {
            continue; // `_doc`
        };
        if let Some(arr) = words.as_array() {
            let set = out.entry(ty).or_default();
            for w in arr.iter().filter_map(|w| w.as_str()) {
                let k = match_key(w);
                if !k.is_empty() {
                    set.insert(k);
                }
            }
        }
    }
    out
}

impl Rules {
    pub fn parse(src: &str) -> Result<Rules, String> {
        let raw: RawRules = serde_json::from_str(src).map_err(|e| format!("triggers.json: {e}"))?;
        let mut proclitics: Vec<String> = keys(&raw.proclitics).into_iter().collect();
        proclitics.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        let mut rules = Rules {
            proclitics,
            place_nouns: keys(&raw.place_nouns).into(),
            place_prepositions: keys(&raw.place_prepositions).into(),
            weak_alias_cues: typed_lists(&raw.weak_alias_cues)
                .into_iter()
                .map(|(ty, words)| (ty, words.into()))
                .collect(),
            generic_place_words: keys(&raw.generic_place_words).into(),
            directions: keys(&raw.directions).into(),
            currency_words: keys(&raw.currency_words).into(),
            common_words: keys(&raw.common_words).into(),
            stop_words: keys(&raw.stop_words).into(),
            name_heads: keys(&raw.name_heads).into(),
            saying_verbs: keys(&raw.saying_verbs).into(),
            first_names: keys(&raw.first_names),
            age_words: keys(&raw.age_words).into(),
            not_names: keys(&raw.not_names).into_iter().collect(),
            regime_words: keys(&raw.regime_words),
            former_markers: keys(&raw.former_markers).into(),
            former_links: keys(&raw.former_links).into(),
            ..Rules::default()
        };
        for r in raw.discovery {
            let idx = rules.discovery.len();
            for t in &r.triggers {
                let k = match_key(t);
                let mut parts = k.splitn(2, ' ');
                let first = parts.next().unwrap_or("").to_string();
                let second = parts.next().map(str::to_string);
                if !first.is_empty() {
                    if r.entity_type == EntityType::Person {
                        rules.person_triggers.insert(first.clone());
                    } else {
                        rules.other_triggers.insert(first.clone());
                    }
                    rules.triggers.entry(first).or_default().push((second, idx));
                }
            }
            rules.discovery.push(DiscoveryRule {
                entity_type: r.entity_type,
                keep_trigger: r.keep_trigger,
                quoted_only: r.quoted_only,
                definite_first: r.definite_first,
                person_name: r.person_name,
                name_like: r.name_like,
                list: r.list,
                latin_ok: r.latin_ok,
                skip_after_trigger: keys(&r.skip_after_trigger),
                max_words: r.max_words.clamp(1, 6),
                end_words: keys(&r.end_words),
            });
        }
        for (ty, words) in typed_lists(&raw.quoted_heads) {
            for w in words {
                rules.other_triggers.insert(w.clone());
                rules.quoted_heads.insert(w, ty);
            }
        }
        rules.clitics = CliticGroups::new(rules.proclitics.iter().map(|p| (p.as_str(), ())));
        rules.trigger_tails = TailFilter::new(rules.triggers.keys().map(String::as_str));
        rules.trigger_heads = HeadFilter::new(rules.triggers.keys().map(String::as_str));
        rules.first_name_tails = TailFilter::new(rules.first_names.iter().map(String::as_str));
        Ok(rules)
    }

    /// The word without its proclitics, for list lookups: every way of
    /// stripping a proclitic (none first), so `بريف` finds `ريف` and `بيت`
    /// still finds `بيت`.
    pub fn stems<'a>(&'a self, word: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        // Every proclitic starts with one of these letters; most words do
        // not, and skip the list.
        let clitic_start = matches!(word.chars().next(), Some('و' | 'ف' | 'ب' | 'ك' | 'ل'));
        let (list, head): (&'a [(Clitic, ())], u64) = if clitic_start {
            (self.clitics.for_word(word), head8(word.as_bytes()))
        } else {
            (&[], 0)
        };
        std::iter::once(word).chain(list.iter().filter_map(move |(p, ())| {
            // At least two chars left.
            p.strip(word, head)
                .filter(|rest| rest.chars().nth(1).is_some())
        }))
    }

    /// Is the word, with or without proclitics, in the set?
    pub fn in_set(&self, set: &WordSet, word: &str) -> bool {
        // Every stem ends the word: when no listed word does, none is a stem.
        let may_end = set.tails.may_end(word);
        (may_end && self.stems(word).any(|s| set.contains(s)))
            // `لل`/`بال` fusions drop the article: `للمدينة` → `المدينة`.
            // `ال` + a rest of `LONG_TAIL` bytes or more ends like the word.
            || (matches!(word.chars().next(), Some('ل' | 'و' | 'ف'))
                && ["لل", "ولل", "فلل"].iter().any(|p| {
                    word.strip_prefix(p)
                        .filter(|rest| may_end || rest.len() < LONG_TAIL)
                        .map(|rest| with_article(rest, |w| set.contains(w)))
                        .unwrap_or(false)
                }))
    }
}

/// Call `f` with `ال` + `rest`, built on the stack when short (the usual
/// case) so that lookups in hot loops do not allocate.
fn with_article<R>(rest: &str, f: impl FnOnce(&str) -> R) -> R {
    const ARTICLE: &str = "ال";
    let mut buf = [0u8; 96];
    let n = ARTICLE.len() + rest.len();
    if n <= buf.len() {
        buf[..ARTICLE.len()].copy_from_slice(ARTICLE.as_bytes());
        buf[ARTICLE.len()..n].copy_from_slice(rest.as_bytes());
        // Both parts are whole UTF-8 strings.
        f(std::str::from_utf8(&buf[..n]).unwrap_or_default())
    } else {
        f(&format!("{ARTICLE}{rest}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rules() -> &'static Rules {
        static R: std::sync::OnceLock<Rules> = std::sync::OnceLock::new();
        R.get_or_init(|| Rules::parse(crate::kb::TRIGGERS_JSON.expect("triggers.json")).unwrap())
    }

    /// The `strip_prefix` loop that the packed proclitics replaced.
    fn stems_reference<'a>(r: &'a Rules, word: &'a str) -> Vec<&'a str> {
        let clitic_start = matches!(word.chars().next(), Some('و' | 'ف' | 'ب' | 'ك' | 'ل'));
        let list: &[String] = if clitic_start { &r.proclitics } else { &[] };
        std::iter::once(word)
            .chain(list.iter().filter_map(|p| {
                word.strip_prefix(p.as_str())
                    .filter(|rest| rest.chars().count() >= 2)
            }))
            .collect()
    }

    /// [`Rules::in_set`] without the tail filter.
    fn in_set_reference(r: &Rules, set: &HashSet<String>, word: &str) -> bool {
        stems_reference(r, word).iter().any(|s| set.contains(*s))
            || ["لل", "ولل", "فلل"].iter().any(|p| {
                word.strip_prefix(p)
                    .is_some_and(|rest| set.contains(&format!("ال{rest}")))
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        #[test]
        fn in_set_agrees_with_the_unfiltered_lookup(
            word in "(لل|ولل|فلل|وبال|ب|و|ف)?[\u{0621}-\u{064A}]{0,7}",
        ) {
            let r = rules();
            for set in [
                &r.place_nouns,
                &r.place_prepositions,
                &r.stop_words,
                &r.common_words,
                &r.currency_words,
                &r.saying_verbs,
                &r.name_heads,
                &r.generic_place_words,
            ] {
                prop_assert_eq!(r.in_set(set, &word), in_set_reference(r, set, &word), "{}", word);
            }
        }

        #[test]
        fn in_set_finds_every_listed_word_with_any_prefix(
            pick in 0usize..1000,
            prefix in prop::sample::select(vec!["", "و", "ب", "لل", "ولل", "فلل", "وبال", "فال"]),
        ) {
            let r = rules();
            for set in [&r.place_nouns, &r.stop_words, &r.common_words, &r.name_heads] {
                let mut words: Vec<&String> = set.iter().collect();
                words.sort();
                let w = words[pick % words.len()];
                let word = match w.strip_prefix("ال") {
                    Some(rest) if prefix.ends_with("لل") => format!("{prefix}{rest}"),
                    _ => format!("{prefix}{w}"),
                };
                prop_assert_eq!(r.in_set(set, &word), in_set_reference(r, set, &word), "{}", word);
            }
        }

        #[test]
        fn stems_and_tails_agree_with_the_plain_lookups(
            word in "[وفبكلاهيةن]{0,4}[\u{0621}-\u{064A}a-z0-9]{0,6}",
        ) {
            let r = rules();
            let stems: Vec<&str> = r.stems(&word).collect();
            prop_assert_eq!(&stems, &stems_reference(r, &word));
            if !r.trigger_tails.may_end(&word) {
                prop_assert!(stems.iter().all(|s| !r.triggers.contains_key(*s)));
            }
            for st in &stems {
                if !r.trigger_heads.may_be(st) {
                    prop_assert!(!r.triggers.contains_key(*st));
                }
            }
            if !r.first_name_tails.may_end(&word) {
                prop_assert!(!r.first_names.contains(&word));
                let rest = word.strip_prefix('و').unwrap_or(&word);
                prop_assert!(!r.first_names.contains(rest));
            }
        }
    }

    #[test]
    fn every_trigger_and_first_name_passes_its_filter() {
        let r = rules();
        for k in r.triggers.keys() {
            assert!(r.trigger_tails.may_end(k), "{k}");
            assert!(r.trigger_tails.may_end(&format!("وب{k}")), "{k}");
        }
        for k in &r.first_names {
            assert!(r.first_name_tails.may_end(&format!("و{k}")), "{k}");
        }
    }
}
