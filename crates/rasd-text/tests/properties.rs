//! Property tests of the normalizer, tokenizer and segmenter on arbitrary
//! Unicode, random Arabic with diacritics, and mixed scripts.

use proptest::prelude::*;
use rasd_text::*;

/// Arabic letters, diacritics, tatweel, presentation forms, digits, quotes,
/// invisible marks, whitespace, Latin: the characters the normalizer treats
/// specially, drawn often enough to meet each other.
fn arabic_mix() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        4 => proptest::char::range('\u{0621}', '\u{064A}').prop_map(String::from),
        2 => proptest::char::range('\u{064B}', '\u{065F}').prop_map(String::from),
        1 => Just("\u{0640}".to_string()),
        1 => Just("\u{0670}".to_string()),
        1 => proptest::char::range('\u{06D6}', '\u{06ED}').prop_map(String::from),
        1 => proptest::char::range('\u{0660}', '\u{0669}').prop_map(String::from),
        1 => proptest::char::range('\u{06F0}', '\u{06F9}').prop_map(String::from),
        1 => proptest::char::range('\u{FB50}', '\u{FDFF}').prop_map(String::from),
        1 => proptest::char::range('\u{FE70}', '\u{FEFF}').prop_map(String::from),
        1 => prop::sample::select(vec!["«", "»", "“", "”", "\"", "'", "—", "–", "-", ".", "؟", "،", "؛", "!", "2.5"]).prop_map(String::from),
        1 => prop::sample::select(vec!["\u{200B}", "\u{200C}", "\u{200D}", "\u{200E}", "\u{200F}", "\u{061C}", "\u{FEFF}", "\u{202B}", "\u{2067}", "\u{00AD}", "\u{FE0F}"]).prop_map(String::from),
        2 => prop::sample::select(vec![" ", "  ", "\t", "\n", "\r\n", "\r", "\u{A0}", "\u{2003}", "\u{2028}", " \n ", "\n\n"]).prop_map(String::from),
        1 => "[a-zA-Z0-9]{1,4}",
        1 => any::<char>().prop_map(String::from),
        1 => prop::sample::select(vec!["ﻻ", "ﷲ", "ﷺ", "ﹰ", "ﱞ", "１２", "ﬁ", "ی", "ک", "ة", "ى", "أ", "إ", "آ", "ٱ", "ؤ", "ئ"]).prop_map(String::from),
    ];
    prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![arabic_mix(), any::<String>()]
}

fn configs() -> Vec<NormalizerConfig> {
    let mut partial = NormalizerConfig::matching();
    partial.collapse_whitespace = false;
    partial.remove_diacritics = false;
    let mut only_ws = NormalizerConfig::none();
    only_ws.collapse_whitespace = true;
    vec![
        NormalizerConfig::matching(),
        NormalizerConfig::display(),
        NormalizerConfig::none(),
        partial,
        only_ws,
    ]
}

fn boundaries(s: &str) -> Vec<usize> {
    s.char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()))
        .collect()
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
    #![proptest_config(ProptestConfig::with_cases(cases(400)))]

    #[test]
    fn alignment_is_monotonic_on_boundaries_and_covering(text in any_text()) {
        for cfg in configs() {
            let n = normalize(&text, &cfg);
            let norm = n.as_str();
            if !norm.is_empty() {
                prop_assert_eq!(n.original_range(0, norm.len()), 0..text.len());
            }
            let bs = boundaries(norm);
            let mut prev_start = 0;
            let mut prev_end = 0;
            for &k in &bs {
                let starts = n.original_range(k, norm.len()).start;
                let ends = n.original_range(0, k).end;
                prop_assert!(text.is_char_boundary(starts) && text.is_char_boundary(ends));
                prop_assert!(starts >= prev_start && ends >= prev_end, "not monotonic at {}", k);
                // No original byte is skipped: what ends before k reaches
                // at least where the text from k starts.
                prop_assert!(ends >= starts, "gap at {}: {} < {}", k, ends, starts);
                prev_start = starts;
                prev_end = ends;
            }
            // Each normalized character comes from its original range.
            for w in bs.windows(2) {
                let ch = &norm[w[0]..w[1]];
                if ch.trim().is_empty() {
                    continue;
                }
                let r = n.original_range(w[0], w[1]);
                let again = normalize_str(&text[r.clone()], &cfg);
                prop_assert!(again.contains(ch), "{:?} not in normalize({:?}) = {:?}", ch, &text[r], again);
            }
        }
    }

    #[test]
    fn match_fast_path_equals_aligned_and_is_idempotent(text in any_text()) {
        let fast = normalize_match(&text);
        let aligned = normalize(&text, &NormalizerConfig::matching());
        prop_assert_eq!(fast.as_str(), aligned.as_str());
        prop_assert_eq!(normalize_match(&fast), fast.clone());
        let display = normalize_str(&text, &NormalizerConfig::display());
        prop_assert_eq!(normalize_str(&display, &NormalizerConfig::display()), display.clone());
        // Display then match is the same as match alone.
        prop_assert_eq!(normalize_match(&display), fast);
    }

    #[test]
    fn tokens_and_segments_are_valid_spans(text in any_text()) {
        let mut last = 0;
        for t in tokenize(&text) {
            prop_assert!(last <= t.start && t.start <= t.stem_start && t.stem_start < t.end);
            prop_assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.stem_start) && text.is_char_boundary(t.end));
            last = t.end;
        }
        for spans in [sentences(&text), paragraphs(&text)] {
            let mut last = 0;
            for s in spans {
                prop_assert!(last <= s.start && s.start < s.end && s.end <= text.len());
                prop_assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
                prop_assert_eq!(s.slice(&text).trim(), s.slice(&text));
                last = s.end;
            }
        }
        // Every sentence lies inside one paragraph.
        let paras = paragraphs(&text);
        for s in sentences(&text) {
            prop_assert!(paras.iter().any(|p| p.start <= s.start && s.end <= p.end));
        }
    }
}

#[test]
fn real_seed_text_round_trips_through_alignment() {
    let text = "وذكرت مصادر من مدينة دير الزور لـ”العربي الجديد” أن القوات الروسية استقدمت الأربعاء، مزيداً من التعزيزات";
    let n = normalize(text, &NormalizerConfig::matching());
    let norm = n.as_str();
    for needle in ["العربي الجديد", "دير الزور", "الاربعاء", "مزيدا"]
    {
        let at = norm.find(needle).expect(needle);
        let r = n.original_range(at, at + needle.len());
        assert_eq!(normalize_match(&text[r]), needle);
    }
}
