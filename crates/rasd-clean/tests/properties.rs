//! Property tests of the cleaner on arbitrary Unicode, random Arabic with
//! diacritics and mixed scripts, and shuffled real lines (seed paragraphs
//! and boilerplate): no panic, valid spans, and idempotence.
//!
//! Idempotence, precisely: if `process(raw)` gives article `a`, then
//! processing `RawArticle { title: a.title, text: a.text }` gives the same
//! title and text, and nothing more is removed or fixed.

use proptest::prelude::*;
use rasd_clean::Cleaner;
use rasd_model::{CleanArticle, InputError, RawArticle};
use std::sync::OnceLock;

fn cleaner() -> &'static Cleaner {
    static C: OnceLock<Cleaner> = OnceLock::new();
    C.get_or_init(Cleaner::new)
}

/// Lines from the seeds, including their boilerplate.
fn seed_lines() -> &'static Vec<String> {
    static L: OnceLock<Vec<String>> = OnceLock::new();
    L.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds");
        let mut out = vec![];
        for e in std::fs::read_dir(dir).unwrap() {
            let t = std::fs::read_to_string(e.unwrap().path()).unwrap();
            out.extend(
                t.lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_string),
            );
        }
        out.sort();
        out
    })
}

fn arabic_word() -> impl Strategy<Value = String> {
    let letter = proptest::char::range('\u{0621}', '\u{064A}');
    let mark = proptest::char::range('\u{064B}', '\u{0652}');
    prop::collection::vec((letter, prop::option::weighted(0.3, mark)), 1..8).prop_map(|v| {
        v.into_iter()
            .flat_map(|(l, m)| std::iter::once(l).chain(m))
            .collect()
    })
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => arabic_word(),
        2 => prop::sample::select(vec![" ", " ", "\n", "\n\n", "، ", ". ", "؟\n", " - ", "#", "_", " _", "«", "»", "”", "\u{200F}", "\u{0640}", ":", "(", ")"]).prop_map(String::from),
        1 => prop::sample::select(vec!["ديرالزور", "#دير_الزور", "SY24", "وكالة زيتون", "الحل نت", "Facebook", "الأكثر قراءة", "اترك تعليقا", "0", "تركيا", "ﻻ", "٢٠٢١", "مقالات ذات صلة"]).prop_map(String::from),
        1 => "[a-zA-Z0-9 ]{1,8}",
        1 => any::<char>().prop_map(String::from),
    ]
}

fn arabic_text() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..80).prop_map(|v| v.concat())
}

fn shuffled_seed_lines() -> impl Strategy<Value = String> {
    let n = seed_lines().len();
    prop::collection::vec(0..n, 0..14).prop_map(|idx| {
        idx.into_iter()
            .map(|i| seed_lines()[i].as_str())
            .collect::<Vec<_>>()
            .join("\n")
    })
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![arabic_text(), shuffled_seed_lines(), any::<String>()]
}

fn check_spans(a: &CleanArticle) -> Result<(), TestCaseError> {
    for s in a.paragraphs.iter().chain(&a.sentences) {
        prop_assert!(s.start < s.end && s.end <= a.text.len());
        prop_assert!(a.text.is_char_boundary(s.start) && a.text.is_char_boundary(s.end));
    }
    prop_assert!(!a.text.trim().is_empty());
    prop_assert_eq!(a.output_chars, a.text.chars().count());
    Ok(())
}

/// Cases per property: `PROPTEST_CASES` when set (for long runs), else
/// the given default.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(300)))]

    #[test]
    fn cleaning_never_panics_and_is_idempotent(text in any_text(), title in prop::option::of(arabic_text())) {
        let raw = RawArticle { text: Some(text), title, ..Default::default() };
        match cleaner().process(&raw) {
            Err(e) => prop_assert_eq!(e, InputError::EmptyText),
            Ok(a) => {
                check_spans(&a)?;
                let again = RawArticle { text: Some(a.text.clone()), title: Some(a.title.clone()), ..Default::default() };
                let b = cleaner().process(&again).expect("cleaned text cleans again");
                prop_assert_eq!(&b.title, &a.title);
                prop_assert_eq!(&b.text, &a.text);
                prop_assert!(b.removed.is_empty(), "removed on second pass: {:?}", b.removed);
                prop_assert!(b.fixes.is_empty(), "fixed on second pass: {:?}", b.fixes);
            }
        }
    }

    #[test]
    fn html_input_never_panics(body in arabic_text(), tag in prop::sample::select(vec!["p", "div", "span", "article", "h1", "li"])) {
        let html = format!("<html><body><{tag}>{body}</{tag}><p>{body}</p></body></html>");
        let raw = RawArticle { html: Some(html), ..Default::default() };
        if let Ok(a) = cleaner().process(&raw) {
            check_spans(&a)?;
        }
    }
}
