//! Prints every casualty statement found in the dev corpus, the seeds and
//! any files named in `RASD_CASUALTY_FILES` (colon-separated; plain text or
//! dev-corpus JSON), for reviewing what the extractor does beyond the
//! scored killed/wounded counts. Ignored by default:
//! `cargo test -p rasd-tag --test casualties_dump -- --ignored --nocapture`.

use std::path::{Path, PathBuf};

use rasd_tag::casualties::extract_casualties;

fn article_text(p: &Path) -> Option<String> {
    let raw = std::fs::read_to_string(p).ok()?;
    if p.extension().is_some_and(|x| x == "json") {
        let v: serde_json::Value = serde_json::from_str(&raw).ok()?;
        Some(format!(
            "{}\n{}",
            v["title"].as_str().unwrap_or(""),
            v["text"].as_str().unwrap_or("")
        ))
    } else {
        Some(raw)
    }
}

#[test]
#[ignore]
fn dump_statements() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in ["tests/fixtures/dev-corpus", "seeds"] {
        if let Ok(rd) = std::fs::read_dir(root.join(dir)) {
            files.extend(rd.filter_map(|e| e.ok().map(|e| e.path())));
        }
    }
    if let Ok(extra) = std::env::var("RASD_CASUALTY_FILES") {
        files.extend(
            extra
                .split(':')
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
        );
    }
    files.sort();
    for f in files {
        let Some(text) = article_text(&f) else {
            continue;
        };
        let found = extract_casualties(&text, &rasd_text::sentences(&text));
        println!("== {}", f.file_name().unwrap_or_default().to_string_lossy());
        for c in found {
            println!(
                "   {:?} {} approx={} «{}»",
                c.kind, c.count, c.approximate, c.text
            );
        }
    }
}

/// Throughput of `extract_casualties` alone on the dev corpus and seeds
/// repeated (run in release: `--release -- --ignored --nocapture`).
#[test]
#[ignore]
fn throughput() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut texts = Vec::new();
    for dir in ["tests/fixtures/dev-corpus", "seeds"] {
        if let Ok(rd) = std::fs::read_dir(root.join(dir)) {
            for p in rd.filter_map(|e| e.ok().map(|e| e.path())) {
                if p.extension().is_some_and(|x| x == "json" || x == "txt") {
                    texts.extend(article_text(&p));
                }
            }
        }
    }
    let prepared: Vec<(String, Vec<rasd_model::Span>)> = texts
        .into_iter()
        .map(|t| {
            let s = rasd_text::sentences(&t);
            (t, s)
        })
        .collect();
    let bytes: usize = prepared.iter().map(|(t, _)| t.len()).sum();
    let rounds = (20_000_000 / bytes.max(1)).max(1);
    let start = std::time::Instant::now();
    let mut n = 0;
    for _ in 0..rounds {
        for (t, s) in &prepared {
            n += extract_casualties(t, s).len();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let mb = (bytes * rounds) as f64 / 1e6;
    println!(
        "casualties: {mb:.1} MB in {secs:.2}s = {:.1} MB/s ({n} statements)",
        mb / secs
    );
}
