//! Articles as they move through the pipeline:
//! [`RawArticle`] → [`CleanArticle`] → [`TaggedArticle`].

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::SCHEMA_VERSION;

/// What users publish to `<prefix>.articles.raw`. Either `text` or `html`
/// must be present. Unknown fields are ignored so that producers can add
/// their own metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawArticle {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// Why an input cannot become an article. Each maps to a DLQ `reason`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("payload is not valid UTF-8: {0}")]
    InvalidUtf8(String),
    #[error("payload is not valid JSON for this message type: {0}")]
    MalformedJson(String),
    #[error("article has no text: both `text` and `html` are missing or blank")]
    EmptyText,
    #[error("article is {size} bytes, over the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    #[error("schema version {0} is not supported (this build reads up to {SCHEMA_VERSION})")]
    UnknownSchemaVersion(u32),
    #[error("text is not in a language the stage can process: {0}")]
    UnsupportedLanguage(String),
}

impl InputError {
    /// Stable machine-readable reason used on the dead-letter subject.
    pub fn reason(&self) -> &'static str {
        match self {
            InputError::InvalidUtf8(_) => "invalid_utf8",
            InputError::MalformedJson(_) => "malformed_json",
            InputError::EmptyText => "empty_text",
            InputError::TooLarge { .. } => "too_large",
            InputError::UnknownSchemaVersion(_) => "unknown_schema_version",
            InputError::UnsupportedLanguage(_) => "unsupported_language",
        }
    }
}

/// A pipeline message that may carry `schema_version` (every message a
/// stage decodes does).
pub trait Versioned {
    /// The writer's schema version, if the message has one.
    fn schema_version(&self) -> Option<u64>;
}

/// Decode a JSON message of any pipeline type, with the size, UTF-8 and
/// schema-version checks every stage applies before its own work.
pub fn decode<T: serde::de::DeserializeOwned + Versioned>(
    payload: &[u8],
    max_bytes: usize,
) -> Result<T, InputError> {
    if payload.len() > max_bytes {
        return Err(InputError::TooLarge {
            size: payload.len(),
            limit: max_bytes,
        });
    }
    // SIMD validation: Arabic text is all multi-byte sequences, where the
    // standard library's check costs several instructions per byte. Only a
    // failure goes through `std` again, for its precise message.
    let text = simdutf8::basic::from_utf8(payload).map_err(|_| {
        let detail = std::str::from_utf8(payload).err().map(|e| e.to_string());
        InputError::InvalidUtf8(detail.unwrap_or_default())
    })?;
    // The message is parsed once, straight into `T`. The version is checked
    // before anything else is trusted: a message from a newer writer is
    // reported as such, also when a field it changed is what failed the
    // parse (then a peek that skips every other field finds the version).
    let check = |v: u64| {
        if v > SCHEMA_VERSION as u64 || v == 0 {
            Err(InputError::UnknownSchemaVersion(
                v.min(u32::MAX as u64) as u32
            ))
        } else {
            Ok(())
        }
    };
    match serde_json::from_str::<T>(text) {
        Ok(message) => {
            if let Some(v) = message.schema_version() {
                check(v)?;
            }
            Ok(message)
        }
        Err(e) => {
            #[derive(serde::Deserialize)]
            struct Peek {
                #[serde(default)]
                schema_version: Option<serde_json::Value>,
            }
            if let Ok(peek) = serde_json::from_str::<Peek>(text) {
                if let Some(v) = peek.schema_version.as_ref().and_then(|v| v.as_u64()) {
                    check(v)?;
                }
            }
            Err(InputError::MalformedJson(e.to_string()))
        }
    }
}

impl Versioned for RawArticle {
    fn schema_version(&self) -> Option<u64> {
        self.schema_version.map(u64::from)
    }
}

impl Versioned for CleanArticle {
    fn schema_version(&self) -> Option<u64> {
        Some(self.schema_version.into())
    }
}

impl Versioned for TaggedArticle {
    fn schema_version(&self) -> Option<u64> {
        Some(self.article.schema_version.into())
    }
}

impl Versioned for FetchRequest {
    fn schema_version(&self) -> Option<u64> {
        self.schema_version.map(u64::from)
    }
}

impl RawArticle {
    /// Parse and validate a raw article.
    pub fn from_json(payload: &[u8], max_bytes: usize) -> Result<RawArticle, InputError> {
        let a: RawArticle = decode(payload, max_bytes)?;
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|t| t.trim().is_empty());
        if blank(&a.text) && blank(&a.html) {
            return Err(InputError::EmptyText);
        }
        Ok(a)
    }

    /// The article id: the given `id`, else a stable hash of the URL, else a
    /// stable hash of the whitespace-normalized title and text. Publishing
    /// the same article twice therefore yields the same id, which the
    /// stages use for publish de-duplication.
    pub fn article_id(&self) -> String {
        if let Some(id) = self.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            return id.to_string();
        }
        if let Some(url) = self.url.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            return format!("url-{}", short_hash(url.as_bytes()));
        }
        let mut h = Sha256::new();
        for part in [&self.title, &self.text, &self.html] {
            if let Some(p) = part {
                for w in p.split_whitespace() {
                    h.update(w.as_bytes());
                    h.update(b" ");
                }
            }
            h.update(b"\x00");
        }
        format!("txt-{}", &hex::encode(h.finalize())[..16])
    }
}

