//! Casualty counts stated in an article: who was killed, wounded, captured
//! or arrested, and how many.
//!
//! Why: analysts want the numbers (`مقتل 3 عناصر`، `لقي 19 مدنياً حتفهم`،
//! `أصيب 90 آخرون`) as data, once per statement, without the vague counts
//! (`عشرات`) and the breakdowns (`بينهم طفلان`) being mistaken for new ones.
//!
//! How: the text is match-normalized (`rasd-text`, with its alignment back to
//! the original bytes) and split into words, digit groups and punctuation;
//! a `.` or `*` that splits a word to dodge filters (`مقـ.ـتل`، `د*اع*ش`) is
//! joined back. Three kinds of statement are recognised, all driven by the
//! lexicon in `data/casualties.json`:
//! - a *trigger* (noun or verb: `مقتل`، `قُتل`، `أودى بحياة`، `إصابة`، `اعتقال`)
//!   followed by a *victim phrase* (`3 عناصر`، `امرأة وطفلتها`، `عنصرين`،
//!   `أكثر من عشرة أشخاص`), with a closing word where the verb needs one
//!   (`لقي ... حتفه`); verbs may have their subject or an adverbial before
//!   a counted object (`قتلت القوات التركية 3 مدنيين`);
//! - a victim phrase followed by a verb trigger (`30 شخصاً قُتلوا`،
//!   `شاب سوري قد لقي حتفه`);
//! - a count noun that is a casualty count by itself (`27 قتيلاً`،
//!   `قتيلين`، `قتيلاً وجريحاً`).
//!
//! A victim phrase is a list of items joined by `و`/`مع` that add up (`سيدة
//! وطفل` = 2): counts with an optional noun, duals (`مدنيان` = 2), single
//! unnamed victims (`طفل` = 1); named victims (a quoted name, a title noun
//! followed by a name, `شخص يدعى ...`) count nothing. Vague counts are kept
//! but marked `approximate`, as are joint counts (`مقتل وجرح 10`). Bounded
//! counts (`أكثر من 20`، `نحو 30`) are exact, as the annotation guide counts
//! them. Breakdowns (`بينهم طفلان`), references back (`أحد المصابين`،
//! `اثنين من القتلى`), attempts and negations (`محاولة اغتيال`، `دون وقوع
//! إصابات`) and disease cases (`إصابات بكورونا`) are not statements.
//!
//! A count repeated for the same incident (headline and body, or two
//! sources) is listed once: a later statement with the same kind and count
//! is dropped, unless it is marked as further victims (`ثلاثة مدنيين
//! آخرين`, where `آخرين` does not just contrast with another kind: `قتل 15
//! وأصيب 10 آخرين`), or, for single victims, names a different kind of
//! person (`شاب` then `عنصر`), or belongs to a paragraph about an earlier or
//! separate incident (`وكان ...`، `وقبل أيام ...`، `وفي سياق منفصل ...`),
//! which is merged only within that paragraph.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::borrow::Cow;
use std::sync::OnceLock;

use rasd_model::{Casualty, CasualtyKind, Span};
use rasd_text::{normalize, Normalized, NormalizerConfig};
use serde::Deserialize;
use smallvec::SmallVec;

use crate::norm::MatchText;
pub use crate::numbers::parse_number;
use crate::numbers::{fold, strip_waw, tokenize_glued, NumberLexicon, TokClass, Words};
use crate::rules::{TailFilter, Tails};

const LEXICON_JSON: &str = include_str!("../data/casualties.json");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GramNumber {
    Singular,
    Dual,
    Plural,
}

/// One folded noun form.
#[derive(Debug, Clone)]
struct NounForm {
    /// Further words of a multi-word noun (`صف ضابط`).
    rest: Vec<String>,
    /// Index of the entry the form belongs to (tells one kind of person
    /// from another when single victims are merged).
    lemma: u32,
    number: GramNumber,
    /// Set for count nouns (`قتلى`، `جرحى`): the kind they state.
    count_kind: Option<CasualtyKind>,
    generic: bool,
    /// Count nouns that are casualties only after a number (`3 إصابات`).
    after_number_only: bool,
    /// A title (`القيادي`) that a name usually follows.
    title: bool,
}

#[derive(Debug, Clone)]
struct TriggerEntry {
    kind: Option<CasualtyKind>,
    after: bool,
    before: bool,
    closer: HashSet<String>,
    closer_window: usize,
    numeric_only: bool,
    gap: Vec<Vec<String>>,
    subject_gap: usize,
}

#[derive(Debug, Clone)]
struct TriggerForm {
    rest: Vec<String>,
    entry: usize,
}

/// The casualty lexicon, folded for lookup.
#[derive(Debug)]
pub(crate) struct Lexicon {
    pub(crate) numbers: NumberLexicon,
    triggers: HashMap<String, Vec<TriggerForm>>,
    entries: Vec<TriggerEntry>,
    nouns: HashMap<String, Vec<NounForm>>,
    other_markers: HashSet<String>,
    one_markers: HashSet<String>,
    pronouns: HashSet<String>,
    breakdown: HashSet<String>,
    blockers: HashSet<String>,
    blockers_after: HashSet<String>,
    /// Paragraph openings of earlier or separate incidents, as word
    /// sequences.
    background_markers: Vec<Vec<String>>,
    follow_ok: HashSet<String>,
    name_cues: HashSet<String>,
    naming_words: HashSet<String>,
    time_words: HashSet<String>,
    ordinal_others: HashSet<String>,
    not_names: HashSet<String>,
    not_adjectives: HashSet<String>,
    /// Folded forms of the count nouns (`قتلى`، `جريح`), for a cheap test
    /// of whether a stretch of text can hold a count-noun statement.
    count_noun_forms: HashSet<String>,
    /// Which words may end with a trigger's first word, or with a count
    /// noun: the lookups with clitic stripping run only on those. (The
    /// lookups only ever strip prefixes, so a word can match a key only if
    /// it ends with it.)
    trigger_ends: TailFilter,
    count_noun_ends: TailFilter,
}

#[derive(Deserialize)]
struct WordsJson {
    words: Vec<String>,
}

#[derive(Deserialize)]
struct PhrasesJson {
    phrases: Vec<String>,
}

#[derive(Deserialize)]
struct TriggerJson {
    kind: String,
    after: bool,
    before: bool,
    forms: Vec<String>,
    #[serde(default)]
    closer: Vec<String>,
    #[serde(default)]
    closer_window: Option<usize>,
    #[serde(default)]
    numeric_only: bool,
    #[serde(default)]
    gap: Vec<String>,
    #[serde(default)]
    subject_gap: usize,
}

#[derive(Deserialize)]
struct TriggersJson {
    entries: Vec<TriggerJson>,
}

#[derive(Deserialize)]
struct CountNounJson {
    kind: String,
    singular: Vec<String>,
    dual: Vec<String>,
    plural: Vec<String>,
    #[serde(default)]
    generic: bool,
    #[serde(default)]
    after_number_only: bool,
}

#[derive(Deserialize)]
struct CountNounsJson {
    entries: Vec<CountNounJson>,
}

#[derive(Deserialize)]
struct VictimJson {
    singular: Vec<String>,
    #[serde(default)]
    dual: Vec<String>,
    plural: Vec<String>,
    #[serde(default)]
    sound_plural: bool,
    #[serde(default)]
    generic: bool,
    #[serde(default)]
    title: bool,
}

#[derive(Deserialize)]
struct VictimsJson {
    entries: Vec<VictimJson>,
}

#[derive(Deserialize)]
struct LexiconJson {
    numbers: serde_json::Value,
    count_modifiers: serde_json::Value,
    not_adjectives: Vec<String>,
    other_markers: Vec<String>,
    one_markers: Vec<String>,
    pronouns: Vec<String>,
    breakdown_words: Vec<String>,
    blockers_before: WordsJson,
    context_blockers_after: WordsJson,
    background_markers: PhrasesJson,
    follow_ok: WordsJson,
    name_cues: WordsJson,
    naming_words: WordsJson,
    time_words: WordsJson,
    ordinal_others: Vec<String>,
    not_names: WordsJson,
    triggers: TriggersJson,
    count_nouns: CountNounsJson,
    victim_nouns: VictimsJson,
}

