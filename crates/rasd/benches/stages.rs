//! The clean and tag stage adapters on one core, as the runner calls them:
//! JSON payload in, JSON payload out (decode, core, encode).
//!
//! `cargo bench -p rasd --bench stages` (run by `just bench`). The seeds are
//! replicated to `RASD_BENCH_ARTICLES` (default 5,000) raw payloads; the
//! clean stage runs over them, then the tag stage over the clean payloads it
//! produced. Per-article microseconds and articles/s are printed for each,
//! and for the two together: the CPU a pipeline spends per article outside
//! NATS. Compare with the end-to-end figures of `rasd-bench` to see what
//! the messaging costs on top.

use std::path::Path;
use std::time::Instant;

use rasd::stages::{CleanStage, TagStage};
use rasd_bus::StageCore;
use rasd_model::{RawArticle, Subjects};

// The same allocator as the `rasd` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const MAX_BYTES: usize = 1 << 20;

/// The seeds, read as `rasd publish seeds/` reads them, replicated to `n`
/// raw payloads with unique ids.
fn raw_payloads(n: usize) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds");
    let files = rasd::input::expand(&[dir]).expect("seeds/");
    let seeds: Vec<RawArticle> = files
        .iter()
        .flat_map(|f| rasd::input::read(f).expect("a seed file"))
        .map(|item| item.article.expect("seeds are valid articles"))
        .collect();
    assert!(!seeds.is_empty(), "no seeds");
    (0..n)
        .map(|i| {
            let article = RawArticle {
                id: Some(format!("bench-{i}")),
                ..seeds[i % seeds.len()].clone()
            };
            serde_json::to_vec(&article).expect("serializable")
        })
        .collect()
}

fn run(stage: &dyn StageCore, inputs: &[Vec<u8>]) -> (f64, Vec<Vec<u8>>) {
    let mut best = f64::MAX;
    let mut outputs = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let out: Vec<Vec<u8>> = inputs
            .iter()
            .map(|p| {
                let o = stage.process("bench", p).expect("seed articles are valid");
                o[0].payload.to_vec()
            })
            .collect();
        best = best.min(t.elapsed().as_secs_f64());
        outputs = out;
    }
    (best, outputs)
}

fn main() {
    let n: usize = std::env::var("RASD_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let raw = raw_payloads(n);
    let clean_stage = CleanStage {
        cleaner: rasd_clean::Cleaner::new(),
        subjects: Subjects::default(),
        max_bytes: MAX_BYTES,
    };
    let tag_stage = TagStage {
        tagger: rasd_tag::Tagger::load_default().expect("the embedded knowledge base loads"),
        subjects: Subjects::default(),
        max_bytes: MAX_BYTES,
    };
    let (clean_s, clean_out) = run(&clean_stage, &raw);
    let (tag_s, tagged_out) = run(&tag_stage, &clean_out);
    let size = |v: &[Vec<u8>]| v.iter().map(Vec::len).sum::<usize>() as f64 / n as f64;
    let line = |name: &str, s: f64| {
        println!(
            "{name:<22} {:>8.1} µs/article  {:>8.0} articles/s",
            s / n as f64 * 1e6,
            n as f64 / s
        )
    };
    println!(
        "stage adapters on one core, {n} articles (payload bytes/article: raw {:.0}, clean {:.0}, tagged {:.0})",
        size(&raw),
        size(&clean_out),
        size(&tagged_out)
    );
    line("clean stage", clean_s);
    line("tag stage", tag_s);
    line("clean + tag", clean_s + tag_s);
    // Both stages in turn on each article, as when one process runs both
    // and they share a core: each evicts the other's tables from the cache.
    let mut inter = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        for p in &raw {
            let c = clean_stage.process("bench", p).expect("valid");
            std::hint::black_box(tag_stage.process("bench", &c[0].payload).expect("valid"));
        }
        inter = inter.min(t.elapsed().as_secs_f64());
    }
    line("clean, tag interleaved", inter);
}
