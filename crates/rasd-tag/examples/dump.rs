//! Dump `Tagger::process` output (one JSON per line) for the seeds and the
//! dev corpus, to check that performance work keeps the output
//! byte-identical: dump before, dump after, diff.
//!
//! `cargo run --release -p rasd-tag --example dump`
//! With `--bench-mb MB` it tags the cleaned seeds replicated to MB megabytes
//! and prints only the entity count (a steady input for callgrind).

use std::path::{Path, PathBuf};

use rasd_model::RawArticle;
use rasd_tag::eval::GoldArticle;
use rasd_tag::Tagger;

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let tagger = Tagger::load_default().unwrap_or_else(|e| panic!("{e}"));
    let cleaner = rasd_clean::Cleaner::new();
    let mut raws: Vec<RawArticle> = files(&root.join("seeds"), "txt")
        .iter()
        .map(|p| RawArticle {
            text: Some(std::fs::read_to_string(p).unwrap()),
            ..RawArticle::default()
        })
        .collect();
    if args.first().map(String::as_str) == Some("--bench-mb") {
        let mb: usize = args[1].parse().unwrap();
        let cleaned: Vec<_> = raws.iter().map(|r| cleaner.process(r).unwrap()).collect();
        let (mut total, mut n) = (0usize, 0usize);
        while total < mb * 1_000_000 {
            for c in &cleaned {
                total += c.text.len() + c.title.len();
                n += tagger.process(c).entities.len();
            }
        }
        println!("{n}");
        return;
    }
    for p in files(&root.join("tests/fixtures/dev-corpus"), "json") {
        let g: GoldArticle = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        raws.push(g.raw());
    }
    for r in &raws {
        match cleaner.process(r) {
            Ok(c) => println!("{}", serde_json::to_string(&tagger.process(&c)).unwrap()),
            Err(e) => println!("error {e}"),
        }
    }
}
