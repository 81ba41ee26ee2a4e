//! Document-level evaluation against hand-annotated gold files (`rasd eval`).
//!
//! Gold files follow `tests/fixtures/dev-corpus/GUIDE.md`: one JSON per
//! article with `entities: [{canonical, type, english, surface[]}]` and
//! `casualties: [{killed: n} | {wounded: n}]`.
//!
//! **Entities.** Scoring is per article and per type, at document level: a
//! gold entity is *found* when some predicted entity of the same type shares
//! a name key with it. Gold keys are the canonical name and every surface;
//! predicted keys are the entity's `name_ar`, its knowledge-base aliases and
//! the text of each mention. Names are compared after match normalization
//! and clitic stripping ([`name_keys`]). A predicted entity is *correct* when
//! it matches some gold entity of its type. Precision = correct / predicted,
//! recall = found / gold, F1 their harmonic mean; the overall row sums the
//! counts of all types (micro average).
//!
//! **Casualties.** Each gold statement is a (kind, count) pair, kind
//! `killed` or `wounded`. Predictions are the tagger's killed/wounded
//! casualties that are not `approximate` (vague and joint counts are not
//! gold statements). Per article the two multisets are intersected:
//! *casualty accuracy* = matched / gold statements, *casualty precision* =
//! matched / predicted statements, both summed over all articles.
//!
//! Scoring is pure ([`score_article`], [`Report::from_scores`]); loading
//! files and running the cleaner are the caller's (`rasd eval`, the dev
//! example).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use rasd_model::{CasualtyKind, CleanArticle, EntityType, RawArticle, TaggedArticle, TaggedEntity};
use serde::{Deserialize, Serialize};

use crate::norm::match_key;
use crate::Tagger;

/// One gold entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoldEntity {
    pub canonical: String,
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    #[serde(default)]
    pub english: String,
    #[serde(default)]
    pub surface: Vec<String>,
}

/// One annotated article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoldArticle {
    pub id: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub outlet: Option<String>,
    #[serde(default)]
    pub title: String,
    pub text: String,
    #[serde(default)]
    pub entities: Vec<GoldEntity>,
    /// `{"killed": n}` or `{"wounded": n}` objects.
    #[serde(default)]
    pub casualties: Vec<BTreeMap<String, serde_json::Value>>,
}

impl GoldArticle {
    /// The raw article the pipeline would receive.
    pub fn raw(&self) -> RawArticle {
        RawArticle {
            id: Some(self.id.clone()),
            url: self.url.clone(),
            source: self.outlet.clone(),
            title: Some(self.title.clone()).filter(|t| !t.trim().is_empty()),
            text: Some(self.text.clone()),
            ..RawArticle::default()
        }
    }

    /// Gold casualty statements as (kind, count).
    pub fn casualty_statements(&self) -> Vec<(CasualtyKind, u32)> {
        let mut out = Vec::new();
        for c in &self.casualties {
            for (k, v) in c {
                let kind = match k.as_str() {
                    "killed" => CasualtyKind::Killed,
                    "wounded" => CasualtyKind::Wounded,
                    _ => continue,
                };
                if let Some(n) = v.as_u64() {
                    out.push((kind, n as u32));
                }
            }
        }
        out
    }
}

/// Read every `*.json` file of a directory (sorted by name) as a gold
/// article.
pub fn load_gold_dir(dir: &Path) -> Result<Vec<GoldArticle>, String> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|x| x.to_str()) == Some("json"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(format!("{}: no *.json gold files", dir.display()));
    }
    paths
        .iter()
        .map(|p| {
            let src = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            serde_json::from_str(&src).map_err(|e| format!("{}: {e}", p.display()))
        })
        .collect()
}

/// Proclitics stripped for comparison (longest first). The article stays
/// (it is part of names), but `لل` is `ل + ال`.
const CLITICS: &[&str] = &["وب", "وك", "ول", "فب", "فك", "فل", "و", "ف", "ب", "ك", "ل"];

/// Comparison keys of a name: its match key and the keys with a leading
/// proclitic removed (`للمرصد السوري` → `المرصد السوري`, `وداعش` →
/// `داعش`).
pub fn name_keys(name: &str) -> Vec<String> {
    let k = match_key(name.trim_matches(|c: char| !c.is_alphanumeric()));
    if k.is_empty() {
        return vec![];
    }
    let mut out = vec![k.clone()];
    for p in ["ولل", "فلل", "لل"] {
        if let Some(rest) = k.strip_prefix(p) {
            if rest.chars().count() >= 2 {
                out.push(format!("ال{rest}"));
            }
        }
    }
    for p in CLITICS {
        if let Some(rest) = k.strip_prefix(p) {
            if rest.chars().count() >= 3 {
                out.push(rest.to_string());
            }
        }
    }
    out
}

