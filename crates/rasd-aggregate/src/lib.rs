//! rasd-aggregate: the aggregate stage core. Tagged articles in, running
//! totals out; no I/O.
//!
//! The [`Aggregator`] keeps, in memory, per-entity mention and article
//! counts and per-hour casualty totals, and after each article returns an
//! [`AggregateSnapshot`]: the updated totals of the entities that article
//! touched plus its hour bucket. The stage publishes one snapshot per
//! article, so downstream consumers see totals move without re-reading the
//! whole history.
//!
//! The stream can redeliver an article (at-least-once delivery), so the
//! aggregator remembers the ids it has counted and counts each article once.
//! State lives only in memory: a restarted stage starts from zero (a later
//! issue persists it).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use rasd_model::{CasualtyKind, EntityType, TaggedArticle, SCHEMA_VERSION};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

/// How many article ids are remembered for de-duplication.
pub const DEFAULT_SEEN_CAPACITY: usize = 100_000;

/// Running totals of one entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityTotals {
    pub id: String,
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    pub name_ar: String,
    pub name_en: String,
    /// Mentions over all articles.
    pub mentions: u64,
    /// Articles that mention the entity.
    pub articles: u64,
}

/// Casualty totals (sum of the counts stated in the articles).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CasualtyTotals {
    pub killed: u64,
    pub wounded: u64,
    pub captured: u64,
    pub arrested: u64,
}

impl CasualtyTotals {
    fn add(&mut self, kind: CasualtyKind, n: u32) {
        let n = u64::from(n);
        match kind {
            CasualtyKind::Killed => self.killed += n,
            CasualtyKind::Wounded => self.wounded += n,
            CasualtyKind::Captured => self.captured += n,
            CasualtyKind::Arrested => self.arrested += n,
        }
    }
}

/// Totals of one hour (by the article's `published_at`, else the time it
/// was aggregated).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HourBucket {
    /// Start of the hour, RFC 3339 UTC (`2026-11-23T17:00:00Z`).
    pub hour: String,
    pub articles: u64,
    pub casualties: CasualtyTotals,
    /// Mentions per entity id in this hour.
    pub entity_mentions: BTreeMap<String, u64>,
}

/// Published to `<prefix>.aggregates.entities` after each article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AggregateSnapshot {
    pub schema_version: u32,
    pub article_id: String,
    /// True when the article had been counted before (a redelivery): the
    /// totals are unchanged.
    pub duplicate: bool,
    /// Updated totals of the entities this article mentions.
    pub entities: Vec<EntityTotals>,
    /// The article's hour bucket after the update.
    pub bucket: HourBucket,
    /// Articles counted since the stage started.
    pub total_articles: u64,
    /// Distinct entities seen since the stage started.
    pub distinct_entities: usize,
}

/// In-memory aggregation state.
#[derive(Debug)]
pub struct Aggregator {
    entities: HashMap<String, EntityTotals>,
    buckets: BTreeMap<String, HourBucket>,
    seen: HashSet<String>,
    seen_order: VecDeque<String>,
    seen_capacity: usize,
    total_articles: u64,
}

impl Default for Aggregator {
    fn default() -> Self {
        Self::new(DEFAULT_SEEN_CAPACITY)
    }
}

impl Aggregator {
    pub fn new(seen_capacity: usize) -> Self {
        Aggregator {
            entities: HashMap::new(),
            buckets: BTreeMap::new(),
            seen: HashSet::new(),
            seen_order: VecDeque::new(),
            seen_capacity: seen_capacity.max(1),
            total_articles: 0,
        }
    }

