//! rasd-tag: the tag stage core. [`CleanArticle`] in, [`TaggedArticle`] out;
//! no I/O.
//!
//! The tagger resolves every name an article uses to one canonical entity:
//! - [`kb`]: the knowledge base (curated records, admin units, communities),
//!   embedded in the binary and loaded once;
//! - [`matcher`]: Aho-Corasick over the match-normalized text, anchored at
//!   word starts and after proclitics, with context rules for village names
//!   and weak aliases;
//! - [`discovery`]: trigger + name patterns for names the knowledge base
//!   does not hold;
//! - [`casualties`]: casualty counts, linked here to the armed group or
//!   state named next to them;
//! - [`eval`]: document-level scoring against hand-annotated gold files
//!   (`rasd eval`).
//!
//! Mentions are byte spans of `CleanArticle.text` (or of the title, with
//! `in_title`), always on char boundaries, and their `text` equals the slice.
//! An entity named only in a dateline or byline that the cleaner removed
//! (`إدلب- نورث برس`, or `CleanArticle.outlet`) is still listed, with no
//! mentions (`count: 0`) and the lowest salience.
//!
//! Non-Arabic articles (`lang` neither `ar` nor `und`, detected with
//! confidence ≥ 0.5) pass through untagged with `skipped` set.

pub mod casualties;
pub mod discovery;
pub mod eval;
pub mod kb;
pub mod matcher;
pub mod norm;
#[allow(dead_code)]
mod numbers;
pub mod rules;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::time::{Duration, Instant};

use rasd_model::{
    Casualty, CleanArticle, EntitySource, EntityType, Mention, Span, TaggedArticle, TaggedEntity,
};

use crate::discovery::discover;
use crate::kb::{ContextRule, Kb, Origin};
use crate::matcher::{words, Candidate, Context, Matcher, Target, Targets, Word};
use crate::norm::MatchText;
use crate::rules::Rules;

/// Below this language-detection confidence an article that is not marked
/// `ar` is still tagged (short or mixed texts are often misdetected).
const SKIP_LANG_CONFIDENCE: f64 = 0.5;

/// Salience weights of a mention by position.
const TITLE_WEIGHT: f64 = 3.0;
const LEAD_WEIGHT: f64 = 2.0;
const BODY_WEIGHT: f64 = 1.0;
/// Weight of an entity named only in a removed dateline or byline.
const UNPLACED_WEIGHT: f64 = 0.5;

/// The entity and casualty tagger with its knowledge base loaded.
#[derive(Debug)]
pub struct Tagger {
    kb: Kb,
    rules: Rules,
    matcher: Matcher,
    /// Lower-cased English names of MEDIA entities (for `CleanArticle.outlet`).
    outlets: HashMap<String, u32>,
    load_time: Duration,
}

/// What a found name refers to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum EntityKey {
    Kb(u32),
    Discovered(EntityType, String),
}

/// A name found in one text, in matching-text offsets.
#[derive(Debug, Clone)]
struct Found {
    start: usize,
    end: usize,
    first_word: usize,
    last_word: usize,
    key: EntityKey,
    /// 0 for knowledge-base names, 1 for discovered ones (ties go to KB).
    priority: u8,
    /// The alias is an adjective-like form (`العراقي`), see [`adjective`].
    adjective: bool,
}

/// A nisba adjective (`العراقي`, `الروسية`, `الإيرانيين`): such STATE
/// aliases add no country right after a group or person name
/// (`حزب الله العراقي`).
fn adjective(key: &str) -> bool {
    key.starts_with("ال")
        && (key.ends_with('ي')
            || key.ends_with("يه")
            || key.ends_with("يين")
            || key.ends_with("يون"))
}