/// Counts for one type (or all types).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Counts {
    /// Gold entities.
    pub gold: usize,
    /// Gold entities matched by a prediction.
    pub found: usize,
    /// Predicted entities.
    pub predicted: usize,
    /// Predicted entities that match a gold entity.
    pub correct: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        ratio(self.correct, self.predicted)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.found, self.gold)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    fn add(&mut self, o: &Counts) {
        self.gold += o.gold;
        self.found += o.found;
        self.predicted += o.predicted;
        self.correct += o.correct;
    }
}

/// 1.0 for 0/0: nothing to find and nothing predicted is not an error.
fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// Casualty counts of one article or the whole set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct CasualtyCounts {
    pub gold: usize,
    pub predicted: usize,
    pub matched: usize,
}

impl CasualtyCounts {
    /// Share of gold statements matched exactly.
    pub fn accuracy(&self) -> f64 {
        ratio(self.matched, self.gold)
    }
    pub fn precision(&self) -> f64 {
        ratio(self.matched, self.predicted)
    }
}

/// The score of one article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleScore {
    pub id: String,
    pub per_type: BTreeMap<String, Counts>,
    /// Gold entities not found: `TYPE canonical`.
    pub missed: Vec<String>,
    /// Predicted entities that match no gold entity: `TYPE name (id)`.
    pub spurious: Vec<String>,
    pub casualties: CasualtyCounts,
    /// Gold statements not matched (`killed 7`).
    pub casualties_missed: Vec<String>,
    /// Predicted statements that match no gold one.
    pub casualties_spurious: Vec<String>,
}

/// Name keys of a predicted entity: name, KB aliases, mention texts.
fn predicted_keys(e: &TaggedEntity, tagger: Option<&Tagger>) -> HashSet<String> {
    let mut keys: HashSet<String> = name_keys(&e.name_ar).into_iter().collect();
    if let Some(kb_entity) = tagger.and_then(|t| t.kb().get(&e.id)) {
        for a in &kb_entity.aliases {
            keys.extend(name_keys(&a.text));
        }
    }
    for m in &e.mentions {
        keys.extend(name_keys(&m.text));
    }
    keys
}

fn kind_name(k: CasualtyKind) -> &'static str {
    match k {
        CasualtyKind::Killed => "killed",
        CasualtyKind::Wounded => "wounded",
        CasualtyKind::Captured => "captured",
        CasualtyKind::Arrested => "arrested",
    }
}

