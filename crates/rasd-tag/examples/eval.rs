//! Development runner for the evaluation: the same as `rasd eval`, without
//! the binary. `cargo run --release -p rasd-tag --example eval -- DIR [--json]`
use std::path::PathBuf;

use rasd_tag::eval::{evaluate, load_gold_dir};
use rasd_tag::Tagger;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "tests/fixtures/dev-corpus".into()),
    );
    let json = args.any(|a| a == "--json");
    let gold = load_gold_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    let tagger = Tagger::load_default().unwrap_or_else(|e| panic!("{e}"));
    let cleaner = rasd_clean::Cleaner::new();
    let report = evaluate(&gold, &tagger, |raw| {
        cleaner.process(raw).map_err(|e| e.to_string())
    });
    if json {
        println!("{}", serde_json::to_string_pretty(&report).unwrap());
    } else {
        print!("{}{}", report.details(), report.summary());
    }
}