impl Tagger {
    /// Load the knowledge base shipped with the crate.
    pub fn load_default() -> Result<Self, String> {
        let t0 = Instant::now();
        let rules = match kb::TRIGGERS_JSON {
            Some(src) => Rules::parse(src)?,
            None => Rules::default(),
        };
        let mut kb = Kb::load_with_common_words(&rules.common_words)?;
        kb.common_words.extend(rules.common_words.iter().cloned());
        let matcher = Matcher::build(&kb, &rules)?;
        let mut outlets = HashMap::default();
        for (i, e) in kb.entities.iter().enumerate() {
            if e.entity_type == EntityType::Media {
                for n in std::iter::once(&e.name_en).chain(e.aliases_en.iter()) {
                    outlets.entry(n.trim().to_lowercase()).or_insert(i as u32);
                }
            }
        }
        Ok(Tagger {
            kb,
            rules,
            matcher,
            outlets,
            load_time: t0.elapsed(),
        })
    }

    pub fn kb(&self) -> &Kb {
        &self.kb
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Time [`Tagger::load_default`] took (parsing, merging, compiling).
    pub fn load_time(&self) -> Duration {
        self.load_time
    }

    /// The compiled alias matcher.
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// Number of distinct match keys in the automaton.
    pub fn pattern_count(&self) -> usize {
        self.matcher.pattern_count()
    }

    /// Tag one clean article.
    pub fn process(&self, article: &CleanArticle) -> TaggedArticle {
        self.process_owned(article.clone())
    }

    /// [`Tagger::process`] for an article the caller no longer needs: the
    /// tagged article takes it over instead of copying its text (the stage
    /// decodes each input just for this call).
    pub fn process_owned(&self, article: CleanArticle) -> TaggedArticle {
        let mut out = TaggedArticle {
            article,
            entities: vec![],
            casualties: vec![],
            events: vec![],
            skipped: None,
        };
        let article = &out.article;
        if article.lang != "ar"
            && article.lang != "und"
            && article.lang_confidence >= SKIP_LANG_CONFIDENCE
        {
            out.skipped = Some(format!(
                "language `{}` (confidence {:.2}) is not Arabic",
                article.lang, article.lang_confidence
            ));
            return out;
        }

        let body = MatchText::new(&article.text);
        let title = MatchText::new(&article.title);
        let body_words = words(body.as_str());
        let title_words = words(title.as_str());
        let body_cands = self.matcher.candidates(body.as_str(), &body_words);
        let title_cands = self.matcher.candidates(title.as_str(), &title_words);
        // Entities named without any context rule anywhere: known parents.
        let mut article_entities = HashSet::default();
        for c in body_cands.iter().chain(title_cands.iter()) {
            for t in &c.targets {
                if self.bare(c, *t) {
                    article_entities.insert(t.entity);
                }
            }
        }
        let body_found = self.find(
            body.as_str(),
            &body_words,
            &body_cands,
            &article_entities,
            false,
        );
        let title_found = self.find(
            title.as_str(),
            &title_words,
            &title_cands,
            &article_entities,
            false,
        );

        let lead_end = article.paragraphs.first().map_or(0, |p| p.end);
        // Each entity with its salience score.
        let mut entities: Vec<(TaggedEntity, f64)> = Vec::new();
        let mut slot: HashMap<EntityKey, usize> = HashMap::default();

        // Datelines and bylines the cleaner cut from the text still name
        // the outlet and the place the report is filed from
        // (`إدلب- نورث برس`, `تشرين:`). Their entities have no mention
        // (nothing in `text` to point at) and the lowest weight.
        let mut unplaced: Vec<EntityKey> = Vec::new();
        for r in article
            .removed
            .iter()
            .filter(|r| r.kind == "dateline" || r.kind == "byline")
        {
            let mt = MatchText::new(&r.text);
            let ws = words(mt.as_str());
            let cands = self.matcher.candidates(mt.as_str(), &ws);
            for f in self.find(mt.as_str(), &ws, &cands, &article_entities, true) {
                if matches!(f.key, EntityKey::Kb(_)) && !unplaced.contains(&f.key) {
                    unplaced.push(f.key);
                }
            }
        }
        if let Some(outlet) = article.outlet.as_deref() {
            if let Some(&i) = self.outlets.get(&outlet.trim().to_lowercase()) {
                if !unplaced.contains(&EntityKey::Kb(i)) {
                    unplaced.push(EntityKey::Kb(i));
                }
            }
        }
        let sources = [
            (&title_found, &title, &article.title, true),
            (&body_found, &body, &article.text, false),
        ];
        // Two passes: the first gives each mention its entity (creating
        // entities in order of first mention) and counts the mentions, so
        // the second fills each mention list without regrowing it.
        let mut placed: Vec<(usize, std::ops::Range<usize>, bool)> =
            Vec::with_capacity(title_found.len() + body_found.len());
        let mut counts: Vec<usize> = Vec::new();
        for (found, mt, original, in_title) in sources {
            for f in found {
                let r = mt.original_range(f.start, f.end);
                // Look up before inserting: most names are mentioned more
                // than once, and the key of a discovered name owns a string.
                let i = match slot.get(&f.key) {
                    Some(&i) => i,
                    None => {
                        entities.push((self.new_entity(&f.key, &original[r.clone()]), 0.0));
                        counts.push(0);
                        slot.insert(f.key.clone(), entities.len() - 1);
                        entities.len() - 1
                    }
                };
                counts[i] += 1;
                placed.push((i, r, in_title));
            }
        }
        for (e, &n) in entities.iter_mut().zip(&counts) {
            e.0.mentions.reserve_exact(n);
        }
        let originals = [&article.title, &article.text];
        for (i, r, in_title) in placed {
            let weight = if in_title {
                TITLE_WEIGHT
            } else if r.start < lead_end {
                LEAD_WEIGHT
            } else {
                BODY_WEIGHT
            };
            let e = &mut entities[i];
            e.0.mentions.push(Mention {
                start: r.start,
                end: r.end,
                text: originals[usize::from(!in_title)][r].to_string(),
                in_title,
            });
            e.1 += weight;
        }
        for key in unplaced {
            if !slot.contains_key(&key) {
                slot.insert(key.clone(), entities.len());
                entities.push((self.new_entity(&key, ""), UNPLACED_WEIGHT));
            }
        }
        let max = entities.iter().map(|e| e.1).fold(0.0, f64::max);
        for (e, score) in &mut entities {
            e.count = e.mentions.len();
            e.salience = if max > 0.0 {
                ((*score / max) * 1000.0).round() / 1000.0
            } else {
                0.0
            };
            if e.source == EntitySource::Discovered {
                // The name as first written in the body (or title).
                if let Some(m) = e
                    .mentions
                    .iter()
                    .find(|m| !m.in_title)
                    .or(e.mentions.first())
                {
                    e.name_ar = m
                        .text
                        .trim_matches(|c: char| !c.is_alphanumeric())
                        .to_string();
                }
            }
        }
        let mut tagged: Vec<TaggedEntity> = entities.into_iter().map(|(e, _)| e).collect();
        tagged.sort_by(|a, b| {
            b.salience
                .partial_cmp(&a.salience)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.id.cmp(&b.id))
        });

        let mut casualties =
            casualties::extract_casualties_matched(&article.text, &body, &article.sentences);
        self.link_victims(&article.text, &tagged, &mut casualties);
        out.entities = tagged;
        out.casualties = casualties;
        out
    }