/// Score one article's prediction against its gold annotation. `tagger`
/// supplies knowledge-base aliases of predicted entities (optional).
pub fn score_article(
    gold: &GoldArticle,
    pred: &TaggedArticle,
    tagger: Option<&Tagger>,
) -> ArticleScore {
    let pred_keys: Vec<HashSet<String>> = pred
        .entities
        .iter()
        .map(|e| predicted_keys(e, tagger))
        .collect();
    let gold_keys: Vec<HashSet<String>> = gold
        .entities
        .iter()
        .map(|g| {
            let mut k: HashSet<String> = name_keys(&g.canonical).into_iter().collect();
            for s in &g.surface {
                k.extend(name_keys(s));
            }
            k
        })
        .collect();
    let matches = |gi: usize, pi: usize| {
        gold.entities[gi].entity_type == pred.entities[pi].entity_type
            && !gold_keys[gi].is_disjoint(&pred_keys[pi])
    };
    let mut per_type: BTreeMap<String, Counts> = EntityType::ALL
        .iter()
        .map(|t| (t.as_str().to_string(), Counts::default()))
        .collect();
    let mut missed = Vec::new();
    let mut spurious = Vec::new();
    for (gi, g) in gold.entities.iter().enumerate() {
        let c = per_type
            .get_mut(g.entity_type.as_str())
            .expect("all types present");
        c.gold += 1;
        if (0..pred.entities.len()).any(|pi| matches(gi, pi)) {
            c.found += 1;
        } else {
            missed.push(format!("{} {}", g.entity_type.as_str(), g.canonical));
        }
    }
    for (pi, p) in pred.entities.iter().enumerate() {
        let c = per_type
            .get_mut(p.entity_type.as_str())
            .expect("all types present");
        c.predicted += 1;
        if (0..gold.entities.len()).any(|gi| matches(gi, pi)) {
            c.correct += 1;
        } else {
            spurious.push(format!(
                "{} {} ({})",
                p.entity_type.as_str(),
                p.name_ar,
                p.id
            ));
        }
    }

    // Casualties: multiset intersection of (kind, count).
    let gold_cas = gold.casualty_statements();
    let pred_cas: Vec<(CasualtyKind, u32)> = pred
        .casualties
        .iter()
        .filter(|c| {
            !c.approximate && matches!(c.kind, CasualtyKind::Killed | CasualtyKind::Wounded)
        })
        .map(|c| (c.kind, c.count))
        .collect();
    let mut pool: HashMap<(CasualtyKind, u32), usize> = HashMap::new();
    for p in &pred_cas {
        *pool.entry(*p).or_default() += 1;
    }
    let mut matched = 0;
    let mut casualties_missed = Vec::new();
    for g in &gold_cas {
        match pool.get_mut(g) {
            Some(n) if *n > 0 => {
                *n -= 1;
                matched += 1;
            }
            _ => casualties_missed.push(format!("{} {}", kind_name(g.0), g.1)),
        }
    }
    let mut casualties_spurious = Vec::new();
    let mut pool_sorted: Vec<_> = pool.into_iter().filter(|(_, n)| *n > 0).collect();
    pool_sorted.sort_by_key(|((k, c), _)| (kind_name(*k), *c));
    for ((k, c), n) in pool_sorted {
        for _ in 0..n {
            casualties_spurious.push(format!("{} {}", kind_name(k), c));
        }
    }
    ArticleScore {
        id: gold.id.clone(),
        per_type,
        missed,
        spurious,
        casualties: CasualtyCounts {
            gold: gold_cas.len(),
            predicted: pred_cas.len(),
            matched,
        },
        casualties_missed,
        casualties_spurious,
    }
}

/// The whole evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub articles: Vec<ArticleScore>,
    pub per_type: BTreeMap<String, Counts>,
    pub overall: Counts,
    pub casualties: CasualtyCounts,
    /// Seconds spent cleaning and tagging (all articles, one core).
    pub clean_seconds: f64,
    pub tag_seconds: f64,
    pub kb_load_ms: f64,
    pub errors: Vec<String>,
}

/// Targets of issue 4.
pub const TARGET_F1: f64 = 0.90;
pub const TARGET_TYPE_F1: f64 = 0.80;
pub const TARGET_CASUALTY_ACCURACY: f64 = 0.90;

impl Report {
    pub fn from_scores(articles: Vec<ArticleScore>) -> Report {
        let mut per_type: BTreeMap<String, Counts> = EntityType::ALL
            .iter()
            .map(|t| (t.as_str().to_string(), Counts::default()))
            .collect();
        let mut overall = Counts::default();
        let mut casualties = CasualtyCounts::default();
        for a in &articles {
            for (t, c) in &a.per_type {
                per_type.entry(t.clone()).or_default().add(c);
                overall.add(c);
            }
            casualties.gold += a.casualties.gold;
            casualties.predicted += a.casualties.predicted;
            casualties.matched += a.casualties.matched;
        }
        Report {
            articles,
            per_type,
            overall,
            casualties,
            clean_seconds: 0.0,
            tag_seconds: 0.0,
            kb_load_ms: 0.0,
            errors: vec![],
        }
    }

    /// Whether every target is met.
    pub fn meets_targets(&self) -> bool {
        self.overall.f1() >= TARGET_F1
            && self
                .per_type
                .values()
                .filter(|c| c.gold > 0)
                .all(|c| c.f1() >= TARGET_TYPE_F1)
            && self.casualties.accuracy() >= TARGET_CASUALTY_ACCURACY
    }

    /// Per-article misses and spurious predictions, one line each.
    pub fn details(&self) -> String {
        let mut s = String::new();
        for e in &self.errors {
            s.push_str(&format!("error: {e}\n"));
        }
        for a in &self.articles {
            for m in &a.missed {
                s.push_str(&format!("{}  missed    {m}\n", a.id));
            }
            for m in &a.spurious {
                s.push_str(&format!("{}  spurious  {m}\n", a.id));
            }
            for m in &a.casualties_missed {
                s.push_str(&format!("{}  missed    casualty {m}\n", a.id));
            }
            for m in &a.casualties_spurious {
                s.push_str(&format!("{}  spurious  casualty {m}\n", a.id));
            }
        }
        s
    }