fn parse_kind(s: &str) -> Result<Option<CasualtyKind>, String> {
    Ok(match s {
        "killed" => Some(CasualtyKind::Killed),
        "wounded" => Some(CasualtyKind::Wounded),
        "captured" => Some(CasualtyKind::Captured),
        "arrested" => Some(CasualtyKind::Arrested),
        "none" => None,
        other => return Err(format!("unknown casualty kind `{other}`")),
    })
}

fn fold_set(words: &[String]) -> HashSet<String> {
    words
        .iter()
        .map(|w| fold(w))
        .filter(|w| !w.is_empty())
        .collect()
}

fn split_words(s: &str) -> Vec<String> {
    fold(s).split_whitespace().map(str::to_string).collect()
}

/// Derived duals of a singular: `عنصر` → `عنصران`، `عنصرين`; `سيدة` →
/// `سيدتان`، `سيدتين`. Sound-plural nouns get only the `ان` form, since
/// their `ين` form is the plural (`مدنيين`).
fn derived_duals(folded_singular: &str, sound_plural: bool) -> Vec<String> {
    // Two-letter nouns (`أم`، `جد`) would make common words (`أمين`، `جدين`).
    if folded_singular.chars().count() < 3 {
        return vec![];
    }
    let stem = match folded_singular.strip_suffix('ه') {
        Some(s) => format!("{s}ت"),
        None => folded_singular.to_string(),
    };
    let mut out = vec![format!("{stem}ان")];
    if !sound_plural {
        out.push(format!("{stem}ين"));
    }
    out
}

impl Lexicon {
    fn from_json(src: &str) -> Result<Lexicon, String> {
        let j: LexiconJson =
            serde_json::from_str(src).map_err(|e| format!("casualties.json: {e}"))?;
        let numbers = NumberLexicon::from_json(&j.numbers, &j.count_modifiers)?;
        let mut lex = Lexicon {
            numbers,
            triggers: HashMap::default(),
            entries: Vec::new(),
            nouns: HashMap::default(),
            other_markers: fold_set(&j.other_markers),
            one_markers: fold_set(&j.one_markers),
            pronouns: fold_set(&j.pronouns),
            breakdown: fold_set(&j.breakdown_words),
            blockers: fold_set(&j.blockers_before.words),
            blockers_after: fold_set(&j.context_blockers_after.words),
            background_markers: j
                .background_markers
                .phrases
                .iter()
                .map(|p| split_words(p))
                .filter(|p| !p.is_empty())
                .collect(),
            follow_ok: fold_set(&j.follow_ok.words),
            name_cues: fold_set(&j.name_cues.words),
            naming_words: fold_set(&j.naming_words.words),
            time_words: fold_set(&j.time_words.words),
            ordinal_others: fold_set(&j.ordinal_others),
            not_names: fold_set(&j.not_names.words),
            not_adjectives: fold_set(&j.not_adjectives),
            count_noun_forms: HashSet::default(),
            trigger_ends: TailFilter::default(),
            count_noun_ends: TailFilter::default(),
        };
        for t in &j.triggers.entries {
            let entry = TriggerEntry {
                kind: parse_kind(&t.kind)?,
                after: t.after,
                before: t.before,
                closer: fold_set(&t.closer),
                closer_window: t.closer_window.unwrap_or(12),
                numeric_only: t.numeric_only,
                gap: t
                    .gap
                    .iter()
                    .map(|g| split_words(g))
                    .filter(|g| !g.is_empty())
                    .collect(),
                subject_gap: t.subject_gap,
            };
            let idx = lex.entries.len();
            lex.entries.push(entry);
            for f in &t.forms {
                let mut words = split_words(f);
                if words.is_empty() {
                    continue;
                }
                let first = words.remove(0);
                lex.triggers.entry(first).or_default().push(TriggerForm {
                    rest: words,
                    entry: idx,
                });
            }
        }
        for forms in lex.triggers.values_mut() {
            forms.sort_by_key(|f| std::cmp::Reverse(f.rest.len()));
        }
        let mut lemma: u32 = 0;
        let add = |nouns: &mut HashMap<String, Vec<NounForm>>, form: &str, nf: NounForm| {
            let mut words = split_words(form);
            if words.is_empty() {
                return;
            }
            let first = words.remove(0);
            nouns
                .entry(first)
                .or_default()
                .push(NounForm { rest: words, ..nf });
        };
        for v in &j.victim_nouns.entries {
            let base = NounForm {
                rest: vec![],
                lemma,
                number: GramNumber::Singular,
                count_kind: None,
                generic: v.generic,
                after_number_only: false,
                title: v.title,
            };
            for s in &v.singular {
                add(&mut lex.nouns, s, base.clone());
                let duals = if v.dual.is_empty() {
                    derived_duals(&fold(s), v.sound_plural)
                } else {
                    v.dual.clone()
                };
                for d in duals {
                    add(
                        &mut lex.nouns,
                        &d,
                        NounForm {
                            number: GramNumber::Dual,
                            ..base.clone()
                        },
                    );
                }
            }
            for d in &v.dual {
                add(
                    &mut lex.nouns,
                    d,
                    NounForm {
                        number: GramNumber::Dual,
                        ..base.clone()
                    },
                );
            }
            for p in &v.plural {
                add(
                    &mut lex.nouns,
                    p,
                    NounForm {
                        number: GramNumber::Plural,
                        ..base.clone()
                    },
                );
            }
            lemma += 1;
        }
        for c in &j.count_nouns.entries {
            let base = NounForm {
                rest: vec![],
                lemma,
                number: GramNumber::Singular,
                count_kind: parse_kind(&c.kind)?,
                generic: c.generic,
                after_number_only: c.after_number_only,
                title: false,
            };
            for (forms, number) in [
                (&c.singular, GramNumber::Singular),
                (&c.dual, GramNumber::Dual),
                (&c.plural, GramNumber::Plural),
            ] {
                for f in forms {
                    add(
                        &mut lex.nouns,
                        f,
                        NounForm {
                            number,
                            ..base.clone()
                        },
                    );
                    if let Some(first) = split_words(f).into_iter().next() {
                        lex.count_noun_forms.insert(first);
                    }
                }
            }
            lemma += 1;
        }
        for forms in lex.nouns.values_mut() {
            // Longest multi-word forms first; victim readings before count
            // readings of the same word (`معتقل`).
            forms.sort_by_key(|f| std::cmp::Reverse(f.rest.len()));
        }
        // `maybe_count_noun` also accepts a form followed by the accusative
        // alef (`قتيلا`).
        let with_alef: Vec<String> = lex
            .count_noun_forms
            .iter()
            .map(|f| format!("{f}ا"))
            .collect();
        lex.trigger_ends = TailFilter::new(lex.triggers.keys().map(String::as_str));
        lex.count_noun_ends = TailFilter::new(
            lex.count_noun_forms
                .iter()
                .chain(&with_alef)
                .map(String::as_str),
        );
        Ok(lex)
    }
}

/// The lexicon shipped with the crate (parsed once).
pub(crate) fn lexicon() -> &'static Lexicon {
    static LEX: OnceLock<Lexicon> = OnceLock::new();
    LEX.get_or_init(|| Lexicon::from_json(LEXICON_JSON).expect("data/casualties.json is valid"))
}

/// Check that the shipped lexicon loads (used by tests and at tagger start).
pub fn validate_lexicon() -> Result<(), String> {
    Lexicon::from_json(LEXICON_JSON).map(|_| ())
}

/// One item of a victim phrase.
#[derive(Debug, Clone)]
enum Item {
    Count {
        count: u32,
        approximate: bool,
        kind: Option<CasualtyKind>,
        lemma: Option<u32>,
        generic: bool,
        marker: bool,
        has_noun: bool,
        end: usize,
    },
    /// A named victim or a pronoun: part of the phrase, counts nothing.
    Uncounted { end: usize },
    /// A plural with no number (`مدنيين`): ends the phrase.
    BarePlural,
}

/// A parsed victim phrase.
#[derive(Debug, Clone, Default)]
struct Phrase {
    count: u32,
    approximate: bool,
    /// Kind stated by a count noun in the first counted item.
    count_kind: Option<CasualtyKind>,
    has_noun: bool,
    lemma: Option<u32>,
    generic: bool,
    marker: bool,
    counted_items: usize,
    /// The first counted item is a count of two or more (`3 عناصر`،
    /// `عنصرين`), not a single noun.
    first_is_count: bool,
    end: usize,
}

#[derive(Debug, Clone, Copy)]
struct PhraseCtx {
    kind: Option<CasualtyKind>,
    numeric_only: bool,
}