    /// Is this target matched without any context? (Only such mentions
    /// count as known parents for villages.)
    fn bare(&self, _c: &Candidate, t: Target) -> bool {
        t.rule == ContextRule::Bare
            && self.kb.entities[t.entity as usize].origin != Origin::Community
    }

    fn new_entity(&self, key: &EntityKey, text: &str) -> TaggedEntity {
        match key {
            EntityKey::Kb(i) => {
                let e = &self.kb.entities[*i as usize];
                TaggedEntity {
                    id: e.id.clone(),
                    entity_type: e.entity_type,
                    name_ar: e.name_ar.clone(),
                    name_en: e.name_en.clone(),
                    source: EntitySource::Kb,
                    mentions: vec![],
                    count: 0,
                    salience: 0.0,
                    lat: e.lat,
                    lon: e.lon,
                    coord_precision: e.precision.clone(),
                    parent: e.parent.clone(),
                    affiliations: e.affiliations.clone(),
                }
            }
            EntityKey::Discovered(ty, k) => TaggedEntity {
                id: format!(
                    "disc:{}:{}",
                    ty.as_str().to_ascii_lowercase(),
                    k.replace(' ', "_")
                ),
                entity_type: *ty,
                name_ar: text.to_string(),
                name_en: String::new(),
                source: EntitySource::Discovered,
                mentions: vec![],
                count: 0,
                salience: 0.0,
                lat: None,
                lon: None,
                coord_precision: None,
                parent: None,
                affiliations: vec![],
            },
        }
    }