    /// The compact summary: exactly 12 lines.
    pub fn summary(&self) -> String {
        let mut lines = Vec::with_capacity(12);
        lines.push(format!(
            "rasd eval: {} articles, {} gold entities, {} gold casualty statements",
            self.articles.len(),
            self.overall.gold,
            self.casualties.gold
        ));
        lines.push(format!(
            "{:<13} {:>5} {:>5} {:>5} {:>5}  {:>5}  {:>5}  {:>5}",
            "type", "gold", "found", "pred", "corr", "P", "R", "F1"
        ));
        let row = |name: &str, c: &Counts| {
            format!(
                "{:<13} {:>5} {:>5} {:>5} {:>5}  {:.3}  {:.3}  {:.3}",
                name,
                c.gold,
                c.found,
                c.predicted,
                c.correct,
                c.precision(),
                c.recall(),
                c.f1()
            )
        };
        for t in EntityType::ALL {
            let c = self.per_type.get(t.as_str()).copied().unwrap_or_default();
            lines.push(row(t.as_str(), &c));
        }
        lines.push(row("overall", &self.overall));
        lines.push(format!(
            "casualties    gold {} predicted {} matched {}  accuracy {:.3}  precision {:.3}",
            self.casualties.gold,
            self.casualties.predicted,
            self.casualties.matched,
            self.casualties.accuracy(),
            self.casualties.precision()
        ));
        lines.push(format!(
            "time          kb load {:.0} ms, clean {:.3} s, tag {:.3} s{}",
            self.kb_load_ms,
            self.clean_seconds,
            self.tag_seconds,
            if self.errors.is_empty() {
                String::new()
            } else {
                format!(", {} articles failed", self.errors.len())
            }
        ));
        let weakest = self
            .per_type
            .iter()
            .filter(|(_, c)| c.gold > 0)
            .map(|(t, c)| (t.clone(), c.f1()))
            .min_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal));
        lines.push(format!(
            "targets       F1 {:.3}/{:.2}  weakest {} {:.3}/{:.2}  casualty accuracy {:.3}/{:.2}  => {}",
            self.overall.f1(),
            TARGET_F1,
            weakest.as_ref().map_or("-", |w| w.0.as_str()),
            weakest.as_ref().map_or(1.0, |w| w.1),
            TARGET_TYPE_F1,
            self.casualties.accuracy(),
            TARGET_CASUALTY_ACCURACY,
            if self.meets_targets() { "PASS" } else { "FAIL" }
        ));
        debug_assert_eq!(lines.len(), 12);
        let mut s = lines.join("\n");
        s.push('\n');
        s
    }
}

