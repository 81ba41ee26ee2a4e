//! `rasd eval --gold DIR [--json]`: clean and tag every hand-annotated gold
//! article in-process and score the result at document level.
//!
//! The scoring itself (what counts as found, casualty accuracy) is pure
//! and lives in `rasd_tag::eval`; see its module docs. This command prints
//! one line per missed or spurious entity or casualty statement, then a
//! 12-line summary table (the last 12 lines of stdout), or the whole report
//! as JSON with `--json`. It fails when no gold file can be read.
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use rasd_tag::eval::{evaluate, load_gold_dir};

pub fn run(gold: &Path, json: bool) -> anyhow::Result<()> {
    let articles = load_gold_dir(gold).map_err(anyhow::Error::msg)?;
    let tagger = rasd_tag::Tagger::load_default()
        .map_err(anyhow::Error::msg)
        .context("loading the tagger's knowledge base")?;
    let cleaner = rasd_clean::Cleaner::new();
    let report = evaluate(&articles, &tagger, |raw| {
        cleaner.process(raw).map_err(|e| e.to_string())
    });
    let out = if json {
        format!("{}\n", serde_json::to_string_pretty(&report)?)
    } else {
        format!("{}{}", report.details(), report.summary())
    };
    // A closed pipe (`rasd eval … | head`) is not an error.
    match std::io::stdout().lock().write_all(out.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