    /// Names in one matching text, overlaps resolved.
    fn find(
        &self,
        text: &str,
        words: &[Word],
        cands: &[Candidate],
        article_entities: &HashSet<u32>,
        in_dateline: bool,
    ) -> Vec<Found> {
        // (entity, word) of every bare mention, sorted: one allocation per
        // text instead of a hash table of small vectors.
        let mut bare_positions: Vec<(u32, usize)> = Vec::with_capacity(cands.len());
        for c in cands {
            for t in &c.targets {
                if self.bare(c, *t) {
                    bare_positions.push((t.entity, c.first_word));
                }
            }
        }
        bare_positions.sort_unstable();
        let ctx = Context {
            kb: &self.kb,
            rules: &self.rules,
            text,
            words,
            article_entities,
            bare_positions: &bare_positions,
            in_dateline,
        };
        // Sized for the usual case (most candidates are accepted), to
        // spare the regrowth.
        let mut found: Vec<Found> = Vec::with_capacity(cands.len() + 16);
        let mut pending: Vec<&Candidate> = Vec::with_capacity(cands.len() / 4);
        for c in cands {
            // Most aliases name one entity: no list of allowed targets.
            let chosen = if let [t] = c.targets[..] {
                ctx.allows(c, t).then_some(t)
            } else {
                let allowed: Targets = c
                    .targets
                    .iter()
                    .copied()
                    .filter(|t| ctx.allows(c, *t))
                    .collect();
                ctx.choose(c, &allowed)
            };
            match chosen {
                Some(t) => found.push(self.kb_found(c, t, text)),
                None => pending.push(c),
            }
        }

        // Discovered names: a KB alias becomes its KB entity.
        let mut discovered: Vec<Found> = Vec::with_capacity(16);
        for mut d in discover(text, words, &self.rules) {
            // `حي X`, `جبل X` where X is a known place: that place.
            if d.name_start > d.start && d.entity_type == EntityType::Location {
                // `text` is already in matching form, with single spaces.
                let tail = &text[d.name_start..d.end];
                let is_place = self.matcher.lookup(tail).is_some_and(|ts| {
                    ts.iter().any(|t| {
                        self.kb.entities[t.entity as usize].entity_type == EntityType::Location
                    })
                });
                if is_place {
                    d.start = d.name_start;
                    d.first_word = words.partition_point(|w| w.end <= d.start);
                }
            }
            let key = &text[d.start..d.end];
            // Fewer than two chars.
            if key.chars().nth(1).is_none() {
                continue;
            }
            // A key that is only a weak alias of another type (`المشهد` the
            // channel, found after `أحياء`) does not stop discovery.
            let kb_targets = self.matcher.lookup(key).filter(|targets| {
                targets.iter().any(|t| {
                    t.rule != ContextRule::Cue
                        || self.kb.entities[t.entity as usize].entity_type == d.entity_type
                })
            });
            match kb_targets {
                Some(targets) => {
                    let same: Targets = targets
                        .iter()
                        .copied()
                        .filter(|t| {
                            self.kb.entities[t.entity as usize].entity_type == d.entity_type
                        })
                        .collect();
                    let c = Candidate {
                        start: d.start,
                        end: d.end,
                        first_word: d.first_word,
                        last_word: d.last_word,
                        clitic_len: 0,
                        targets: same.clone(),
                    };
                    if let Some(t) = ctx.choose(&c, &same) {
                        found.push(self.kb_found(&c, t, text));
                    }
                }
                None => discovered.push(Found {
                    start: d.start,
                    end: d.end,
                    first_word: d.first_word,
                    last_word: d.last_word,
                    key: EntityKey::Discovered(d.entity_type, key.to_string()),
                    priority: 1,
                    adjective: false,
                }),
            }
        }

        // `قرى X وY`, `X، وY`: a village joined by `و` to an accepted place.
        pending.sort_by_key(|c| c.start);
        // Likewise a weak alias of a group or person joined by `و` to an
        // accepted name of its type (`الأمن العام والعمشات والحمزة`).
        let mut end_words: HashMap<usize, EntityType> = found
            .iter()
            .map(|f| (f.last_word, self.key_type(&f.key)))
            .filter(|(_, ty)| {
                matches!(
                    ty,
                    EntityType::Location | EntityType::ArmedGroup | EntityType::Person
                )
            })
            .collect();
        for c in pending {
            let w = words[c.first_word];
            let conj = c.clitic_len > 0 && text[w.start..].starts_with('و');
            let prev_ty = (c.first_word > 0)
                .then(|| end_words.get(&(c.first_word - 1)).copied())
                .flatten();
            let Some(prev_ty) = prev_ty.filter(|_| conj) else {
                continue;
            };
            let gap = &text[words[c.first_word - 1].end..w.start];
            if !matches!(gap, " " | "، " | ", ") {
                continue;
            }
            let same: Targets = c
                .targets
                .iter()
                .copied()
                .filter(|t| self.kb.entities[t.entity as usize].entity_type == prev_ty)
                .filter(|t| (t.rule == ContextRule::Cue) != (prev_ty == EntityType::Location))
                .collect();
            if let Some(t) = ctx.choose(c, &same) {
                found.push(self.kb_found(c, t, text));
                end_words.insert(c.last_word, prev_ty);
            }
        }

        // A discovered name that overlaps a KB name is usually that name
        // with extra words (`لواء القدس الفلسطيني`) or a misreading; the KB
        // name wins. Two exceptions keep the discovered name: it extends a
        // KB name of its type to the left (`تل أم حوران` around `حوران`),
        // or the KB name is a country adjective inside it (`أبو فراس
        // السوري`).
        discovered.retain(|d| {
            let ty = self.key_type(&d.key);
            found
                .iter()
                .filter(|f| f.start < d.end && d.start < f.end)
                .all(|f| {
                    let inside = d.start <= f.start
                        && f.end <= d.end
                        && (d.end - d.start) > (f.end - f.start);
                    let fty = self.key_type(&f.key);
                    // `قرية صيدا الحانوت` around the village `صيدا`: a
                    // second word with the article makes another village.
                    let extends_place = inside
                        && ty == EntityType::Location
                        && fty == EntityType::Location
                        && f.start == d.start
                        && f.last_word + 1 == d.last_word
                        && text[words[d.last_word].start..].starts_with("ال")
                        // `طريق حلب الرقة` joins two known places.
                        && !found.iter().any(|g| {
                            g.first_word == d.last_word
                                && self.key_type(&g.key) == EntityType::Location
                        });
                    (inside && f.start > d.start && (fty == ty || fty == EntityType::Location))
                        || (inside && f.adjective && fty == EntityType::State)
                        || extends_place
                })
        });
        found.extend(discovered);

        // Longest first, KB before discovered, then leftmost; ties keep
        // their order (the index ends the key). Sorting small keys instead
        // of the names themselves saves moving them around.
        let mut order: Vec<(std::cmp::Reverse<usize>, u8, usize, usize)> = found
            .iter()
            .enumerate()
            .map(|(i, f)| (std::cmp::Reverse(f.end - f.start), f.priority, f.start, i))
            .collect();
        order.sort_unstable();
        let mut found: Vec<Option<Found>> = found.into_iter().map(Some).collect();
        // The spans taken so far, disjoint and sorted: a name is dropped
        // when it overlaps one (the nearest taken span starting before its
        // end is the only one that can reach into it).
        let mut taken: Vec<(usize, usize)> = Vec::new();
        let mut kept: Vec<Found> = Vec::with_capacity(order.len());
        for (.., i) in order {
            let Some(f) = found[i].take() else { continue };
            if f.start < f.end {
                let at = taken.partition_point(|&(s, _)| s < f.end);
                if at > 0 && taken[at - 1].1 > f.start {
                    continue;
                }
                taken.insert(at, (f.start, f.end));
            }
            kept.push(f);
        }
        kept.sort_by_key(|f| f.start);

        // Country adjectives that belong to a name before them add no
        // country (`حزب الله العراقي`), nor do currencies (`ليرة سورية`).
        let mut drop = vec![false; kept.len()];
        for i in 0..kept.len() {
            if self.key_type(&kept[i].key) != EntityType::State || kept[i].first_word == 0 {
                continue;
            }
            let prev_word =
                &text[words[kept[i].first_word - 1].start..words[kept[i].first_word - 1].end];
            // Only spaces or quotes between (`“حزب الله” العراقي`).
            let fw = kept[i].first_word;
            let tight = text[words[fw - 1].end..words[fw].start]
                .chars()
                .all(|c| c == ' ' || c == '"');
            if tight && self.rules.in_set(&self.rules.currency_words, prev_word) {
                drop[i] = true;
                continue;
            }
            if i > 0
                && kept[i].adjective
                && tight
                && kept[i - 1].last_word + 1 == kept[i].first_word
            {
                let pt = self.key_type(&kept[i - 1].key);
                if matches!(pt, EntityType::ArmedGroup | EntityType::Person) {
                    drop[i] = true;
                }
            }
        }
        let mut out: Vec<Found> = kept
            .into_iter()
            .zip(drop)
            .filter_map(|(f, d)| (!d).then_some(f))
            .collect();
        let regimes = self.regime_mentions(text, words, &out);
        if !regimes.is_empty() {
            out.extend(regimes);
            out.sort_by_key(|f| f.start);
        }
        self.merge_former_names(text, words, &mut out);
        out
    }

