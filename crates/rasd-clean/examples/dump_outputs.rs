//! Dump `Cleaner::process` output (one JSON per line) for the seeds, the
//! dev corpus and deterministic random inputs assembled from their lines,
//! the data files and odd characters. Used to check that performance work
//! keeps the output byte-identical: dump before, dump after, diff.
//!
//! `cargo run --release -p rasd-clean --example dump_outputs -- [N_RANDOM]`
//! With `--bench-mb MB` instead, it cleans the seeds replicated to MB
//! megabytes and prints nothing but the count (for callgrind).

use std::path::{Path, PathBuf};

use rasd_clean::Cleaner;
use rasd_model::RawArticle;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cleaner = Cleaner::new();
    let seeds: Vec<String> = files(&repo_root().join("seeds"), "txt")
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    if args.first().map(String::as_str) == Some("--bench-mb") {
        let mb: usize = args[1].parse().unwrap();
        let mut raws = Vec::new();
        let mut total = 0;
        while total < mb * 1_000_000 {
            for s in &seeds {
                total += s.len();
                raws.push(RawArticle {
                    text: Some(s.clone()),
                    ..Default::default()
                });
            }
        }
        let n = raws.iter().filter(|r| cleaner.process(r).is_ok()).count();
        println!("{n}");
        return;
    }
    let n_random: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(3000);
    let mut inputs: Vec<RawArticle> = seeds
        .iter()
        .map(|s| RawArticle {
            text: Some(s.clone()),
            ..Default::default()
        })
        .collect();
    for p in files(&repo_root().join("tests/fixtures/dev-corpus"), "json") {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        inputs.push(RawArticle {
            title: v["title"].as_str().map(str::to_string),
            text: v["text"].as_str().map(str::to_string),
            ..Default::default()
        });
        inputs.push(RawArticle {
            text: v["text"].as_str().map(str::to_string),
            ..Default::default()
        });
    }
    // Line pool for random articles.
    let mut pool: Vec<String> = Vec::new();
    for t in inputs.iter().filter_map(|r| r.text.as_deref()) {
        pool.extend(t.lines().map(str::to_string));
    }
    for data in [
        rasd_clean::rules::BOILERPLATE_TOML,
        rasd_clean::rules::OUTLETS_TOML,
        rasd_clean::rules::FUSED_TOML,
    ] {
        for l in data.lines() {
            for q in l.split('"').skip(1).step_by(2) {
                pool.push(q.to_string());
                pool.push(format!("{q}: وقالت مصادر محلية إن القصف استمر."));
                pool.push(format!(
                    "وقال مراسل ({q}) إن الوضع متوتر في المدينة منذ أيام."
                ));
            }
        }
    }
    let odd = [
        "\u{200F}", "\u{200B}", "ـ", "#", "_", " ", "\t", "\r", "\n", "ً", "ﻻ", "ﷲ", "٣", "3", ".",
        "…", "!", "؟", "،", ":", "-", "–", "(", ")", "«", "»", "\"", "A", "é", "😀", "ㅎ", "ä",
    ];
    let mut rng = Rng(0x9E3779B97F4A7C15);
    for _ in 0..n_random {
        let n = rng.below(14);
        let mut text = String::new();
        for _ in 0..n {
            let mut line = pool[rng.below(pool.len())].clone();
            if rng.below(4) == 0 {
                // Mutate: insert odd characters at char boundaries.
                for _ in 0..rng.below(5) + 1 {
                    let bounds: Vec<usize> = line
                        .char_indices()
                        .map(|(i, _)| i)
                        .chain([line.len()])
                        .collect();
                    let at = bounds[rng.below(bounds.len())];
                    line.insert_str(at, odd[rng.below(odd.len())]);
                }
            }
            if rng.below(6) == 0 {
                // Cut at a char boundary.
                let bounds: Vec<usize> = line.char_indices().map(|(i, _)| i).collect();
                if !bounds.is_empty() {
                    line.truncate(bounds[rng.below(bounds.len())]);
                }
            }
            text.push_str(&line);
            text.push_str(["\n", "\n\n", "\r\n", " \n"][rng.below(4)]);
        }
        let title = match rng.below(3) {
            0 => None,
            1 => Some(pool[rng.below(pool.len())].clone()),
            _ => text.lines().next().map(str::to_string),
        };
        inputs.push(RawArticle {
            title,
            text: Some(text),
            ..Default::default()
        });
    }
    for r in &inputs {
        match cleaner.process(r) {
            Ok(a) => println!("{}", serde_json::to_string(&a).unwrap()),
            Err(e) => println!("ERR {e:?}"),
        }
    }
}
