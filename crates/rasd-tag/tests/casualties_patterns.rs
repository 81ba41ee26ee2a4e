//! Casualty patterns and number words, one sentence per case, written in
//! the style of Syrian news reports (not taken from the dev corpus).

use rasd_model::{Casualty, CasualtyKind, Span};
use rasd_tag::casualties::{extract_casualties, parse_number};

fn run(text: &str) -> Vec<Casualty> {
    extract_casualties(text, &rasd_text::sentences(text))
}

fn kind_code(k: CasualtyKind) -> char {
    match k {
        CasualtyKind::Killed => 'K',
        CasualtyKind::Wounded => 'W',
        CasualtyKind::Captured => 'C',
        CasualtyKind::Arrested => 'A',
    }
}

/// `K5` = 5 killed, `W3~` = 3 wounded, approximate.
fn summary(found: &[Casualty]) -> Vec<String> {
    found
        .iter()
        .map(|c| {
            format!(
                "{}{}{}",
                kind_code(c.kind),
                c.count,
                if c.approximate { "~" } else { "" }
            )
        })
        .collect()
}

fn check_table(cases: &[(&str, &[&str])]) {
    let mut failures = Vec::new();
    for (text, want) in cases {
        let found = run(text);
        let got = summary(&found);
        if got != *want {
            let phrases: Vec<&str> = found.iter().map(|c| c.text.as_str()).collect();
            failures.push(format!(
                "«{text}»\n    want {want:?}\n    got  {got:?} {phrases:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn number_words() {
    let cases: &[(&str, u32, bool)] = &[
        ("واحد", 1, false),
        ("ثلاثة", 3, false),
        ("ثلاث", 3, false),
        ("ثلاثةُ", 3, false),
        ("ثلاثةً", 3, false),
        ("أربعة", 4, false),
        ("ثماني", 8, false),
        ("عشرة", 10, false),
        ("عشر", 10, false),
        ("أحد عشر", 11, false),
        ("إحدى عشرة", 11, false),
        ("اثنا عشر", 12, false),
        ("اثني عشر", 12, false),
        ("اثنتي عشرة", 12, false),
        ("ثلاثة عشر", 13, false),
        ("تسع عشرة", 19, false),
        ("عشرون", 20, false),
        ("عشرين", 20, false),
        ("تسعين", 90, false),
        ("خمسة وعشرون", 25, false),
        ("واحد وثلاثين", 31, false),
        ("مئة", 100, false),
        ("مائة", 100, false),
        ("مئتان", 200, false),
        ("مئتين", 200, false),
        ("ثلاثمئة", 300, false),
        ("ثلاثمائة", 300, false),
        ("ثلاث مئة", 300, false),
        ("مئة وخمسون", 150, false),
        ("ثلاثمئة وخمسة وعشرون", 325, false),
        ("ألف", 1000, false),
        ("ألفين", 2000, false),
        ("ثلاثة آلاف", 3000, false),
        ("عشرين ألفاً", 20000, false),
        ("ألف ومئتان", 1200, false),
        ("7", 7, false),
        ("٧", 7, false),
        ("١٢", 12, false),
        ("1,200", 1200, false),
        ("٣٠٦", 306, false),
        ("70 ألف", 70000, false),
        ("2.5 مليون", 2_500_000, false),
        ("أكثر من 20", 20, false),
        ("نحو 30", 30, false),
        ("حوالي 15", 15, false),
        ("ما لا يقل عن 27", 27, false),
        ("قرابة الـ250", 250, false),
        ("عشرات", 20, true),
        ("العشرات", 20, true),
        ("مئات", 200, true),
        ("عدد من", 2, true),
        ("عشرات الآلاف", 20_000, true),
    ];
    let mut failures = Vec::new();
    for (words, value, approx) in cases {
        let got = parse_number(words);
        if got != Some((*value, *approx)) {
            failures.push(format!("{words}: want {:?}, got {got:?}", (value, approx)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for not_a_count in ["", "اثنا", "أحد", "الثالث", "مقتل", "ثلاثة ثلاثة", "2015 م"]
    {
        assert_eq!(parse_number(not_a_count), None, "{not_a_count}");
    }
}

#[test]
fn killed_patterns() {
    check_table(&[
        ("قتل 5 مدنيين بقصف مدفعي على ريف إدلب.", &["K5"]),
        ("مقتل عنصرين من قوات النظام بهجوم في البادية.", &["K2"]),
        ("مقتل شاب برصاص مجهولين في درعا.", &["K1"]),
        ("مقتل سيدة وطفل بقصف على بلدة سرمين.", &["K2"]),
        ("مقتل أكثر من 20 عنصراً من الميليشيات.", &["K20"]),
        ("مقتل نحو 30 شخصاً في غارات جوية.", &["K30"]),
        (
            "لقي خمسة عناصر من الفرقة الرابعة مصرعهم بانفجار لغم.",
            &["K5"],
        ),
        ("لقيت طفلة حتفها جراء القصف.", &["K1"]),
        ("وأعلنت المصادر سقوط 4 قتلى في القصف.", &["K4"]),
        ("أودى الانفجار بحياة سبعة مدنيين.", &["K7"]),
        ("وأسفر القصف عن مقتل ثلاثة أطفال.", &["K3"]),
        ("وقضى 3 مدنيين جراء القصف.", &["K3"]),
        ("استشهاد 6 مدنيين بغارة روسية.", &["K6"]),
        ("مصرع شخصين بانفجار عبوة ناسفة.", &["K2"]),
        ("وفاة طفلين جراء القصف.", &["K2"]),
        ("وسقط 12 قتيلاً في الاشتباكات.", &["K12"]),
        ("وخلّفت المعارك 15 قتيلاً على الأقل.", &["K15"]),
        ("قُتل ١٢ عنصراً من قوات النظام.", &["K12"]),
        ("مقتل 1,200 شخص منذ بداية العام.", &["K1200"]),
        ("مقتل خمسة وعشرين عنصراً.", &["K25"]),
        ("مقتل إحدى عشرة امرأة.", &["K11"]),
        ("مقتل اثني عشر عنصراً.", &["K12"]),
        ("قتل طفلان بقصف مدفعي.", &["K2"]),
        ("قتل 3 عسكريين أتراك بهجوم.", &["K3"]),
        ("قتلت القوات التركية 3 مدنيين في قصف على القرية.", &["K3"]),
        ("ارتفعت حصيلة القتلى إلى 15 شخصاً.", &["K15"]),
        ("عثر الأهالي على جثة شاب في الحقول.", &["K1"]),
        ("وأكد المرصد أن 30 مدنياً قتلوا في الغارات.", &["K30"]),
        ("كان شاب من البلدة قد لقي حتفه برصاص قناص.", &["K1"]),
        ("مقتل مدنيين اثنين في قصف.", &["K2"]),
        ("مقتل عنصرين اثنين من الشرطة.", &["K2"]),
        ("مقتل امرأة وطفليها بقصف.", &["K3"]),
    ]);
}

#[test]
fn wounded_captured_arrested_patterns() {
    check_table(&[
        ("إصابة طفل بجروح جراء انفجار قنبلة.", &["W1"]),
        ("جرح 9 أشخاص في انفجار سيارة مفخخة.", &["W9"]),
        ("إصابة 14 مدنياً بجروح متفاوتة.", &["W14"]),
        ("وخلف الهجوم 8 جرحى.", &["W8"]),
        ("وأصيب 3 عناصر آخرين.", &["W3"]),
        ("أصيب مدنيان بجروح.", &["W2"]),
        ("ونقل 7 مصابين إلى المشفى.", &["W7"]),
        ("أسر 4 عناصر من قوات النظام.", &["C4"]),
        ("اعتقال 12 شاباً من بلدة الكسوة.", &["A12"]),
        ("اعتقلت قوات النظام 5 أشخاص على حاجز.", &["A5"]),
        ("ألقت الشرطة القبض على ثلاثة أشخاص.", &["A3"]),
    ]);
}

#[test]
fn statements_in_one_sentence() {
    check_table(&[
        ("مقتل 3 أشخاص وإصابة 5 آخرين بقصف.", &["K3", "W5"]),
        (
            "وأسفر الهجوم عن مقتل عنصر وإصابة اثنين آخرين.",
            &["K1", "W2"],
        ),
        ("قُتل 6 وأصيب 11 في الهجوم.", &["K6", "W11"]),
        ("مقتل 3 من عناصر قسد وإصابة 4 آخرين.", &["K3", "W4"]),
        ("قتل شخص وجرح آخر بانفجار.", &["K1", "W1"]),
        ("قتيلان وثلاثة جرحى في قصف على المدينة.", &["K2", "W3"]),
        ("غارة توقع قتيلاً وجريحاً.", &["K1", "W1"]),
        ("مقتل 4 مدنيين، بينهم طفلان، بقصف.", &["K4"]),
        ("مقتل 7 عناصر بينهم ضابطان.", &["K7"]),
    ]);
}

#[test]
fn vague_joint_and_named() {
    check_table(&[
        ("مقتل وجرح 10 أشخاص في الانفجار.", &["K10~", "W10~"]),
        ("مقتل وإصابة 12 عنصراً.", &["K12~", "W12~"]),
        ("سقوط 20 بين قتيل وجريح.", &["K20~", "W20~"]),
        ("مقتل عشرات المدنيين في المجزرة.", &["K20~"]),
        ("وإصابة العشرات بجروح.", &["W20~"]),
        ("مقتل عدد من عناصر التنظيم.", &["K2~"]),
        ("مقتل الشاب محمد العلي برصاص مجهولين.", &[]),
        ("اغتيال القيادي \"أبو محمد\" في درعا.", &[]),
        ("نجا قيادي من محاولة اغتيال في ريف درعا.", &[]),
        ("ولم تسفر الغارة عن وقوع إصابات.", &[]),
        ("سقط قتلى وجرحى في القصف.", &[]),
        ("قتل في عام 2015 خلال المعارك.", &[]),
        ("ويقيم في المخيم 70 ألف شخص بينهم 3 آلاف طفل.", &[]),
        ("وأسقط الطيران عشرات البراميل المتفجرة.", &[]),
        ("وقتلوا عدداً من العناصر وأسروا آخرين.", &["K2~"]),
    ]);
}

#[test]
fn repeated_counts_are_listed_once() {
    let text = "مقتل 3 عناصر من قوات النظام في هجوم\nقُتل 3 عناصر من قوات النظام السوري خلال هجوم لخلايا التنظيم، وقُتل عنصر من المهاجمين.";
    assert_eq!(summary(&run(text)), ["K3", "K1"]);
    // Further victims are not a repeat.
    let text = "استشهد ثلاثة مدنيين بانفجار، وفي اليوم التالي استشهد ثلاثة مدنيين آخرين.";
    assert_eq!(summary(&run(text)), ["K3", "K3"]);
    // Two different single victims are two statements.
    let text = "لقي شاب حتفه برصاص مجهولين. وفي حادثة ثانية قُتل عنصر بانفجار عبوة.";
    assert_eq!(summary(&run(text)), ["K1", "K1"]);
}

#[test]
fn spans_are_exact_original_slices() {
    let text =
        "قالَ المرصدُ إنّ الغارةَ أودت بحياةِ ٢٨ مِن عناصرِ التنظيمِ.\n\nوأُصيبَ ثلاثةُ مدنيينَ آخرين بجروحٍ.";
    let sentences = rasd_text::sentences(text);
    let found = extract_casualties(text, &sentences);
    assert_eq!(summary(&found), ["K28", "W3"]);
    for c in &found {
        assert!(text.is_char_boundary(c.sentence.start) && text.is_char_boundary(c.sentence.end));
        assert!(
            sentences.contains(&c.sentence),
            "sentence span is one of the given sentences"
        );
        let sent = c.sentence.slice(text);
        assert!(sent.contains(&c.text), "phrase inside its sentence");
    }
    assert_eq!(found[0].text, "بحياةِ ٢٨ مِن عناصرِ");
    assert!(found[1].text.starts_with("وأُصيبَ ثلاثةُ"));
}

#[test]
fn sentence_fallback_without_given_sentences() {
    let text = "عنوان.\nمقتل 4 مدنيين بقصف على القرية. خبر آخر.";
    let found = extract_casualties(text, &[]);
    assert_eq!(summary(&found), ["K4"]);
    let s = found[0].sentence;
    assert_eq!(s.slice(text), "مقتل 4 مدنيين بقصف على القرية");
    // Bogus spans (out of range, inside a character) are ignored, not trusted.
    let bogus = [Span::new(1, 3), Span::new(0, 10_000)];
    let found = extract_casualties(text, &bogus);
    assert_eq!(summary(&found), ["K4"]);
    assert!(text.is_char_boundary(found[0].sentence.start));
}