    /// `هيئة تحرير الشام (النصرة سابقاً)`: the text says the two names are
    /// one group, so every mention of the former name in this text counts
    /// for the current one (GUIDE). Markers: `former_markers` in
    /// triggers.json.
    /// Between a name and its former name: `(`, with quotes, commas and a
    /// linking word (`former_links`: `، وهي (`) around it.
    fn former_gap(&self, gap: &str) -> bool {
        let Some((before, after)) = gap.split_once('(') else {
            return false;
        };
        let junk = |c: char| matches!(c, ' ' | '"' | '،' | ',');
        if !after.trim_matches(junk).is_empty() {
            return false;
        }
        let link = before.trim_matches(junk);
        link.is_empty() || self.rules.in_set(&self.rules.former_links, link)
    }

    fn merge_former_names(&self, text: &str, words: &[Word], out: &mut [Found]) {
        let mut renames: Vec<(EntityKey, EntityKey)> = Vec::new();
        for pair in out.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let ty = self.key_type(&a.key);
            if a.key == b.key
                || !matches!(ty, EntityType::ArmedGroup | EntityType::Organization)
                || self.key_type(&b.key) != ty
                || !self.former_gap(&text[a.end..b.start])
                || b.last_word + 1 >= words.len()
            {
                continue;
            }
            let m = words[b.last_word + 1];
            let marker = &text[m.start..m.end];
            let closes = text[m.end..].trim_start().starts_with(')');
            if closes
                && text[b.end..m.start].trim().is_empty()
                && self.rules.in_set(&self.rules.former_markers, marker)
            {
                renames.push((b.key.clone(), a.key.clone()));
            }
        }
        for (from, to) in renames {
            for f in out.iter_mut().filter(|f| f.key == from) {
                f.key = to.clone();
            }
        }
    }

    /// `نظام بشار الأسد`, `قوات ماهر الأسد`: a regime word (`regime_words`
    /// in triggers.json) right before a person whose KB group is a state
    /// names that state too (GUIDE: both are tagged).
    fn regime_mentions(&self, text: &str, words: &[Word], kept: &[Found]) -> Vec<Found> {
        let mut out = Vec::new();
        for f in kept {
            let EntityKey::Kb(pi) = f.key else { continue };
            let person = &self.kb.entities[pi as usize];
            if person.entity_type != EntityType::Person || f.first_word == 0 {
                continue;
            }
            let p = f.first_word - 1;
            if &text[words[p].end..words[f.first_word].start] != " "
                || kept
                    .iter()
                    .any(|k| k.start < words[p].end && words[p].start < k.end)
            {
                continue;
            }
            let w = &text[words[p].start..words[p].end];
            let Some(stem) = self
                .rules
                .stems(w)
                .find(|st| self.rules.regime_words.contains(*st))
            else {
                continue;
            };
            let state = person.affiliations.iter().find_map(|id| {
                let i = self.kb.index_of(id)?;
                (self.kb.entities[i].entity_type == EntityType::State).then_some(i)
            });
            if let Some(si) = state {
                out.push(Found {
                    start: words[p].end - stem.len(),
                    end: words[p].end,
                    first_word: p,
                    last_word: p,
                    key: EntityKey::Kb(si as u32),
                    priority: 0,
                    adjective: false,
                });
            }
        }
        out
    }

    fn kb_found(&self, c: &Candidate, t: Target, text: &str) -> Found {
        Found {
            start: c.start,
            end: c.end,
            first_word: c.first_word,
            last_word: c.last_word,
            key: EntityKey::Kb(t.entity),
            priority: 0,
            adjective: adjective(&text[c.start..c.end]),
        }
    }

    fn key_type(&self, k: &EntityKey) -> EntityType {
        match k {
            EntityKey::Kb(i) => self.kb.entities[*i as usize].entity_type,
            EntityKey::Discovered(t, _) => *t,
        }
    }

    /// Set `victim_entity` on casualties whose phrase is followed (or
    /// preceded) closely by an armed group or state in the same sentence:
    /// `مقتل 28 عنصراً من داعش`.
    fn link_victims(&self, text: &str, entities: &[TaggedEntity], casualties: &mut [Casualty]) {
        for c in casualties.iter_mut() {
            if c.victim_entity.is_some() {
                continue;
            }
            let sent = c.sentence;
            if sent.end > text.len()
                || !text.is_char_boundary(sent.start)
                || !text.is_char_boundary(sent.end)
            {
                continue;
            }
            // Where the phrase sits in its sentence.
            let phrase = match text[sent.start..sent.end].find(c.text.as_str()) {
                Some(off) if !c.text.is_empty() => {
                    Span::new(sent.start + off, sent.start + off + c.text.len())
                }
                _ => sent,
            };
            let mut best: Option<(usize, &str)> = None;
            for e in entities {
                if !matches!(e.entity_type, EntityType::ArmedGroup | EntityType::State) {
                    continue;
                }
                for m in e.mentions.iter().filter(|m| !m.in_title) {
                    if m.start < sent.start || m.end > sent.end {
                        continue;
                    }
                    // Victims are named after the count (`من داعش`), within
                    // a few words; a name inside the phrase counts too.
                    let dist = if m.start >= phrase.start {
                        m.start.saturating_sub(phrase.end)
                    } else {
                        continue;
                    };
                    if dist <= 60 && !matches!(best, Some((d, _)) if d <= dist) {
                        best = Some((dist, e.id.as_str()));
                    }
                }
            }
            if let Some((_, id)) = best {
                c.victim_entity = Some(id.to_string());
            }
        }
    }
}
