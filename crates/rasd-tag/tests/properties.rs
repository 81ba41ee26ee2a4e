//! Property tests: on arbitrary input the tagger never panics and every
//! mention is an exact slice of the text (or title) on char boundaries.

use std::sync::OnceLock;

use proptest::prelude::*;
use rasd_model::CleanArticle;
use rasd_tag::Tagger;

fn tagger() -> &'static Tagger {
    static T: OnceLock<Tagger> = OnceLock::new();
    T.get_or_init(|| Tagger::load_default().expect("KB loads"))
}

/// Pieces that exercise the matcher: names, clitics, triggers, quotes,
/// diacritics, tatweel, hashtags, obfuscation, digits in both scripts,
/// and characters that change length under normalization.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("داعش".to_string()),
        Just("وداعش".to_string()),
        Just("للنظام السوري".to_string()),
        Just("دير الزور".to_string()),
        Just("#دير_الزور".to_string()),
        Just("د*اع*ش".to_string()),
        Just("لواء القدس".to_string()),
        Just("قرية ".to_string()),
        Just("المدعو (".to_string()),
        Just("ميليشيا “".to_string()),
        Just("”".to_string()),
        Just("\"".to_string()),
        Just("مقتل ٢٨ عنصراً من داعش".to_string()),
        Just("قُتِلَ".to_string()),
        Just("ـ".to_string()),
        Just("ﻻ".to_string()),
        Just("\u{200f}".to_string()),
        Just("\r\n".to_string()),
        Just("، ".to_string()),
        Just(". ".to_string()),
        Just(" ".to_string()),
        Just("😀".to_string()),
        "[\u{0621}-\u{064A}\u{064B}-\u{0652} a-zA-Z0-9٠-٩_#*()«»“”\n،.]{0,12}",
        any::<String>(),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..24).prop_map(|v| v.concat())
}

fn check(a: &CleanArticle) {
    let t = tagger().process(a);
    for e in &t.entities {
        assert!(e.count == e.mentions.len());
        assert!((0.0..=1.0).contains(&e.salience));
        for m in &e.mentions {
            let src = if m.in_title { &a.title } else { &a.text };
            assert!(m.start <= m.end && m.end <= src.len(), "{m:?}");
            assert!(
                src.is_char_boundary(m.start) && src.is_char_boundary(m.end),
                "{m:?}"
            );
            assert_eq!(&src[m.start..m.end], m.text);
            assert!(!m.text.is_empty());
        }
    }
    for c in &t.casualties {
        assert!(c.sentence.end <= a.text.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn mentions_are_exact_slices(title in text(), body in text()) {
        let mut a = CleanArticle::new("p", title, body);
        a.lang = "ar".into();
        a.lang_confidence = 1.0;
        a.sentences = rasd_text::sentences(&a.text);
        check(&a);
    }

    #[test]
    fn cleaned_text_round_trips(body in text()) {
        // Through the real cleaner, as in the pipeline.
        let raw = rasd_model::RawArticle { text: Some(body), ..Default::default() };
        static CLEANER: OnceLock<rasd_clean::Cleaner> = OnceLock::new();
        if let Ok(a) = CLEANER.get_or_init(rasd_clean::Cleaner::new).process(&raw) {
            check(&a);
        }
    }
}