    /// Count one article; `now` is used when it has no usable `published_at`.
    pub fn apply(&mut self, article: &TaggedArticle, now: OffsetDateTime) -> AggregateSnapshot {
        let id = article.article.id.clone();
        let hour = hour_bucket(article.article.published_at.as_deref(), now);
        let duplicate = self.seen.contains(&id);
        if !duplicate {
            self.remember(id.clone());
            self.total_articles += 1;
            let bucket = self
                .buckets
                .entry(hour.clone())
                .or_insert_with(|| HourBucket {
                    hour: hour.clone(),
                    ..Default::default()
                });
            bucket.articles += 1;
            for c in &article.casualties {
                bucket.casualties.add(c.kind, c.count);
            }
            for e in &article.entities {
                let mentions = e.count.max(e.mentions.len()) as u64;
                *bucket.entity_mentions.entry(e.id.clone()).or_default() += mentions;
                let t = self
                    .entities
                    .entry(e.id.clone())
                    .or_insert_with(|| EntityTotals {
                        id: e.id.clone(),
                        entity_type: e.entity_type,
                        name_ar: e.name_ar.clone(),
                        name_en: e.name_en.clone(),
                        mentions: 0,
                        articles: 0,
                    });
                t.mentions += mentions;
                t.articles += 1;
            }
        }
        let mut ids: Vec<&str> = article.entities.iter().map(|e| e.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let entities = ids
            .iter()
            .filter_map(|id| self.entities.get(*id).cloned())
            .collect();
        let bucket = self
            .buckets
            .get(&hour)
            .cloned()
            .unwrap_or_else(|| HourBucket {
                hour: hour.clone(),
                ..Default::default()
            });
        AggregateSnapshot {
            schema_version: SCHEMA_VERSION,
            article_id: id,
            duplicate,
            entities,
            bucket,
            total_articles: self.total_articles,
            distinct_entities: self.entities.len(),
        }
    }

    /// Totals of one entity.
    pub fn entity(&self, id: &str) -> Option<&EntityTotals> {
        self.entities.get(id)
    }

    /// Totals of one hour (key as in [`HourBucket::hour`]).
    pub fn bucket(&self, hour: &str) -> Option<&HourBucket> {
        self.buckets.get(hour)
    }

    fn remember(&mut self, id: String) {
        if self.seen_order.len() >= self.seen_capacity {
            if let Some(old) = self.seen_order.pop_front() {
                self.seen.remove(&old);
            }
        }
        self.seen.insert(id.clone());
        self.seen_order.push_back(id);
    }
}

/// Start of the hour of `published_at` (RFC 3339, `YYYY-MM-DD HH:MM:SS`, or
/// `YYYY-MM-DD`), else of `now`, formatted as RFC 3339 UTC.
pub fn hour_bucket(published_at: Option<&str>, now: OffsetDateTime) -> String {
    let t = published_at.and_then(parse_time).unwrap_or(now);
    let t = t.to_offset(time::UtcOffset::UTC);
    let start = t.replace_time(Time::from_hms(t.hour(), 0, 0).unwrap_or(Time::MIDNIGHT));
    start.format(&Rfc3339).unwrap_or_else(|_| "unknown".into())
}

fn parse_time(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    if let Ok(t) = PrimitiveDateTime::parse(s, &fmt) {
        return Some(t.assume_utc());
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.get(..10)?, &fmt)
        .ok()
        .map(|d| d.midnight().assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rasd_model::{Casualty, CleanArticle, EntitySource, Mention, Span, TaggedEntity};

    fn entity(id: &str, n: usize) -> TaggedEntity {
        let mention = Mention {
            start: 0,
            end: 2,
            text: "x".into(),
            in_title: false,
        };
        TaggedEntity {
            id: id.into(),
            entity_type: EntityType::Location,
            name_ar: "دير الزور".into(),
            name_en: "Deir ez-Zor".into(),
            source: EntitySource::Kb,
            mentions: vec![mention; n],
            count: n,
            salience: 0.5,
            lat: None,
            lon: None,
            coord_precision: None,
            parent: None,
            affiliations: vec![],
        }
    }

    fn article(
        id: &str,
        published: Option<&str>,
        entities: Vec<TaggedEntity>,
        killed: u32,
    ) -> TaggedArticle {
        let mut a = CleanArticle::new(id, "t", "نص");
        a.published_at = published.map(String::from);
        TaggedArticle {
            article: a,
            entities,
            casualties: vec![Casualty {
                kind: CasualtyKind::Killed,
                count: killed,
                approximate: false,
                victim_entity: None,
                sentence: Span::new(0, 2),
                text: "مقتل".into(),
            }],
            events: vec![],
            skipped: None,
        }
    }

    #[test]
    fn counts_mentions_articles_and_casualties_per_hour() {
        let mut agg = Aggregator::default();
        let now = OffsetDateTime::UNIX_EPOCH;
        let s1 = agg.apply(
            &article(
                "a",
                Some("2024-05-01T10:15:00Z"),
                vec![entity("loc:dez", 3)],
                4,
            ),
            now,
        );
        assert_eq!(s1.bucket.hour, "2024-05-01T10:00:00Z");
        assert_eq!(s1.entities[0].mentions, 3);
        let s2 = agg.apply(
            &article(
                "b",
                Some("2024-05-01T10:59:59Z"),
                vec![entity("loc:dez", 2)],
                1,
            ),
            now,
        );
        assert_eq!(s2.entities[0].mentions, 5);
        assert_eq!(s2.entities[0].articles, 2);
        assert_eq!(s2.bucket.articles, 2);
        assert_eq!(s2.bucket.casualties.killed, 5);
        assert_eq!(s2.bucket.entity_mentions["loc:dez"], 5);
        assert_eq!(s2.total_articles, 2);
        assert_eq!(agg.entity("loc:dez").unwrap().articles, 2);
    }

    #[test]
    fn a_redelivered_article_is_counted_once() {
        let mut agg = Aggregator::default();
        let now = OffsetDateTime::UNIX_EPOCH;
        let a = article("a", None, vec![entity("loc:dez", 1)], 2);
        agg.apply(&a, now);
        let again = agg.apply(&a, now);
        assert!(again.duplicate);
        assert_eq!(again.total_articles, 1);
        assert_eq!(again.entities[0].mentions, 1);
        assert_eq!(again.bucket.casualties.killed, 2);
        assert_eq!(again.bucket.hour, "1970-01-01T00:00:00Z");
    }

    #[test]
    fn unparseable_dates_fall_back_to_now() {
        let now =
            OffsetDateTime::UNIX_EPOCH + time::Duration::hours(5) + time::Duration::minutes(7);
        assert_eq!(hour_bucket(Some("yesterday"), now), "1970-01-01T05:00:00Z");
        assert_eq!(hour_bucket(Some("2020-02-03"), now), "2020-02-03T00:00:00Z");
        assert_eq!(
            hour_bucket(Some("2020-02-03 13:45:00"), now),
            "2020-02-03T13:00:00Z"
        );
        assert_eq!(
            hour_bucket(Some("2020-02-03T13:45:00+03:00"), now),
            "2020-02-03T10:00:00Z"
        );
    }
}
