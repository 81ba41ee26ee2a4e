//! Casualty extraction over the hand-annotated dev corpus.
//!
//! Runs `extract_casualties` on every article (title + "\n" + text, with
//! rasd-text's sentences), compares the multiset of exact killed/wounded
//! counts with the gold `casualties`, prints the per-article differences and
//! the scores, and fails when they drop below the floor. Run with
//! `-- --nocapture` to see the report.

use std::collections::HashMap;
use std::path::PathBuf;

use rasd_model::CasualtyKind;
use rasd_tag::casualties::extract_casualties;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/dev-corpus")
}

type Key = (&'static str, u32);

fn gold_counts(v: &serde_json::Value) -> Vec<Key> {
    let mut out = Vec::new();
    for c in v["casualties"].as_array().into_iter().flatten() {
        if let Some(n) = c.get("killed").and_then(|n| n.as_u64()) {
            out.push(("killed", n as u32));
        }
        if let Some(n) = c.get("wounded").and_then(|n| n.as_u64()) {
            out.push(("wounded", n as u32));
        }
    }
    out
}

/// Size of the multiset intersection.
fn matched(gold: &[Key], pred: &[Key]) -> usize {
    let mut left: HashMap<Key, usize> = HashMap::new();
    for g in gold {
        *left.entry(*g).or_default() += 1;
    }
    let mut m = 0;
    for p in pred {
        if let Some(n) = left.get_mut(p) {
            if *n > 0 {
                *n -= 1;
                m += 1;
            }
        }
    }
    m
}

/// Score the extractor on the dev corpus, with each article's text prepared
/// by `prepare` (title + text as it is, or through the clean stage).
fn score(
    label: &str,
    prepare: &dyn Fn(&serde_json::Value) -> (String, Vec<rasd_model::Span>),
) -> (f64, f64, f64) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("dev corpus present")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 50,
        "expected the dev corpus, found {} files",
        files.len()
    );

    let (mut gold_total, mut pred_total, mut hit_total, mut exact) = (0, 0, 0, 0);
    for f in &files {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        let (text, sentences) = prepare(&v);
        let found = extract_casualties(&text, &sentences);
        for c in &found {
            assert_eq!(
                &text[c.sentence.start..c.sentence.end],
                c.sentence.slice(&text)
            );
            assert!(text.contains(&c.text));
        }
        let pred: Vec<Key> = found
            .iter()
            .filter(|c| !c.approximate)
            .filter_map(|c| match c.kind {
                CasualtyKind::Killed => Some(("killed", c.count)),
                CasualtyKind::Wounded => Some(("wounded", c.count)),
                _ => None,
            })
            .collect();
        let gold = gold_counts(&v);
        let m = matched(&gold, &pred);
        gold_total += gold.len();
        pred_total += pred.len();
        hit_total += m;
        let ok = m == gold.len() && m == pred.len();
        if ok {
            exact += 1;
        } else {
            let name = f.file_name().unwrap().to_string_lossy();
            println!("✗ {name}: gold {gold:?} predicted {pred:?}");
            for c in &found {
                println!(
                    "    {:?} {} approx={} «{}»",
                    c.kind, c.count, c.approximate, c.text
                );
            }
        }
    }
    let recall = hit_total as f64 / gold_total.max(1) as f64;
    let precision = hit_total as f64 / pred_total.max(1) as f64;
    let exact_share = exact as f64 / files.len() as f64;
    println!(
        "casualties ({label}): {} articles, gold statements matched {hit_total}/{gold_total} = {recall:.3}, precision {hit_total}/{pred_total} = {precision:.3}, articles exactly right {exact}/{} = {exact_share:.3}",
        files.len(),
        files.len()
    );
    (recall, precision, exact_share)
}

#[test]
fn dev_corpus_casualty_accuracy() {
    let (recall, precision, exact_share) = score("title + text", &|v| {
        let text = format!(
            "{}\n{}",
            v["title"].as_str().unwrap_or(""),
            v["text"].as_str().unwrap_or("")
        );
        let sentences = rasd_text::sentences(&text);
        (text, sentences)
    });
    assert!(recall >= 0.9, "recall {recall:.3}");
    assert!(precision >= 0.9, "precision {precision:.3}");
    assert!(exact_share >= 0.9, "exact share {exact_share:.3}");
}

/// The same through the real clean stage, as `rasd eval` runs it: the
/// extractor sees `CleanArticle.text` and its sentences.
#[test]
fn dev_corpus_casualty_accuracy_after_cleaning() {
    let cleaner = rasd_clean::Cleaner::new();
    let (recall, precision, exact_share) = score("cleaned", &|v| {
        let raw = rasd_model::RawArticle {
            id: v["id"].as_str().map(str::to_string),
            title: v["title"]
                .as_str()
                .filter(|t| !t.trim().is_empty())
                .map(str::to_string),
            text: v["text"].as_str().map(str::to_string),
            ..Default::default()
        };
        let clean = cleaner.process(&raw).expect("dev article cleans");
        (clean.text, clean.sentences)
    });
    assert!(recall >= 0.85, "recall {recall:.3}");
    assert!(precision >= 0.85, "precision {precision:.3}");
    assert!(exact_share >= 0.85, "exact share {exact_share:.3}");
}
