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
    pub place_nouns: HashSet<String>,
    pub place_prepositions: HashSet<String>,
    /// Cue words that allow a weak alias of an entity of that type.
    pub weak_alias_cues: HashMap<EntityType, HashSet<String>>,
    /// Nouns that refer back to a place (`المدينة`): a village of that
    /// name needs a place noun right before it.
    pub generic_place_words: HashSet<String>,
    /// Direction words (`شرق`), also in `place_nouns`.
    pub directions: HashSet<String>,
    pub currency_words: HashSet<String>,
    pub common_words: HashSet<String>,
    pub stop_words: HashSet<String>,
    pub name_heads: HashSet<String>,
    pub saying_verbs: HashSet<String>,
    /// Trigger (first word, normalized) → (second word if the trigger has
    /// two words, rule index).
    pub triggers: HashMap<String, Vec<(Option<String>, usize)>>,
    pub discovery: Vec<DiscoveryRule>,
    /// First word of a quoted phrase → type of the entity it names.
    pub quoted_heads: HashMap<String, EntityType>,
    /// Given names that start a person's full name (`أحمد`, `عبد`).
    pub first_names: HashSet<String>,
    /// Units of an age in parentheses after a name (`(30 عاماً)`).
    pub age_words: HashSet<String>,
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
    pub former_markers: HashSet<String>,
    /// `وهي` in `X، وهي (Y سابقاً)`.
    pub former_links: HashSet<String>,
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
            place_nouns: keys(&raw.place_nouns),
            place_prepositions: keys(&raw.place_prepositions),
            weak_alias_cues: typed_lists(&raw.weak_alias_cues),
            generic_place_words: keys(&raw.generic_place_words),
            directions: keys(&raw.directions),
            currency_words: keys(&raw.currency_words),
            common_words: keys(&raw.common_words),
            stop_words: keys(&raw.stop_words),
            name_heads: keys(&raw.name_heads),
            saying_verbs: keys(&raw.saying_verbs),
            first_names: keys(&raw.first_names),
            age_words: keys(&raw.age_words),
            not_names: keys(&raw.not_names).into_iter().collect(),
            regime_words: keys(&raw.regime_words),
            former_markers: keys(&raw.former_markers),
            former_links: keys(&raw.former_links),
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
        Ok(rules)
    }

    /// The word without its proclitics, for list lookups: every way of
    /// stripping a proclitic (none first), so `بريف` finds `ريف` and `بيت`
    /// still finds `بيت`.
    pub fn stems<'a>(&'a self, word: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        // Every proclitic starts with one of these letters; most words do
        // not, and skip the list.
        let clitic_start = matches!(word.chars().next(), Some('و' | 'ف' | 'ب' | 'ك' | 'ل'));
        let list: &'a [String] = if clitic_start { &self.proclitics } else { &[] };
        std::iter::once(word).chain(list.iter().filter_map(move |p| {
            word.strip_prefix(p.as_str())
                .filter(|rest| rest.chars().count() >= 2)
        }))
    }

    /// Is the word, with or without proclitics, in the set?
    pub fn in_set(&self, set: &HashSet<String>, word: &str) -> bool {
        self.stems(word).any(|s| set.contains(s))
            // `لل`/`بال` fusions drop the article: `للمدينة` → `المدينة`.
            || ["لل", "ولل", "فلل"].iter().any(|p| {
                word.strip_prefix(p)
                    .map(|rest| with_article(rest, |w| set.contains(w)))
                    .unwrap_or(false)
            })
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
