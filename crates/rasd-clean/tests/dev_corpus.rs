//! The hand-annotated dev corpus (tests/fixtures/dev-corpus): cleaning
//! must keep every entity surface the annotators marked, either in the
//! title or text, or, for the header and footer lines the cleaner removes
//! (bylines, datelines, credits), in `removed` where the tag stage can still
//! read it. Nothing may disappear silently.

use std::path::Path;

use rasd_clean::{fixes, key, Cleaner, Rules};
use rasd_model::RawArticle;

#[test]
fn annotated_surfaces_survive_cleaning() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/dev-corpus");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        panic!("dev corpus missing at {}", dir.display());
    };
    let cleaner = Cleaner::new();
    let rules = Rules::builtin();
    let (mut total, mut in_text, mut in_removed) = (0, 0, 0);
    let mut lost = vec![];
    let mut files = 0;
    for e in entries {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        files += 1;
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let raw = RawArticle {
            id: v["id"].as_str().map(str::to_string),
            title: v["title"].as_str().map(str::to_string),
            text: v["text"].as_str().map(str::to_string),
            ..Default::default()
        };
        let a = cleaner.process(&raw).expect("dev article cleans");
        assert_eq!(a.lang, "ar", "{}", a.id);
        let body = key(&format!("{}\n{}", a.title, a.text));
        let removed: Vec<String> = a.removed.iter().map(|r| key(&r.text)).collect();
        for ent in v["entities"].as_array().unwrap() {
            for s in ent["surface"].as_array().unwrap() {
                let s = s.as_str().unwrap();
                // The cleaner's own repairs apply to surfaces too (ديرالزور).
                let spaced = s.replace(['#', '_'], " ");
                let fixed = fixes::split_fused(&spaced, &rules, &mut vec![]);
                // Substring: surfaces may carry or lack clitics (وإيران).
                let k = key(&fixed);
                total += 1;
                if body.contains(&k) {
                    in_text += 1;
                } else if removed.iter().any(|r| r.contains(&k)) {
                    in_removed += 1;
                } else {
                    lost.push(format!("{}: {s}", a.id));
                }
            }
        }
    }
    assert!(files >= 60, "only {files} dev articles");
    println!("{total} surfaces: {in_text} in title/text, {in_removed} in removed lines");
    assert!(lost.is_empty(), "surfaces lost: {lost:?}");
    // Removed header/footer lines hold only a few surfaces (bylines, datelines).
    assert!(
        in_removed * 20 < total,
        "{in_removed} of {total} surfaces only in removed lines"
    );
}