/// First 16 hex digits of SHA-256.
pub fn short_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))[..16].to_string()
}

/// A byte range `[start, end)` into `CleanArticle.text`. Both ends fall on
/// UTF-8 character boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.start >= self.end
    }
    pub fn slice<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start..self.end]
    }
}

/// A line or fragment removed by the cleaner, with the kind of boilerplate
/// it was recognised as (`share`, `related`, `comments`, `newsletter`,
/// `dateline`, `byline`, `keywords`, `duplicate`, `most_read`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removed {
    pub kind: String,
    pub text: String,
}

/// A repair the cleaner made in the text (`hashtag`, `split_fused`,
/// `close_space`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub kind: String,
    pub from: String,
    pub to: String,
}

/// Output of the clean stage (`<prefix>.articles.clean`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CleanArticle {
    pub schema_version: u32,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Outlet recognised from a byline or dateline in the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlet: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
    pub title: String,
    /// The cleaned body (display-normalized; all spans index into it).
    pub text: String,
    /// ISO 639-1 code (`ar`, `en`, ...) or `und`.
    pub lang: String,
    pub lang_confidence: f64,
    pub paragraphs: Vec<Span>,
    pub sentences: Vec<Span>,
    pub removed: Vec<Removed>,
    pub fixes: Vec<Fix>,
    pub input_chars: usize,
    pub output_chars: usize,
}

impl CleanArticle {
    /// A minimal clean article, used by stage cores that have not yet been
    /// given a real cleaner and by tests.
    pub fn new(id: impl Into<String>, title: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let n = text.chars().count();
        CleanArticle {
            schema_version: SCHEMA_VERSION,
            id: id.into(),
            url: None,
            source: None,
            outlet: None,
            published_at: None,
            title: title.into(),
            paragraphs: vec![Span::new(0, text.len())],
            sentences: vec![Span::new(0, text.len())],
            text,
            lang: "und".into(),
            lang_confidence: 0.0,
            removed: vec![],
            fixes: vec![],
            input_chars: n,
            output_chars: n,
        }
    }
}

/// Entity types of the knowledge base and the annotation guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EntityType {
    ArmedGroup,
    State,
    Location,
    Person,
    Media,
    Organization,
}

impl EntityType {
    pub const ALL: [EntityType; 6] = [
        EntityType::ArmedGroup,
        EntityType::State,
        EntityType::Location,
        EntityType::Person,
        EntityType::Media,
        EntityType::Organization,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::ArmedGroup => "ARMED_GROUP",
            EntityType::State => "STATE",
            EntityType::Location => "LOCATION",
            EntityType::Person => "PERSON",
            EntityType::Media => "MEDIA",
            EntityType::Organization => "ORGANIZATION",
        }
    }
}

/// One occurrence of an entity: a byte span of `CleanArticle.text` (title
/// mentions have `in_title: true` and index into `CleanArticle.title`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mention {
    pub start: usize,
    pub end: usize,
    pub text: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub in_title: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntitySource {
    Kb,
    Discovered,
}

/// A canonical entity found in an article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaggedEntity {
    pub id: String,
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    pub name_ar: String,
    pub name_en: String,
    pub source: EntitySource,
    pub mentions: Vec<Mention>,
    pub count: usize,
    /// 0..1: how central the entity is to the article (title and lead
    /// mentions weigh more).
    pub salience: f64,
    /// Extra facts from the knowledge base: coordinates for places,
    /// affiliations for groups and people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coord_precision: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affiliations: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CasualtyKind {
    Killed,
    Wounded,
    Captured,
    Arrested,
}

/// A casualty count stated in the text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Casualty {
    pub kind: CasualtyKind,
    pub count: u32,
    /// True for vague or joint counts (`عشرات`, `مقتل وجرح عشرة`,
    /// `أكثر من 20`).
    pub approximate: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub victim_entity: Option<String>,
    /// Byte span of the statement's sentence in `CleanArticle.text`.
    pub sentence: Span,
    /// The matched phrase.
    pub text: String,
}

/// An ACLED-style event (filled by the events issue; empty until then).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    pub article_id: String,
    pub event_type: String,
    pub sub_event_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fatalities: Option<u32>,
    pub sentence: Span,
}

