//! Golden files for the five seed articles: title, outlet, language,
//! removed lines with kinds, fixes and the cleaned text, in a format meant
//! for reading. Regenerate with `UPDATE_GOLDEN=1 cargo test -p rasd-clean
//! --test golden`, then read the diff: no line of boilerplate may survive
//! and no sentence of the article may be lost.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use rasd_clean::{key, Cleaner};
use rasd_model::{CleanArticle, RawArticle};

fn seeds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds")
}

fn render(a: &CleanArticle) -> String {
    let mut s = String::new();
    writeln!(s, "## title\n{}\n", a.title).unwrap();
    writeln!(s, "## outlet\n{}\n", a.outlet.as_deref().unwrap_or("-")).unwrap();
    writeln!(s, "## lang\n{}\n", a.lang).unwrap();
    writeln!(s, "## removed").unwrap();
    for r in &a.removed {
        writeln!(s, "[{}] {}", r.kind, r.text).unwrap();
    }
    writeln!(s, "\n## fixes").unwrap();
    for f in &a.fixes {
        writeln!(s, "[{}] {} → {}", f.kind, f.from, f.to).unwrap();
    }
    writeln!(
        s,
        "\n## counts\nparagraphs {} sentences {} input_chars {} output_chars {}\n",
        a.paragraphs.len(),
        a.sentences.len(),
        a.input_chars,
        a.output_chars
    )
    .unwrap();
    writeln!(s, "## text\n{}", a.text).unwrap();
    s
}

fn seed_articles() -> Vec<(String, RawArticle)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(seeds_dir())
        .expect("seeds/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().to_string();
            let raw = RawArticle {
                id: Some(stem.clone()),
                text: Some(std::fs::read_to_string(&p).unwrap()),
                ..Default::default()
            };
            (stem, raw)
        })
        .collect()
}

#[test]
fn seeds_match_golden_files() {
    let cleaner = Cleaner::new();
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let seeds = seed_articles();
    assert_eq!(seeds.len(), 5, "five seed articles");
    let mut mismatches = vec![];
    for (stem, raw) in seeds {
        let a = cleaner.process(&raw).expect("seed cleans");
        let got = render(&a);
        let path = dir.join(format!("{stem}.txt"));
        if update {
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if want != got {
            mismatches.push(format!(
                "{stem}: golden differs; run with UPDATE_GOLDEN=1 and review\n--- got ---\n{got}"
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// Facts about the seeds that the golden files must keep showing, stated
/// independently of them.
#[test]
fn seed_facts() {
    let cleaner = Cleaner::new();
    let arts: Vec<CleanArticle> = seed_articles()
        .iter()
        .map(|(_, r)| cleaner.process(r).unwrap())
        .collect();
    let boiler = [
        "Facebook",
        "Twitter",
        "WhatsApp",
        "Telegram",
        "الأكثر قراءة",
        "التعليقات",
        "اترك تعليقا",
        "مقالات ذات صلة",
        "أهم المواضيع",
        "أهم التصنيفات",
        "صندوق بريدك",
        "نشرتنا البريدية",
        "SY24",
        "وكالة زيتون",
        "ميدل ايست نيوز",
        "تركيا - غازي عنتاب",
        "قوات روسية القوات الروسية",
        "#",
        "ديرالزور",
    ];
    for a in &arts {
        assert_eq!(a.lang, "ar");
        for b in boiler {
            assert!(!a.text.contains(b), "{}: {b:?} survived", a.id);
        }
        assert!(
            !a.text.contains(&a.title),
            "{}: title repeated in text",
            a.id
        );
        for s in a.sentences.iter().chain(&a.paragraphs) {
            assert!(
                a.text.is_char_boundary(s.start)
                    && a.text.is_char_boundary(s.end)
                    && s.start < s.end
            );
        }
    }
    let outlets: Vec<Option<&str>> = arts.iter().map(|a| a.outlet.as_deref()).collect();
    assert_eq!(
        outlets,
        [
            Some("Middle East News"),
            Some("Al-Hal Net"),
            Some("Orient Net"),
            Some("Zaitoun Agency"),
            Some("SY24")
        ]
    );
    // Seed 000 repeats its lead inside a body paragraph: it appears once.
    assert_eq!(arts[0].text.matches("تعرضت يوم أمس لهجوم مباغت").count(), 1);
    assert!(arts[0].removed.iter().any(|r| r.kind == "duplicate"));
    // Seed 001 repeats its title.
    assert!(arts[1].title.starts_with("قتلى وجرحى لـ «لواء القدس»"));
    assert!(arts[1]
        .fixes
        .iter()
        .any(|f| f.kind == "close_space" && f.to == "قوات حفظ النظام"));
    // Seed 003: title is the headline after the dateline.
    assert!(arts[3].title.starts_with("للمرة الأولى"));
    assert!(arts[3]
        .removed
        .iter()
        .any(|r| r.kind == "dateline" && r.text == "تركيا - غازي عنتاب"));
    assert!(arts[3].removed.iter().any(|r| r.kind == "keywords"));
    // Nothing is lost silently: every input line is in the text, or is
    // the title, or is reported in `removed` (a byline prefix plus the rest
    // of its paragraph in the text); a removed duplicate is still present.
    for ((_, raw), a) in seed_articles().iter().zip(&arts) {
        let text_key = key(&a.text);
        let title_key = key(&a.title);
        for line in raw
            .text
            .as_deref()
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            let k = key(&line.replace('#', "")).replace("ديرالزور", "دير الزور");
            let in_text = text_key.contains(&k);
            let reported = a.removed.iter().any(|r| {
                let rk = key(&r.text);
                rk == k
                    || (r.kind == "byline"
                        && k.starts_with(&rk)
                        && text_key.contains(k[rk.len()..].trim()))
            });
            assert!(
                in_text || reported || k == title_key,
                "{}: line lost: {line}",
                a.id
            );
        }
        for r in a.removed.iter().filter(|r| r.kind == "duplicate") {
            let rk = key(&r.text);
            assert!(
                text_key.contains(&rk) || rk == title_key,
                "{}: duplicate has no original: {}",
                a.id,
                r.text
            );
        }
    }
}

/// A 1 MB article (the stage's size limit) of many distinct paragraphs, and
/// one of a single 1 MB line, clean in well under a second each.
#[test]
fn large_articles_clean_quickly() {
    let cleaner = Cleaner::new();
    let seeds: Vec<String> = seed_articles()
        .into_iter()
        .map(|(_, r)| r.text.unwrap())
        .collect();
    let mut many = String::new();
    let mut k = 0;
    while many.len() < 1_000_000 {
        for line in seeds.iter().flat_map(|s| s.lines()) {
            // Distinct paragraphs: a number makes each line unique.
            many.push_str(&format!("{line} {k}.\n"));
            k += 1;
        }
    }
    let one_line = many.replace('\n', " ");
    for text in [many, one_line] {
        let t = std::time::Instant::now();
        let raw = RawArticle {
            text: Some(text),
            ..Default::default()
        };
        let a = cleaner.process(&raw).expect("cleans");
        assert!(a.output_chars > 100_000);
        assert!(t.elapsed().as_secs_f64() < 5.0, "took {:?}", t.elapsed());
    }
}