/// Clean, tag and score every gold article. `clean` turns a raw article
/// into a clean one (the clean stage, run in-process).
pub fn evaluate<F>(gold: &[GoldArticle], tagger: &Tagger, clean: F) -> Report
where
    F: Fn(&RawArticle) -> Result<CleanArticle, String>,
{
    let mut scores = Vec::with_capacity(gold.len());
    let mut errors = Vec::new();
    let mut clean_time = Duration::ZERO;
    let mut tag_time = Duration::ZERO;
    for g in gold {
        let t0 = Instant::now();
        let cleaned = clean(&g.raw());
        clean_time += t0.elapsed();
        let cleaned = match cleaned {
            Ok(c) => c,
            Err(e) => {
                errors.push(format!("{}: clean failed: {e}", g.id));
                // Score an empty prediction so the misses are counted.
                CleanArticle::new(g.id.clone(), "", "")
            }
        };
        let t0 = Instant::now();
        let tagged = tagger.process(&cleaned);
        tag_time += t0.elapsed();
        scores.push(score_article(g, &tagged, Some(tagger)));
    }
    let mut r = Report::from_scores(scores);
    r.errors = errors;
    r.clean_seconds = clean_time.as_secs_f64();
    r.tag_seconds = tag_time.as_secs_f64();
    r.kb_load_ms = tagger.load_time().as_secs_f64() * 1000.0;
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use rasd_model::{Casualty, EntitySource, Mention, Span};

    fn gold() -> GoldArticle {
        serde_json::from_str(
            r#"{"id":"g1","title":"","text":"x",
            "entities":[
              {"canonical":"داعش","type":"ARMED_GROUP","english":"ISIS","surface":["وداعش"]},
              {"canonical":"دير الزور","type":"LOCATION","english":"Deir ez-Zor","surface":["دير الزور"]},
              {"canonical":"المرصد السوري لحقوق الإنسان","type":"MEDIA","english":"SOHR","surface":["للمرصد السوري لحقوق الإنسان"]}
            ],
            "casualties":[{"killed":7},{"killed":7},{"wounded":3}]}"#,
        )
        .unwrap()
    }

    fn entity(ty: EntityType, name: &str, mention: &str) -> TaggedEntity {
        TaggedEntity {
            id: format!("x:{name}"),
            entity_type: ty,
            name_ar: name.into(),
            name_en: String::new(),
            source: EntitySource::Kb,
            mentions: vec![Mention {
                start: 0,
                end: mention.len(),
                text: mention.into(),
                in_title: false,
            }],
            count: 1,
            salience: 1.0,
            lat: None,
            lon: None,
            coord_precision: None,
            parent: None,
            affiliations: vec![],
        }
    }

    fn casualty(kind: CasualtyKind, count: u32, approximate: bool) -> Casualty {
        Casualty {
            kind,
            count,
            approximate,
            victim_entity: None,
            sentence: Span::new(0, 1),
            text: String::new(),
        }
    }

    #[test]
    fn keys_strip_clitics_and_fold() {
        assert!(name_keys("للمرصد السوري").contains(&match_key("المرصد السوري")));
        assert!(name_keys("وداعش").contains(&"داعش".to_string()));
        assert!(name_keys("السورى").contains(&match_key("السوري")));
    }

    #[test]
    fn scores_types_clitics_and_casualties() {
        let g = gold();
        let pred = TaggedArticle {
            article: CleanArticle::new("g1", "", "x"),
            entities: vec![
                // Found through a mention with a clitic.
                entity(EntityType::ArmedGroup, "تنظيم الدولة", "وداعش"),
                // Right name, wrong type: spurious, and the gold is missed.
                entity(EntityType::State, "دير الزور", "دير الزور"),
                entity(
                    EntityType::Media,
                    "المرصد السوري لحقوق الإنسان",
                    "المرصد السورى لحقوق الانسان",
                ),
            ],
            casualties: vec![
                casualty(CasualtyKind::Killed, 7, false),
                casualty(CasualtyKind::Wounded, 3, false),
                casualty(CasualtyKind::Killed, 40, true),
                casualty(CasualtyKind::Killed, 2, false),
            ],
            events: vec![],
            skipped: None,
        };
        let s = score_article(&g, &pred, None);
        assert_eq!(
            s.per_type["ARMED_GROUP"],
            Counts {
                gold: 1,
                found: 1,
                predicted: 1,
                correct: 1
            }
        );
        assert_eq!(
            s.per_type["LOCATION"],
            Counts {
                gold: 1,
                found: 0,
                predicted: 0,
                correct: 0
            }
        );
        assert_eq!(
            s.per_type["STATE"],
            Counts {
                gold: 0,
                found: 0,
                predicted: 1,
                correct: 0
            }
        );
        assert_eq!(s.per_type["MEDIA"].found, 1);
        assert_eq!(s.missed, vec!["LOCATION دير الزور".to_string()]);
        assert_eq!(s.spurious.len(), 1);
        // Gold: killed 7 ×2, wounded 3. Predicted (exact): killed 7, wounded 3, killed 2.
        assert_eq!(
            s.casualties,
            CasualtyCounts {
                gold: 3,
                predicted: 3,
                matched: 2
            }
        );
        assert_eq!(s.casualties_missed, vec!["killed 7".to_string()]);
        assert_eq!(s.casualties_spurious, vec!["killed 2".to_string()]);

        let r = Report::from_scores(vec![s]);
        assert_eq!(
            r.overall,
            Counts {
                gold: 3,
                found: 2,
                predicted: 3,
                correct: 2
            }
        );
        assert!((r.overall.f1() - 2.0 / 3.0).abs() < 1e-9);
        assert!((r.casualties.accuracy() - 2.0 / 3.0).abs() < 1e-9);
        assert!(!r.meets_targets());
        assert_eq!(r.summary().lines().count(), 12);
        assert!(r.details().contains("missed    LOCATION دير الزور"));
    }

    #[test]
    fn empty_sets_are_perfect_not_nan() {
        let c = Counts::default();
        assert_eq!((c.precision(), c.recall(), c.f1()), (1.0, 1.0, 1.0));
    }
}