/// Output of the tag stage (`<prefix>.articles.tagged`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaggedArticle {
    #[serde(flatten)]
    pub article: CleanArticle,
    pub entities: Vec<TaggedEntity>,
    pub casualties: Vec<Casualty>,
    #[serde(default)]
    pub events: Vec<Event>,
    /// Set when the tagger did not run (e.g. the article is not Arabic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// A URL or feed to fetch (`<prefix>.fetch.requests`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FetchRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub url: String,
    /// `article` (default) or `feed` (RSS/Atom: every item is fetched).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_prefers_given_then_url_then_text() {
        let mut a = RawArticle {
            text: Some("نص  الخبر".into()),
            ..Default::default()
        };
        let by_text = a.article_id();
        assert!(by_text.starts_with("txt-"));
        a.text = Some(" نص الخبر ".into());
        assert_eq!(a.article_id(), by_text, "whitespace must not change the id");
        a.url = Some("https://example.org/a".into());
        assert!(a.article_id().starts_with("url-"));
        a.id = Some("mine".into());
        assert_eq!(a.article_id(), "mine");
    }

    #[test]
    fn validation_reasons() {
        let lim = 100;
        assert_eq!(
            RawArticle::from_json(b"{", lim).unwrap_err().reason(),
            "malformed_json"
        );
        assert_eq!(
            RawArticle::from_json(&[0xff, 0x7b], lim)
                .unwrap_err()
                .reason(),
            "invalid_utf8"
        );
        assert_eq!(
            RawArticle::from_json(br#"{"text":"  "}"#, lim)
                .unwrap_err()
                .reason(),
            "empty_text"
        );
        assert_eq!(
            RawArticle::from_json(&[b' '; 101], lim)
                .unwrap_err()
                .reason(),
            "too_large"
        );
        assert_eq!(
            RawArticle::from_json(br#"{"schema_version":99,"text":"x"}"#, lim)
                .unwrap_err()
                .reason(),
            "unknown_schema_version"
        );
        assert!(RawArticle::from_json(br#"{"text":"x","extra":1}"#, lim).is_ok());
        assert_eq!(
            RawArticle::from_json(br#"{"text":5}"#, lim)
                .unwrap_err()
                .reason(),
            "malformed_json"
        );
    }

    /// The version is judged whether the message parses (version read
    /// from it) or not (version found by the peek), and only a number counts.
    #[test]
    fn schema_version_is_checked_on_both_decode_paths() {
        let reason = |json: &str| match RawArticle::from_json(json.as_bytes(), 1000) {
            Ok(_) => "ok",
            Err(e) => e.reason(),
        };
        // Parses as a raw article: the version comes from the parsed value.
        assert_eq!(
            reason(r#"{"schema_version":2,"text":"x"}"#),
            "unknown_schema_version"
        );
        assert_eq!(
            reason(r#"{"schema_version":0,"text":"x"}"#),
            "unknown_schema_version"
        );
        assert_eq!(reason(r#"{"schema_version":1,"text":"x"}"#), "ok");
        // A field the newer writer changed fails the parse: the peek still
        // reports the version, also one too large for `u32`.
        assert_eq!(
            reason(r#"{"schema_version":7,"text":["x"]}"#),
            "unknown_schema_version"
        );
        assert_eq!(
            RawArticle::from_json(br#"{"schema_version":99999999999,"text":"x"}"#, 1000)
                .unwrap_err(),
            InputError::UnknownSchemaVersion(u32::MAX)
        );
        // A version that is not a number is just malformed JSON.
        assert_eq!(
            reason(r#"{"schema_version":"2","text":"x"}"#),
            "malformed_json"
        );
        // Messages without the field in their type are checked too.
        let fetch =
            |json: &str| decode::<FetchRequest>(json.as_bytes(), 1000).map_err(|e| e.reason());
        assert_eq!(
            fetch(r#"{"schema_version":3,"url":"http://a"}"#).unwrap_err(),
            "unknown_schema_version"
        );
        assert!(fetch(r#"{"url":"http://a"}"#).is_ok());
        // A clean article carries its version; a newer one is refused.
        let mut clean = serde_json::to_value(CleanArticle::new("a", "t", "x")).unwrap();
        assert!(decode::<CleanArticle>(clean.to_string().as_bytes(), 1000).is_ok());
        clean["schema_version"] = 5.into();
        assert_eq!(
            decode::<CleanArticle>(clean.to_string().as_bytes(), 1000)
                .unwrap_err()
                .reason(),
            "unknown_schema_version"
        );
    }

    #[test]
    fn tagged_article_flattens_clean_fields() {
        let t = TaggedArticle {
            article: CleanArticle::new("a1", "t", "نص"),
            entities: vec![],
            casualties: vec![],
            events: vec![],
            skipped: None,
        };
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v["id"], "a1");
        assert_eq!(v["schema_version"], SCHEMA_VERSION);
        let back: TaggedArticle = serde_json::from_value(v).unwrap();
        assert_eq!(back, t);
    }
}