/// A statement found in the text, before de-duplication.
#[derive(Debug, Clone)]
struct Statement {
    kind: CasualtyKind,
    count: u32,
    approximate: bool,
    first: usize,
    last: usize,
    lemma: Option<u32>,
    generic: bool,
    marker: bool,
    seg: usize,
    /// Set to the paragraph for statements in a background paragraph: they
    /// merge only with statements of the same paragraph.
    scope: Option<usize>,
    /// A trigger of another kind comes earlier in the sentence, so `آخرين`
    /// contrasts with its victims (`قتل 15 وأصيب 10 آخرين`).
    contrast: bool,
}

struct Extractor<'a> {
    lex: &'a Lexicon,
    w: Words<'a>,
    /// Sentence segment of each token (hard breaks and the given sentences).
    seg: Vec<usize>,
    consumed: Vec<bool>,
    out: Vec<Statement>,
    /// For each token: its paragraph when that paragraph is background.
    background_scope: Vec<Option<usize>>,
}

/// Word candidates after stripping proclitics: the word itself, without
/// `و`/`ف`, and without a following `ب`/`ل`/`ك`.
fn proclitic_candidates(w: &str) -> SmallVec<[&str; 4]> {
    let mut out: SmallVec<[&str; 4]> = SmallVec::new();
    out.push(w);
    let long = |s: &str| s.chars().count() >= 3;
    if let Some(r) = w.strip_prefix(['و', 'ف']).filter(|r| long(r)) {
        out.push(r);
    }
    let n = out.len();
    for i in 0..n {
        if let Some(r) = out[i].strip_prefix(['ب', 'ل', 'ك']).filter(|r| long(r)) {
            out.push(r);
        }
    }
    out
}

const POSSESSIVES: [&str; 5] = ["هما", "هم", "هن", "ها", "ه"];

/// Whether a folded word may be a count noun, after stripping proclitics,
/// the article and an accusative alef (no allocation: this runs on every
/// word).
fn maybe_count_noun(lex: &Lexicon, w: &str) -> bool {
    const PREFIXES: [&str; 12] = [
        "", "و", "ف", "ب", "ل", "ال", "وال", "فال", "بال", "لل", "وب", "ول",
    ];
    PREFIXES.iter().any(|p| {
        w.strip_prefix(p).is_some_and(|s| {
            lex.count_noun_forms.contains(s)
                || s.strip_suffix('ا')
                    .is_some_and(|t| lex.count_noun_forms.contains(t))
        })
    })
}

