//! Golden expectations for the five seed articles (`seeds/`), reviewed by
//! hand against the annotation guide: the key entities an annotator would
//! list must be there (by knowledge-base id and type), known misreadings
//! must not, and stated casualty counts must be found. Seeds go through the
//! real cleaner first, as in the pipeline.

use std::path::{Path, PathBuf};

use rasd_model::{CasualtyKind, EntitySource, RawArticle};
use rasd_tag::Tagger;
use serde::Deserialize;

#[derive(Deserialize)]
struct Expected {
    seed: String,
    about: String,
    must_include: Vec<Must>,
    must_not_include: Vec<String>,
    casualties_include: Vec<CasualtyExp>,
}

#[derive(Deserialize)]
struct Must {
    #[serde(rename = "type")]
    ty: String,
    id: String,
}

#[derive(Deserialize)]
struct CasualtyExp {
    kind: String,
    count: u32,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn seeds_match_their_golden_expectations() {
    let tagger = Tagger::load_default().expect("KB loads");
    let cleaner = rasd_clean::Cleaner::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 5, "one golden file per seed");
    let mut failures = Vec::new();
    for f in files {
        let exp: Expected = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let text = std::fs::read_to_string(root().join(&exp.seed)).unwrap();
        let raw = RawArticle {
            text: Some(text),
            ..RawArticle::default()
        };
        let clean = cleaner.process(&raw).expect("seed cleans");
        let t = tagger.process(&clean);
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        assert!(t.skipped.is_none(), "{name}: {}", exp.about);
        for m in &exp.must_include {
            match t.entities.iter().find(|e| e.id == m.id) {
                Some(e) if e.entity_type.as_str() == m.ty => {}
                Some(e) => failures.push(format!(
                    "{name}: {} is {}, expected {}",
                    m.id,
                    e.entity_type.as_str(),
                    m.ty
                )),
                None => failures.push(format!("{name}: missing {} {}", m.ty, m.id)),
            }
        }
        for id in &exp.must_not_include {
            if t.entities.iter().any(|e| &e.id == id) {
                failures.push(format!("{name}: must not tag {id}"));
            }
        }
        for c in &exp.casualties_include {
            let kind = match c.kind.as_str() {
                "killed" => CasualtyKind::Killed,
                _ => CasualtyKind::Wounded,
            };
            if !t
                .casualties
                .iter()
                .any(|x| x.kind == kind && x.count == c.count && !x.approximate)
            {
                failures.push(format!("{name}: missing casualty {} {}", c.kind, c.count));
            }
        }
        // Nothing absurd: discovered names are few, and every name has at
        // least two letters.
        let discovered = t
            .entities
            .iter()
            .filter(|e| e.source == EntitySource::Discovered)
            .count();
        if discovered * 4 > t.entities.len() {
            failures.push(format!(
                "{name}: {discovered} of {} entities discovered",
                t.entities.len()
            ));
        }
        for e in &t.entities {
            if e.name_ar.chars().filter(|c| c.is_alphabetic()).count() < 2 {
                failures.push(format!("{name}: absurd name {:?} ({})", e.name_ar, e.id));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
