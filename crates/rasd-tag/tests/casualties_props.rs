//! Property tests: casualty extraction never panics, and every statement
//! reports a sentence span on character boundaries with its phrase inside.

use proptest::prelude::*;
use rasd_model::Span;
use rasd_tag::casualties::extract_casualties;

/// Pieces that exercise the parser: triggers, counts, victims, clitics,
/// diacritics, quotes, punctuation, digits of both scripts.
const PIECES: &[&str] = &[
    "مقتل",
    "قُتل",
    "قتلوا",
    "لقي",
    "حتفه",
    "مصرعهم",
    "أصيب",
    "إصابة",
    "وإصابة",
    "جرح",
    "وجرح",
    "اعتقال",
    "أسر",
    "سقوط",
    "قتلى",
    "قتيلاً",
    "جرحى",
    "قتيلين",
    "عنصرين",
    "مدنيان",
    "مدنيين",
    "طفل",
    "وطفلتها",
    "امرأة",
    "الشاب",
    "محمد",
    "آخرين",
    "آخر",
    "واحد",
    "بينهم",
    "من",
    "عدد",
    "عشرات",
    "ثلاثة",
    "ثلاثةُ",
    "عشر",
    "وعشرون",
    "مئة",
    "آلاف",
    "ألفين",
    "أكثر",
    "نحو",
    "على",
    "الأقل",
    "الـ",
    "7",
    "٢٨",
    "1,200",
    "2.5",
    "2015",
    "،",
    ".",
    "؟",
    "\n",
    "\"",
    "«",
    "»",
    "(",
    ")",
    "ـ",
    "*",
    "ـ.ـ",
    "مقـ.ـتل",
    "\u{064E}",
    "\u{0651}",
    "\u{200F}",
    " ",
    "و",
    "ب",
    "ال",
    "x",
    "é",
    "🙂",
];

fn article() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(PIECES).prop_map(|s| s.to_string()),
            1 => any::<String>(),
        ],
        0..40,
    )
    .prop_map(|parts| parts.join(" "))
}

fn check(text: &str, sentences: &[Span], phrase_in_sentence: bool) -> Result<(), TestCaseError> {
    let found = extract_casualties(text, sentences);
    for c in &found {
        let s = c.sentence;
        prop_assert!(s.start <= s.end && s.end <= text.len());
        prop_assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
        prop_assert!(!c.text.is_empty());
        prop_assert!(text.contains(&c.text), "phrase is a slice of the text");
        if phrase_in_sentence {
            prop_assert!(
                s.slice(text).contains(&c.text),
                "phrase {:?} in sentence {:?}",
                c.text,
                s.slice(text)
            );
        }
        prop_assert!(c.count > 0);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_panics_and_spans_are_valid(text in article()) {
        let sentences = rasd_text::sentences(&text);
        check(&text, &sentences, true)?;
        check(&text, &[], false)?;
    }

    #[test]
    fn arbitrary_sentence_spans_are_survived(text in article(), raw in prop::collection::vec((0usize..400, 0usize..400), 0..6)) {
        let spans: Vec<Span> = raw.into_iter().map(|(a, b)| Span::new(a, b)).collect();
        check(&text, &spans, false)?;
    }

    #[test]
    fn any_string_is_survived(text in any::<String>()) {
        check(&text, &rasd_text::sentences(&text), true)?;
    }
}