impl<'a> Extractor<'a> {
    fn word(&self, i: usize) -> Option<&'a str> {
        self.w.word(i)
    }

    fn class(&self, i: usize) -> Option<TokClass> {
        self.w.toks.get(i).map(|t| t.class)
    }

    fn same_seg(&self, a: usize, b: usize) -> bool {
        match (self.seg.get(a), self.seg.get(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        }
    }

    /// The trigger starting at token `i` (proclitics allowed on its first
    /// word; a leading `و` only when `waw`): entry indices and end token.
    fn trigger_at(&self, i: usize, waw_only: bool) -> Option<(Vec<usize>, usize)> {
        let w = self.word(i)?;
        let cands: SmallVec<[&str; 4]> = if waw_only {
            strip_waw(w).into_iter().collect()
        } else {
            proclitic_candidates(w)
        };
        for c in cands {
            if let Some(forms) = self.lex.triggers.get(c) {
                let mut best: Option<(Vec<usize>, usize)> = None;
                for f in forms {
                    let ok = f
                        .rest
                        .iter()
                        .enumerate()
                        .all(|(k, r)| self.word(i + 1 + k) == Some(r.as_str()));
                    if !ok {
                        continue;
                    }
                    let end = i + 1 + f.rest.len();
                    match &mut best {
                        Some((entries, e)) if *e == end => entries.push(f.entry),
                        Some((_, e)) if *e > end => {}
                        _ => best = Some((vec![f.entry], end)),
                    }
                }
                if best.is_some() {
                    return best;
                }
            }
        }
        None
    }

    /// The noun at `i` (with `و` stripped when `waw`): its form, whether it
    /// is definite or possessed, and the end token.
    fn noun_at(&self, i: usize, waw: bool) -> Option<(NounForm, bool, usize)> {
        let w = self.w.word_waw(i, waw)?;
        // Candidates borrow from the word; only the rebuilt forms (`ه`، `ن`
        // put back) own their text.
        let mut bases: SmallVec<[(&'a str, bool); 3]> = SmallVec::new();
        bases.push((w, false));
        if let Some(r) = w.strip_prefix("ال").filter(|r| r.chars().count() >= 2) {
            bases.push((r, true));
        }
        if let Some(r) = w.strip_prefix("لل").filter(|r| r.chars().count() >= 2) {
            bases.push((r, true));
        }
        let mut cands: SmallVec<[(Cow<'a, str>, bool); 16]> = bases
            .iter()
            .map(|&(c, def)| (Cow::Borrowed(c), def))
            .collect();
        for &(c, def) in &bases {
            // Accusative tanween alef: عنصراً → عنصرا → عنصر.
            if let Some(r) = c.strip_suffix('ا').filter(|r| r.chars().count() >= 2) {
                cands.push((Cow::Borrowed(r), def));
            }
            // Possessive suffix: زوجته → زوجة، أطفالها → أطفال، طفليها → طفلين.
            for p in POSSESSIVES {
                if let Some(r) = c.strip_suffix(p).filter(|r| r.chars().count() >= 2) {
                    // A lone `ه` after `ي` is the folded teh marbuta of a
                    // nisba (`عسكرية`), not a possessive.
                    if p == "ه" && r.ends_with('ي') {
                        break;
                    }
                    if let Some(s) = r.strip_suffix('ت') {
                        cands.push((Cow::Owned(format!("{s}ه")), true));
                    }
                    // Dual construct: طفليها → طفلين، طفلاهما → طفلان.
                    if r.ends_with('ي') || r.ends_with('ا') {
                        cands.push((Cow::Owned(format!("{r}ن")), true));
                    }
                    cands.push((Cow::Borrowed(r), true));
                    break;
                }
            }
        }
        for (c, def) in cands {
            if let Some(forms) = self.lex.nouns.get(c.as_ref()) {
                for f in forms {
                    let ok = f
                        .rest
                        .iter()
                        .enumerate()
                        .all(|(k, r)| self.word(i + 1 + k) == Some(r.as_str()));
                    if ok {
                        return Some((f.clone(), def, i + 1 + f.rest.len()));
                    }
                }
            }
        }
        None
    }

    fn is_adjective(&self, i: usize) -> bool {
        let Some(w) = self.word(i) else { return false };
        // `ومدنيين` starts the next item, not an adjective.
        if self.lex.not_adjectives.contains(w) || w.starts_with('و') {
            return false;
        }
        let s = w.strip_prefix("ال").unwrap_or(w);
        if s.chars().count() < 4 {
            return false;
        }
        ["ي", "يه", "يا", "يين", "يون", "يان", "يتين", "يتان", "يات"]
            .iter()
            .any(|suf| s.ends_with(suf))
            && self.trigger_at(i, false).is_none()
    }

    /// The token after a quoted stretch starting at the quote `i`, if the
    /// quote closes within a few words on the same line.
    fn after_quote(&self, i: usize) -> Option<usize> {
        for k in i + 1..(i + 10).min(self.w.toks.len()) {
            match self.class(k)? {
                TokClass::Quote => return Some(k + 1),
                TokClass::HardBreak => return None,
                _ => {}
            }
        }
        None
    }

    /// Whether the word at `n`, right after a definite victim noun, starts
    /// a name (`الشاب خلدون ...`): not the article, a clitic, a function or
    /// time word, a trigger, a count or an adverbial accusative (`متأثراً`).
    fn looks_like_name(&self, n: usize) -> bool {
        let Some(w) = self.word(n) else { return false };
        if w.chars().count() < 3
            || w.starts_with("ال")
            || w.starts_with(['و', 'ف', 'ب', 'ل', 'ك'])
            || w.ends_with('ا')
            || self.lex.follow_ok.contains(w)
            || self.lex.not_names.contains(w)
            || self.lex.naming_words.contains(w)
            || self.lex.other_markers.contains(w)
            || self.lex.one_markers.contains(w)
        {
            return false;
        }
        self.trigger_at(n, false).is_none()
            && self.lex.numbers.count(&self.w, n, false).is_none()
            && self.noun_at(n, false).is_none()
    }

    /// Whether a bare number (no noun after it) may count people here.
    fn bare_number_ok(&self, value: u32, next: usize) -> bool {
        if (1900..=2100).contains(&value) {
            return false;
        }
        match self.class(next) {
            None => true,
            Some(TokClass::SoftBreak) if self.w.toks[next].text(self.w.norm) == "%" => false,
            Some(TokClass::HardBreak | TokClass::SoftBreak) => true,
            Some(TokClass::Word) => {
                let w = self.word(next).unwrap_or_default();
                self.lex.follow_ok.contains(w) || self.trigger_at(next, true).is_some()
            }
            _ => false,
        }
    }

    /// One item of a victim phrase at `i`.
    fn item(&self, i: usize, waw: bool, ctx: PhraseCtx) -> Option<Item> {
        if !waw && self.class(i) == Some(TokClass::Quote) {
            return self.after_quote(i).map(|end| Item::Uncounted { end });
        }
        let word = self.w.word_waw(i, waw);
        if word.is_some_and(|w| self.lex.pronouns.contains(w)) {
            return Some(Item::Uncounted { end: i + 1 });
        }
        if let Some(c) = self.lex.numbers.count(&self.w, i, waw) {
            let mut k = c.end;
            let mut noun = None;
            let mut marker = false;
            let mut nisba = false;
            if self.word(k) == Some("من") {
                // `3 من عناصر ...`, `7 من قادته`: any word after `من`.
                let mut n = k + 1;
                while self.class(n) == Some(TokClass::Quote) {
                    n += 1;
                }
                if self.word(n).is_some() {
                    noun = Some(self.noun_at(n, false).map(|(f, _, _)| f));
                    k = n + 1;
                }
            } else if let Some((f, _, end)) = self.noun_at(k, false) {
                noun = Some(Some(f));
                k = end;
            } else if self
                .word(k)
                .is_some_and(|w| self.lex.other_markers.contains(w))
            {
                marker = true;
                k += 1;
            } else if self.is_adjective(k) {
                // A nisba used as a noun: `15 سورياً`، `3 عراقيين`.
                nisba = true;
                k += 1;
            }
            if noun.is_none()
                && !marker
                && !nisba
                && !ctx.numeric_only
                && !c.approximate
                && !self.bare_number_ok(c.value, k)
            {
                return None;
            }
            let form = noun.clone().flatten();
            return Some(Item::Count {
                count: c.value,
                approximate: c.approximate,
                kind: form.as_ref().and_then(|f| f.count_kind),
                lemma: form.as_ref().map(|f| f.lemma),
                generic: form.as_ref().is_none_or(|f| f.generic),
                marker,
                has_noun: form.is_some() || nisba,
                end: k,
            });
        }
        if ctx.numeric_only {
            return None;
        }
        let word = word?;
        // `أحدهم فقد إحدى عينيه`: one of people just named.
        if matches!(word, "احدهم" | "احدهما" | "احداهن" | "احداهم" | "احداهما")
        {
            return Some(Item::Count {
                count: 1,
                approximate: false,
                kind: None,
                lemma: None,
                generic: true,
                marker: false,
                has_noun: true,
                end: i + 1,
            });
        }
        // `أحد قياديي ...`، `إحدى النساء`
        if (word == "احد" || word == "احدي") && self.word(i + 1).is_some() {
            let form = self.noun_at(i + 1, false).map(|(f, _, _)| f);
            return Some(Item::Count {
                count: 1,
                approximate: false,
                kind: form.as_ref().and_then(|f| f.count_kind),
                lemma: form.as_ref().map(|f| f.lemma),
                generic: form.as_ref().is_none_or(|f| f.generic),
                marker: false,
                has_noun: form.is_some(),
                end: i + 2,
            });
        }
        if let Some((f, definite, end)) = self.noun_at(i, waw) {
            if f.after_number_only {
                return None;
            }
            let count = match f.number {
                GramNumber::Dual => 2,
                GramNumber::Singular => {
                    // `شخص يدعى ...`: a named victim.
                    let naming = |n: usize| {
                        self.word(n)
                            .is_some_and(|x| self.lex.naming_words.contains(x))
                    };
                    let mut n = end;
                    while n < end + 2 && !naming(n) && self.is_adjective(n) {
                        n += 1;
                    }
                    if naming(n) {
                        return Some(Item::Uncounted { end: n + 1 });
                    }
                    if definite {
                        // `الشاب محمد ...`، `الناشط "أبو غنوم"`، `القيادي
                        // العسكري بلال ...`: a named victim.
                        let mut n = end;
                        while n < end + 2
                            && self.word(n).is_some_and(|x| x.starts_with("ال"))
                            && self.is_adjective(n)
                        {
                            n += 1;
                        }
                        if self.class(n) == Some(TokClass::Quote) {
                            if let Some(e) = self.after_quote(n) {
                                return Some(Item::Uncounted { end: e });
                            }
                        }
                        if self.word(n).is_some_and(|x| {
                            self.lex.name_cues.contains(x) || self.looks_like_name(n)
                        }) {
                            return Some(Item::Uncounted { end: n + 1 });
                        }
                    }
                    // `القيادي في حزب الله علي ...`، `قائد لواء الباقر خالد
                    // ...`: a title's name may come after the group it
                    // belongs to.
                    if f.title {
                        for k in end..end + 7 {
                            match self.class(k) {
                                Some(TokClass::Quote) if definite => {
                                    return Some(Item::Uncounted { end });
                                }
                                Some(TokClass::Word)
                                    if self.word(k).is_some_and(|x| {
                                        self.lex.name_cues.contains(x)
                                            || self.lex.naming_words.contains(x)
                                    }) =>
                                {
                                    return Some(Item::Uncounted { end });
                                }
                                Some(TokClass::Word | TokClass::Quote) => {}
                                _ => break,
                            }
                        }
                    }
                    1
                }
                GramNumber::Plural => {
                    // `أطفالها الثلاثة`، `مدنيين اثنين`
                    let post = self
                        .word(end)
                        .map(|n| n.strip_prefix("ال").unwrap_or(n))
                        .and_then(|n| self.lex.numbers.single_word_value(n));
                    match post {
                        Some(v) if v >= 2 => {
                            return Some(Item::Count {
                                count: v as u32,
                                approximate: false,
                                kind: f.count_kind,
                                lemma: Some(f.lemma),
                                generic: true,
                                marker: false,
                                has_noun: true,
                                end: end + 1,
                            })
                        }
                        _ => return Some(Item::BarePlural),
                    }
                }
            };
            return Some(Item::Count {
                count,
                approximate: false,
                kind: f.count_kind,
                lemma: Some(f.lemma),
                generic: f.generic || definite,
                marker: false,
                has_noun: true,
                end,
            });
        }
        // `وجُرح آخر`: one more person.
        if matches!(word, "اخر" | "اخري") || self.lex.ordinal_others.contains(word) {
            return Some(Item::Count {
                count: 1,
                approximate: false,
                kind: None,
                lemma: None,
                generic: true,
                marker: true,
                has_noun: false,
                end: i + 1,
            });
        }
        None
    }

    /// Words after an item that belong to it: adjectives, `آخرين`, `واحد`,
    /// `على الأقل`.
    fn post_item(&self, mut j: usize, marker: &mut bool) -> usize {
        for _ in 0..4 {
            let Some(w) = self.word(j) else { break };
            if self.lex.one_markers.contains(w) {
                j += 1;
            } else if self.lex.other_markers.contains(w) {
                *marker = true;
                j += 1;
            } else if let Some(m) = self.lex.numbers.after_modifier_len(&self.w, j) {
                j += m;
            } else if self.is_adjective(j) {
                j += 1;
            } else {
                break;
            }
        }
        j
    }

    /// A victim phrase starting at `i`.
    fn phrase(&self, i: usize, ctx: PhraseCtx) -> Option<Phrase> {
        self.phrase_waw(i, false, ctx)
    }

    /// A victim phrase starting at `i`, whose first word may carry `و` when
    /// `waw`.
    fn phrase_waw(&self, i: usize, waw: bool, ctx: PhraseCtx) -> Option<Phrase> {
        let mut p = Phrase::default();
        let mut j = i;
        let mut waw = waw;
        let mut first = true;
        loop {
            let item = match self.item(j, waw, ctx) {
                Some(it) => it,
                None if first => return None,
                None => break,
            };
            match item {
                Item::BarePlural if first => return None,
                Item::BarePlural => break,
                Item::Uncounted { end } => {
                    j = end;
                }
                Item::Count {
                    count,
                    approximate,
                    kind,
                    lemma,
                    generic,
                    mut marker,
                    has_noun,
                    end,
                } => {
                    let kind_now = ctx.kind.or(p.count_kind);
                    if !first && kind.is_some() && kind_now.is_some() && kind != kind_now {
                        break;
                    }
                    if p.counted_items == 0 {
                        p.count_kind = kind;
                        p.lemma = lemma;
                        p.generic = generic;
                        p.first_is_count = count >= 2;
                    } else {
                        p.lemma = None;
                        p.generic = false;
                    }
                    p.count = p.count.saturating_add(count);
                    p.approximate |= approximate;
                    p.has_noun |= has_noun;
                    p.counted_items += 1;
                    j = self.post_item(end, &mut marker);
                    p.marker |= marker;
                }
            }
            first = false;
            p.end = j;
            // Continuation: `و` + item, or `مع` + item.
            match self.word(j) {
                Some("و") | Some("مع") => {
                    j += 1;
                    waw = false;
                }
                Some(w) if w.starts_with('و') && strip_waw(w).is_some() => {
                    waw = true;
                }
                _ => match self.after_complement(j, ctx) {
                    // `7 مقاتلين من الميليشيات الموالية لإيران وسيدة`
                    Some(k) => {
                        j = k;
                        waw = true;
                    }
                    None => break,
                },
            }
        }
        (p.counted_items > 0 && p.count > 0).then_some(p)
    }

    /// After a counted item, a short complement (`من الميليشيات الموالية
    /// لإيران`، `موالين لإيران`) may come before the next item of the list:
    /// the index of that `و`-item when one follows within five words.
    fn after_complement(&self, j: usize, ctx: PhraseCtx) -> Option<usize> {
        // A quote or a noun right after the item is an apposition
        // (`شهيدين "رجل وامرأة"`), not a complement.
        if self.class(j) != Some(TokClass::Word) || self.noun_at(j, false).is_some() {
            return None;
        }
        let mut words = 0;
        let mut k = j;
        while words < 5 {
            match self.class(k)? {
                TokClass::Quote => {
                    k += 1;
                    continue;
                }
                TokClass::Word => {}
                _ => return None,
            }
            let w = self.word(k)?;
            if words > 0 && w.starts_with('و') && strip_waw(w).is_some() {
                return match self.item(k, true, ctx)? {
                    Item::Count {
                        has_noun: true,
                        kind,
                        ..
                    } if kind.is_none() || kind == ctx.kind => Some(k),
                    _ => None,
                };
            }
            if self.trigger_at(k, false).is_some()
                || self.lex.numbers.count(&self.w, k, false).is_some()
                || self.lex.breakdown.contains(w)
            {
                return None;
            }
            words += 1;
            k += 1;
        }
        None
    }

    /// The word before token `i` (skipping quotes), folded, with `و` removed.
    fn prev_word(&self, i: usize) -> Option<&'a str> {
        let mut k = i;
        while k > 0 {
            k -= 1;
            match self.class(k)? {
                TokClass::Quote => continue,
                TokClass::Word => {
                    let w = self.word(k)?;
                    return Some(strip_waw(w).unwrap_or(w));
                }
                _ => return None,
            }
        }
        None
    }

    /// Whether a folded word is a count noun (`قتيل`).
    fn noun_at_word_is_count(&self, w: &str) -> bool {
        self.lex
            .nouns
            .get(w)
            .is_some_and(|fs| fs.iter().any(|f| f.count_kind.is_some()))
    }

    fn blocked(&self, i: usize) -> bool {
        match self.prev_word(i) {
            Some(p) => self.lex.blockers.contains(p) || self.lex.breakdown.contains(p),
            None => false,
        }
    }

    fn is_breakdown(&self, i: usize) -> bool {
        // `بينهم`، `من بينهم`، `ومنهم`
        self.prev_word(i)
            .is_some_and(|p| self.lex.breakdown.contains(p))
    }

    fn span_free(&self, a: usize, b: usize) -> bool {
        (a..b).all(|k| !self.consumed.get(k).copied().unwrap_or(true))
    }

    /// Whether a disease word follows the statement ending at `last`
    /// (`5 إصابات بفيروس كورونا`).
    fn disease_after(&self, last: usize) -> bool {
        let mut words = 0;
        let mut k = last + 1;
        while words < 3 && k < self.w.toks.len() && self.same_seg(last, k) {
            if let Some(w) = self.word(k) {
                let hit = proclitic_candidates(w).iter().any(|c| {
                    self.lex.blockers_after.contains(*c)
                        || c.strip_prefix("ال")
                            .is_some_and(|d| self.lex.blockers_after.contains(d))
                });
                if hit {
                    return true;
                }
                words += 1;
            }
            k += 1;
        }
        false
    }

    fn emit(&mut self, s: Statement) {
        for k in s.first..=s.last {
            if let Some(c) = self.consumed.get_mut(k) {
                *c = true;
            }
        }
        if !self.disease_after(s.last) {
            self.out.push(s);
        }
    }

    /// The closer word (`حتفه`) after `from`, within `window` words in the
    /// same sentence.
    fn find_closer(&self, entry: &TriggerEntry, from: usize, anchor: usize) -> Option<usize> {
        let mut words = 0;
        let mut k = from;
        while k < self.w.toks.len() && self.same_seg(anchor, k) && words <= entry.closer_window {
            if let Some(w) = self.word(k) {
                if proclitic_candidates(w)
                    .iter()
                    .any(|c| entry.closer.contains(*c))
                {
                    return Some(k);
                }
                words += 1;
            }
            k += 1;
        }
        None
    }

    fn statement(
        &self,
        kind: CasualtyKind,
        p: &Phrase,
        first: usize,
        last: usize,
        approximate: bool,
    ) -> Statement {
        Statement {
            kind,
            count: p.count,
            approximate: p.approximate || approximate,
            first,
            last,
            lemma: p.lemma,
            generic: p.generic,
            marker: p.marker,
            seg: self.seg.get(first).copied().unwrap_or(0),
            scope: self.background_scope.get(first).copied().flatten(),
            contrast: p.marker && self.other_kind_before(kind, first),
        }
    }

    /// Whether a trigger or count noun of another kind comes before token
    /// `first` in its sentence.
    fn other_kind_before(&self, kind: CasualtyKind, first: usize) -> bool {
        let mut k = first;
        while k > 0 && self.same_seg(k - 1, first) {
            k -= 1;
            if !self.w.toks[k].is_word() {
                continue;
            }
            if let Some((entries, _)) = self.trigger_at(k, false) {
                if entries
                    .iter()
                    .any(|&e| self.lex.entries[e].kind != Some(kind))
                {
                    return true;
                }
            }
            if let Some((f, _, _)) = self.noun_at(k, false) {
                if f.count_kind.is_some_and(|c| c != kind) {
                    return true;
                }
            }
        }
        false
    }

    /// Statements introduced by the trigger at `i`.
    fn at_trigger(&mut self, i: usize) -> bool {
        let Some((entries, t_end)) = self.trigger_at(i, false) else {
            return false;
        };
        // Only attempts and negations block a trigger: a breakdown word just
        // before a verb is its subject (`أحدهم فقد إحدى عينيه`).
        let attempt = self
            .prev_word(i)
            .is_some_and(|p| self.lex.blockers.contains(p));
        if attempt || !self.span_free(i, t_end) {
            return false;
        }
        // Joint counts: `مقتل وجرح 10`، `مقتل وإصابة 10`.
        let joint = self.trigger_at(t_end, true).and_then(|(other, o_end)| {
            other.iter().find_map(|&o| {
                let oe = &self.lex.entries[o];
                (oe.after && oe.kind.is_some()).then_some((oe.kind?, o_end))
            })
        });
        if let Some((k2, o_end)) = joint {
            // `قُتلوا وأصيب 90 آخرون`: a verb whose subject came before.
            for &e in &entries {
                let entry = self.lex.entries[e].clone();
                if entry.before && entry.kind != Some(k2) && self.before_trigger(i, t_end, &entry) {
                    return true;
                }
            }
            // One count shared by both: a plural that is not `آخرين`
            // (`قتل وأصيب طفل آخر` is two statements).
            let ctx = PhraseCtx {
                kind: None,
                numeric_only: false,
            };
            let kind = entries.iter().find_map(|&e| {
                let entry = &self.lex.entries[e];
                (entry.after && entry.kind.is_some() && entry.kind != Some(k2))
                    .then_some(entry.kind?)
            });
            if let (Some(kind), Some(p)) = (kind, self.phrase(o_end, ctx)) {
                let last = p.end.saturating_sub(1);
                if p.count >= 2
                    && !p.marker
                    && self.same_seg(i, last)
                    && self.span_free(i, last + 1)
                {
                    let s = self.statement(kind, &p, i, last, true);
                    self.emit(s);
                    let s2 = self.statement(k2, &p, i, last, true);
                    if !self.disease_after(s2.last) {
                        self.out.push(s2);
                    }
                    return true;
                }
            }
            return false;
        }
        for &e in &entries {
            let entry = self.lex.entries[e].clone();
            let mut start = t_end;
            if entry.after {
                for g in &entry.gap {
                    if self.w.seq_at(start, g, false) {
                        start += g.len();
                        break;
                    }
                }
                let ctx = PhraseCtx {
                    kind: entry.kind,
                    numeric_only: entry.numeric_only,
                };
                if let Some(p) = self
                    .phrase(start, ctx)
                    .or_else(|| self.after_subject(start, &entry, ctx))
                    .or_else(|| self.reach_count(i, start, &entry, ctx))
                {
                    let kind = entry.kind.or(p.count_kind);
                    if let Some(kind) = kind {
                        let mut last = p.end.saturating_sub(1);
                        let closer_ok = if entry.closer.is_empty() {
                            true
                        } else if let Some(c) = self.find_closer(&entry, p.end, i) {
                            last = c;
                            true
                        } else {
                            false
                        };
                        if closer_ok
                            && self.same_seg(i, p.end.saturating_sub(1))
                            && self.span_free(i, last + 1)
                        {
                            let s = self.statement(kind, &p, i, last, false);
                            self.emit(s);
                            return true;
                        }
                    }
                }
            }
            if entry.before && self.before_trigger(i, t_end, &entry) {
                return true;
            }
        }
        false
    }

    /// A counted object after a verb's subject or an adverbial:
    /// `قتلت القوات التركية 3 مدنيين`، `أصيب في القصف 5 أطفال`.
    fn after_subject(&self, start: usize, entry: &TriggerEntry, ctx: PhraseCtx) -> Option<Phrase> {
        // Time words (`أمس الأحد،`) cannot be the subject: after them even a
        // single victim is the one the verb is about, and a comma may follow.
        let is_time = |x: usize| {
            self.word(x)
                .is_some_and(|w| self.lex.time_words.contains(w))
        };
        let mut all_time = true;
        let mut k = start;
        let mut words = 0;
        while words < entry.subject_gap {
            match self.class(k) {
                Some(TokClass::Word) => {}
                Some(TokClass::SoftBreak) if all_time && words > 0 => {
                    k += 1;
                    continue;
                }
                _ => return None,
            }
            let w = self.word(k).unwrap_or_default();
            if self.trigger_at(k, false).is_some()
                || self.lex.numbers.count(&self.w, k, false).is_some()
                || self.lex.breakdown.contains(w)
            {
                return None;
            }
            all_time &= is_time(k);
            words += 1;
            k += 1;
            if self.class(k) == Some(TokClass::SoftBreak) && !all_time {
                return None;
            }
            let Some(p) = self.phrase(k, ctx).or_else(|| {
                (all_time && self.class(k) == Some(TokClass::SoftBreak))
                    .then(|| self.phrase(k + 1, ctx))
                    .flatten()
            }) else {
                continue;
            };
            if p.has_noun && !p.approximate && (p.first_is_count || all_time) {
                return Some(p);
            }
        }
        None
    }

    /// A toll reaching its count further on in the clause: `ارتفعت حصيلة
    /// القتلى جراء القصف على مناطق عدة إلى 23 مقاتلاً`. Only for count-only
    /// triggers, through their longer gap words (`إلى`، `لتصل إلى`).
    fn reach_count(
        &self,
        i: usize,
        start: usize,
        entry: &TriggerEntry,
        ctx: PhraseCtx,
    ) -> Option<Phrase> {
        if !entry.numeric_only {
            return None;
        }
        let mut words = 0;
        let mut k = start;
        while words < 16 && k < self.w.toks.len() && self.same_seg(i, k) {
            if self.class(k) == Some(TokClass::Word) {
                for g in entry.gap.iter().filter(|g| g[0].chars().count() >= 3) {
                    if self.w.seq_at(k, g, false) {
                        if let Some(p) = self.phrase(k + g.len(), ctx) {
                            return Some(p);
                        }
                    }
                }
                words += 1;
            }
            k += 1;
        }
        None
    }

    /// A victim phrase before the verb trigger at `i`: `30 شخصاً قُتلوا`.
    fn before_trigger(&mut self, i: usize, t_end: usize, entry: &TriggerEntry) -> bool {
        // A verb with `و`/`ف` starts a new clause: its subject is not before it.
        if let Some(w) = self.word(i) {
            if !self.lex.triggers.contains_key(w) && w.starts_with(['و', 'ف']) {
                return false;
            }
        }
        let mut last = t_end - 1;
        if !entry.closer.is_empty() {
            match self.find_closer(entry, t_end, i) {
                Some(c) => last = c,
                None => return false,
            }
        }
        // Go back over words and quotes to the start of the clause.
        let mut lo = i;
        let mut words = 0;
        while lo > 0 && words < 16 {
            match self.class(lo - 1) {
                Some(TokClass::Word | TokClass::Digits) => words += 1,
                Some(TokClass::Quote) => {}
                _ => break,
            }
            lo -= 1;
        }
        let ctx = PhraseCtx {
            kind: entry.kind,
            numeric_only: false,
        };
        for k in lo..i {
            if !matches!(self.class(k), Some(TokClass::Word | TokClass::Digits)) || self.consumed[k]
            {
                continue;
            }
            let Some(p) = self.phrase(k, ctx) else {
                continue;
            };
            if !p.has_noun || p.end > i {
                continue;
            }
            let gap_words = (p.end..i)
                .filter(|&g| self.class(g) == Some(TokClass::Word))
                .count();
            let clean =
                (p.end..i).all(|g| matches!(self.class(g), Some(TokClass::Word | TokClass::Quote)));
            if !clean || gap_words > 5 || self.blocked(k) {
                continue;
            }
            let Some(kind) = entry.kind.or(p.count_kind) else {
                continue;
            };
            if !self.span_free(k, last + 1) {
                return false;
            }
            let s = self.statement(kind, &p, k, last, false);
            self.emit(s);
            return true;
        }
        false
    }

    /// A count noun that states casualties by itself: `27 قتيلاً`، `قتيلين`.
    fn at_count_noun(&mut self, i: usize) -> bool {
        if self.consumed[i] || self.is_breakdown(i) || self.blocked(i) {
            return false;
        }
        let ctx = PhraseCtx {
            kind: None,
            numeric_only: false,
        };
        let Some(p) = self
            .phrase(i, ctx)
            .or_else(|| self.phrase_waw(i, true, ctx))
        else {
            return false;
        };
        // `20 بين قتيل وجريح`
        let between_kind = || {
            (self.word(p.end) == Some("بين"))
                .then(|| self.noun_at(p.end + 1, false))
                .flatten()
                .and_then(|(f, _, _)| f.count_kind)
        };
        let Some(kind) = p.count_kind.or_else(between_kind) else {
            return false;
        };
        // `20 معتقلاً`، `50 أسيراً` by themselves are as often releases and
        // exchanges as arrests: only a trigger makes them statements.
        if matches!(kind, CasualtyKind::Captured | CasualtyKind::Arrested) {
            return false;
        }
        // `اثنين من القتلى` is a part of victims counted elsewhere.
        if (i..p.end).any(|k| {
            self.word(k) == Some("من")
                && self.word(k + 1).is_some_and(|w| {
                    w.starts_with("ال")
                        && self
                            .noun_at(k + 1, false)
                            .is_some_and(|(f, _, _)| f.count_kind.is_some())
                })
        }) {
            return false;
        }
        // `أحد المصابين` points back at victims already counted.
        if self
            .w
            .word_waw(i, false)
            .map(|w| strip_waw(w).unwrap_or(w))
            .is_some_and(|w| w == "احد" || w == "احدي")
        {
            return false;
        }
        // `بين قتيل وجريح` without a count of its own: a joint description.
        if p.count == 1
            && self
                .prev_word(i)
                .is_some_and(|w| self.noun_at_word_is_count(w))
        {
            let before = self.w.toks[..i]
                .iter()
                .rposition(|t| t.is_word())
                .unwrap_or(0);
            if self.prev_word(before) == Some("بين") {
                return false;
            }
        }
        // A definite singular (`القتيل`) refers back to a count already given.
        if p.count == 1 && p.generic && self.word(i).is_some_and(|w| w.starts_with("ال")) {
            return false;
        }
        let mut last = p.end.saturating_sub(1);
        let mut joint = None;
        // `10 قتلى وجرحى`، `10 بين قتيل وجريح`
        let next = if self.word(p.end) == Some("بين") {
            p.end + 1
        } else {
            p.end
        };
        for (k, waw) in [(next, true), (next, false)] {
            if let Some((f, _, end)) = self.noun_at(k, waw) {
                if f.count_kind.is_some() && f.count_kind != Some(kind) {
                    joint = f.count_kind;
                    last = end - 1;
                    break;
                }
            }
        }
        if self.word(p.end) == Some("بين") && joint.is_none() {
            // `بين قتيل وجريح` after a count: the second noun carries و.
            if let Some((_, _, e1)) = self.noun_at(p.end + 1, false) {
                if let Some((f2, _, e2)) = self.noun_at(e1, true) {
                    if f2.count_kind.is_some() && f2.count_kind != Some(kind) {
                        joint = f2.count_kind;
                        last = e2 - 1;
                    }
                }
            }
        }
        if !self.span_free(i, last + 1) || !self.same_seg(i, last) {
            return false;
        }
        let s = self.statement(kind, &p, i, last, joint.is_some());
        self.emit(s);
        if let Some(k2) = joint {
            let s2 = self.statement(k2, &p, i, last, true);
            if !self.disease_after(s2.last) {
                self.out.push(s2);
            }
        }
        true
    }
}

/// Find the casualty statements in `text` (a clean article's text).
/// `sentences` are byte spans of `text`; each statement reports the one it
/// starts in (or its own clause when the spans do not cover it).
pub fn extract_casualties(text: &str, sentences: &[Span]) -> Vec<Casualty> {
    let normalized = normalize(text, &NormalizerConfig::matching());
    extract_from_normalized(text, &normalized, sentences)
}

/// [`extract_casualties`] for a text whose matching view the caller already
/// has: the tagger match-normalizes each article once for the entity
/// matcher and hands the same view here, saving a second pass over the
/// text. `matched` must be [`MatchText::new`]`(text)`; if it was built from
/// a text of another length it is ignored and `text` is normalized afresh.
pub fn extract_casualties_matched(
    text: &str,
    matched: &MatchText,
    sentences: &[Span],
) -> Vec<Casualty> {
    let normalized = matched.normalized();
    if normalized.original_len() != text.len() {
        return extract_casualties(text, sentences);
    }
    extract_from_normalized(text, normalized, sentences)
}

fn extract_from_normalized(
    text: &str,
    normalized: &Normalized,
    sentences: &[Span],
) -> Vec<Casualty> {
    let lex = lexicon();
    let norm = normalized.as_str();
    // A `.` or `*` between letters is a filter-dodging mark inside a word
    // (`مقـ.ـتل`، `د*اع*ش`) when a `*`, or a `.` with tatweel next to it in
    // the original text.
    let glue = |pos: usize| {
        if norm.as_bytes().get(pos) == Some(&b'*') {
            return true;
        }
        let r = normalized.original_range(pos, pos + 1);
        let before = text[..r.start].chars().next_back();
        before == Some('\u{0640}') || text[r.start..r.end].contains('\u{0640}')
    };
    let (toks, joined) = tokenize_glued(norm, &glue);
    if toks.is_empty() {
        return vec![];
    }
    // Valid sentence spans, sorted.
    let mut sents: Vec<Span> = sentences
        .iter()
        .copied()
        .filter(|s| {
            s.start <= s.end
                && s.end <= text.len()
                && text.is_char_boundary(s.start)
                && text.is_char_boundary(s.end)
        })
        .collect();
    sents.sort_by_key(|s| (s.start, s.end));
    // Original start and end of a token, mapped back only where needed:
    // mapping every token costs a search in the alignment each.
    let orig_start = |k: usize| {
        normalized
            .original_range(toks[k].start, toks[k].start)
            .start
    };
    let orig_end = |k: usize| normalized.original_range(toks[k].start, toks[k].end).end;
    let sent_of = |pos: usize| -> Option<usize> {
        let k = sents.partition_point(|s| s.start <= pos);
        (k > 0 && pos < sents[k - 1].end).then(|| k - 1)
    };
    // The sentence of a token depends only on where its original start
    // lies among the sentence starts and ends, and original starts grow
    // with the token index: binary-search the first token past each such
    // cut, then look up one sentence per run of tokens between cuts.
    let mut cuts: Vec<usize> = sents.iter().flat_map(|s| [s.start, s.end]).collect();
    cuts.sort_unstable();
    cuts.dedup();
    //
    // Each mapping costs a search in the alignment, so the search starts
    // from a guess: the token at the cut shifted by how far original and
    // normalized offsets were apart at the last cut (they drift slowly, as
    // diacritics and tatweel are dropped), and widens from there.
    // Runs are kept with the original start of their first token (the
    // search has already mapped it).
    let mut run_starts: Vec<(usize, usize)> = Vec::with_capacity(cuts.len() + 2);
    run_starts.push((0, orig_start(0)));
    let mut drift = 0isize;
    for &cut in &cuts {
        let from = run_starts.last().map_or(0, |r| r.0);
        let target = cut as isize - drift;
        let guess = from + toks[from..].partition_point(|t| (t.start as isize) < target);
        // The last token found at or past the cut, with its original start.
        let past_cut = std::cell::Cell::new((usize::MAX, 0));
        let lo = partition_from(from, toks.len(), guess, |k| {
            let orig = orig_start(k);
            if orig >= cut {
                past_cut.set((k, orig));
            }
            orig < cut
        });
        let mut orig = 0;
        if lo < toks.len() {
            orig = match past_cut.get() {
                (k, orig) if k == lo => orig,
                _ => orig_start(lo),
            };
            drift = orig as isize - toks[lo].start as isize;
        }
        run_starts.push((lo, orig));
    }
    run_starts.push((toks.len(), 0));
    run_starts.dedup_by_key(|r| r.0);
    let mut tok_sent = vec![None; toks.len()];
    for run in run_starts.windows(2) {
        if run[0].0 < run[1].0 {
            tok_sent[run[0].0..run[1].0].fill(sent_of(run[0].1));
        }
    }
    let mut seg = Vec::with_capacity(toks.len());
    let mut cur = 0usize;
    for k in 0..toks.len() {
        if k > 0 && (tok_sent[k] != tok_sent[k - 1] || toks[k - 1].class == TokClass::HardBreak) {
            cur += 1;
        }
        seg.push(cur);
    }
    let mut ex = Extractor {
        lex,
        w: Words {
            norm,
            toks: &toks,
            joined: (!joined.is_empty()).then_some(&joined),
        },
        seg,
        consumed: vec![false; toks.len()],
        out: Vec::new(),
        background_scope: vec![],
    };
    ex.background_scope = background_scopes(&ex);
    // Which words may end with a trigger or a count noun: the filters rule
    // out nearly every word before the lookups with clitic stripping.
    const TRIGGER: u8 = 1;
    const COUNT_NOUN: u8 = 2;
    let ends_of = |word: &str| {
        let tails = Tails::of(word);
        let mut ends = 0;
        if lex.trigger_ends.may_end_with(&tails) {
            ends |= TRIGGER;
        }
        if lex.count_noun_ends.may_end_with(&tails) {
            ends |= COUNT_NOUN;
        }
        ends
    };
    let mut word_ends = vec![0u8; toks.len()];
    for (ends, t) in word_ends.iter_mut().zip(&toks) {
        if t.is_word() {
            *ends = ends_of(&norm[t.start..t.end]);
        }
    }
    for (&k, joined) in &joined {
        word_ends[k] = ends_of(joined);
    }
    for (i, &ends) in word_ends.iter().enumerate() {
        if ends & TRIGGER != 0 && !ex.consumed[i] {
            ex.at_trigger(i);
        }
    }
    // Count-noun statements need a count noun within a few words: keep the
    // next one at or after each position so most words are skipped cheaply
    // (whether a word is a count noun does not change as statements are
    // found, so each word is tested once).
    let words = Words {
        norm,
        toks: &toks,
        joined: ex.w.joined,
    };
    let is_count_noun = |k: usize| {
        word_ends[k] & COUNT_NOUN != 0 && words.word(k).is_some_and(|w| maybe_count_noun(lex, w))
    };
    let mut count_nouns = (0..toks.len()).filter(|&k| is_count_noun(k));
    let mut next_count_noun = count_nouns.next().unwrap_or(usize::MAX);
    for (i, t) in toks.iter().enumerate() {
        while next_count_noun < i {
            next_count_noun = count_nouns.next().unwrap_or(usize::MAX);
        }
        if matches!(t.class, TokClass::Word | TokClass::Digits)
            && !ex.consumed[i]
            && next_count_noun.saturating_sub(i) <= 8
        {
            ex.at_count_noun(i);
        }
    }
    let mut stmts = std::mem::take(&mut ex.out);
    stmts.sort_by_key(|s| (s.first, s.last));
    let kept = dedupe(&stmts);

    // Map to the original text.
    let seg_bounds = |sg: usize| -> (usize, usize) {
        let first = ex.seg.iter().position(|&x| x == sg).unwrap_or(0);
        let last = ex.seg.iter().rposition(|&x| x == sg).unwrap_or(first);
        let mut a = first;
        let mut b = last;
        while a < b && toks[a].class == TokClass::HardBreak {
            a += 1;
        }
        while b > a && toks[b].class == TokClass::HardBreak {
            b -= 1;
        }
        (orig_start(a), orig_end(b))
    };
    kept.into_iter()
        .map(|s| {
            let start = orig_start(s.first);
            let end = orig_end(s.last).max(start);
            let sentence = match sent_of(start) {
                Some(k) => sents[k],
                None => {
                    let (a, b) = seg_bounds(s.seg);
                    Span::new(a.min(start), b.max(end))
                }
            };
            Casualty {
                kind: s.kind,
                count: s.count,
                approximate: s.approximate,
                victim_entity: None,
                sentence,
                text: text[start..end].to_string(),
            }
        })
        .collect()
}

/// The first index in `from..n` where `before` turns false (`n` if it never
/// does), for a `before` that is true up to some index and false after:
/// the same answer as a binary search over `from..n`, found with few calls
/// of `before` when `guess` is close to it (a search widening from the
/// guess, then a binary search within the bracket found).
fn partition_from(from: usize, n: usize, guess: usize, before: impl Fn(usize) -> bool) -> usize {
    let guess = guess.clamp(from, n);
    // The answer lies in lo..=hi: every index below lo is before, and hi is
    // n or not before.
    let (mut lo, mut hi);
    if guess < n && before(guess) {
        lo = guess + 1;
        let mut step = 1;
        hi = loop {
            let probe = guess + step;
            if probe >= n {
                break n;
            }
            if !before(probe) {
                break probe;
            }
            lo = probe + 1;
            step *= 2;
        };
    } else {
        hi = guess;
        let mut step = 1;
        lo = loop {
            if guess - from < step {
                break from;
            }
            let probe = guess - step;
            if before(probe) {
                break probe + 1;
            }
            hi = probe;
            step *= 2;
        };
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The paragraph of each token when its paragraph opens with a background
/// marker (`وكان ...`، `وقبل أيام`، `وفي سياق منفصل`).
fn background_scopes(ex: &Extractor) -> Vec<Option<usize>> {
    let toks = ex.w.toks;
    let mut out = Vec::with_capacity(toks.len());
    let mut par = 0;
    let mut at_start = true;
    let mut background = false;
    for (k, t) in toks.iter().enumerate() {
        if t.class == TokClass::HardBreak && t.text(ex.w.norm) == "\n" {
            par += 1;
            at_start = true;
            background = false;
            out.push(None);
            continue;
        }
        if at_start && t.is_word() {
            at_start = false;
            let first = t.text(ex.w.norm);
            let first = first
                .strip_prefix(['و', 'ف'])
                .filter(|r| r.chars().count() >= 2)
                .unwrap_or(first);
            background = ex.lex.background_markers.iter().any(|m| {
                first == m[0]
                    && m[1..]
                        .iter()
                        .enumerate()
                        .all(|(j, w)| ex.word(k + 1 + j) == Some(w.as_str()))
            });
        }
        out.push(background.then_some(par));
    }
    out
}

/// Drop repeated statements of the same incident (see the module docs).
fn dedupe(stmts: &[Statement]) -> Vec<Statement> {
    let mut kept: Vec<Statement> = Vec::new();
    for (idx, s) in stmts.iter().enumerate() {
        // `آخرين` marks further victims only when it does not contrast with
        // a statement of another kind just before it (`قتل شخص وجرح آخر`).
        let prev_in_sentence = stmts[..idx].iter().rev().find(|p| p.seg == s.seg);
        let further = s.marker && !s.contrast && prev_in_sentence.is_none_or(|p| p.kind == s.kind);
        let dup = !further
            && kept.iter().any(|k| {
                k.kind == s.kind
                    && k.scope == s.scope
                    && k.count == s.count
                    && k.approximate == s.approximate
                    && !(s.count == 1
                        && !k.generic
                        && !s.generic
                        && k.lemma.is_some()
                        && s.lemma.is_some()
                        && k.lemma != s.lemma)
            });
        if !dup {
            kept.push(s.clone());
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_matching_view_gives_the_same_statements() {
        // Upper case, `_` and in-word `*` make the name-lookup view differ
        // from the normalized text the extractor reads.
        let text = "قُتل 3 عناصر من د*اع*ش في #دير_الزور، وأصيب TWO مدنيين.\nمقـ.ـتل 12 شخصاً";
        let sentences = [Span::new(0, text.len())];
        let alone = extract_casualties(text, &sentences);
        assert!(alone.len() >= 2, "{alone:?}");
        let shared = extract_casualties_matched(text, &MatchText::new(text), &sentences);
        assert_eq!(alone, shared);
        // A view of another text is not used.
        let other = extract_casualties_matched(text, &MatchText::new("نص آخر"), &sentences);
        assert_eq!(alone, other);
    }

    #[test]
    fn each_statement_reports_its_own_sentence() {
        // Diacritics and tatweel make the alignment non-linear, so token
        // offsets in the matching view differ from the original ones.
        let parts = [
            "قُتِلَ ثلاثةُ مدنيين في القصف. ",
            "وأُصيـب خمسة أطفال بجروح. ",
            "ولا شيء هنا. ",
            "واعتُقل 4 شبان.",
        ];
        let text = parts.concat();
        let mut sentences = Vec::new();
        let mut at = 0;
        for p in parts {
            sentences.push(Span::new(at, at + p.trim_end().len()));
            at += p.len();
        }
        let found = extract_casualties(&text, &sentences);
        let got: Vec<(u32, Span)> = found.iter().map(|c| (c.count, c.sentence)).collect();
        assert_eq!(
            got,
            [(3, sentences[0]), (5, sentences[1]), (4, sentences[3])],
            "{found:?}"
        );
    }

    #[test]
    fn partition_from_any_guess_matches_binary_search() {
        for n in 0..12 {
            for from in 0..=n {
                for turn in from..=n {
                    for guess in 0..=n + 2 {
                        let calls = std::cell::Cell::new(0);
                        let got = partition_from(from, n, guess, |k| {
                            assert!((from..n).contains(&k), "probe {k} outside {from}..{n}");
                            calls.set(calls.get() + 1);
                            k < turn
                        });
                        assert_eq!(got, turn, "from {from} n {n} guess {guess}");
                        if guess == turn && turn < n {
                            assert!(calls.get() <= 2, "an exact guess costs two probes");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn lexicon_loads() {
        validate_lexicon().unwrap();
        let lex = lexicon();
        assert!(lex.triggers.contains_key(&fold("مقتل")));
        assert!(lex.nouns.contains_key(&fold("عنصرين")), "derived dual");
        assert!(!lex
            .nouns
            .get(&fold("مدنيين"))
            .unwrap()
            .iter()
            .any(|f| f.number == GramNumber::Dual));
    }
}
