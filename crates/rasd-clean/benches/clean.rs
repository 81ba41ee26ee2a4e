//! Throughput of the Arabic cleanup on one core, against CAMeL Tools.
//!
//! `cargo bench -p rasd-clean --bench clean` replicates the seed articles to
//! at least 50 MB (`RASD_BENCH_MB` to change), then measures, best of three
//! runs, in MB/s of input:
//! - `match` normalization, fast path (no alignment) and aligned;
//! - `display` normalization, aligned;
//! - tokenization and sentence segmentation;
//! - the full clean (`Cleaner::process`, article by article).
//!
//! In the same run it calls `bench/camel_peer.py` on the same text to time
//! CAMeL Tools' normalization chain (normalize_unicode, dediac_ar,
//! normalize_alef_ar, normalize_alef_maksura_ar, normalize_teh_marbuta_ar)
//! and prints the ratio. The peer runs with `RASD_PYTHON`, else
//! `.tools/bin/python`, else `python3`; when CAMeL Tools is missing the ratio
//! is skipped with a note. The target is at least 20× CAMeL Tools.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rasd_clean::Cleaner;
use rasd_model::RawArticle;
use rasd_text::NormalizerConfig;

const RUNS: usize = 3;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn seeds() -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join("seeds"))
        .expect("seeds/")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// Best wall time of `RUNS` runs of `f`.
fn best<F: FnMut() -> usize>(mut f: F) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut out = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        out = std::hint::black_box(f());
        best = best.min(t.elapsed());
    }
    (best, out)
}

fn mbps(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / 1e6
}

fn report(name: &str, bytes: usize, d: Duration) -> f64 {
    let r = mbps(bytes, d);
    println!("{name:<40} {r:>9.1} MB/s  ({:.3} s)", d.as_secs_f64());
    r
}

fn python() -> String {
    if let Ok(p) = std::env::var("RASD_PYTHON") {
        return p;
    }
    // Canonical path: Python finds its venv relative to the executable path.
    if let Ok(venv) = std::fs::canonicalize(repo_root().join(".tools/bin")) {
        let py = venv.join("python");
        if py.exists() {
            return py.to_string_lossy().into_owned();
        }
    }
    "python3".into()
}

/// Run the CAMeL Tools peer on `path`, writing its output to `out`; its
/// MB/s, or why it could not run.
fn camel_peer(path: &Path, out: &Path) -> Result<f64, String> {
    let script = repo_root().join("bench/camel_peer.py");
    let out = Command::new(python())
        .arg(&script)
        .arg(path)
        .arg("--out")
        .arg(out)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python()))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(err.lines().last().unwrap_or("failed").to_string());
    }
    let line = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value =
        serde_json::from_str(line.trim()).map_err(|e| format!("bad peer output: {e}"))?;
    v["mb_per_s"].as_f64().ok_or_else(|| "no mb_per_s".into())
}

/// Word-by-word agreement with CAMeL Tools' output when rasd-text runs the
/// same steps (NFKC, diacritics, alef, alef maksura, teh
/// marbuta), and the most frequent differences.
fn agreement(corpus: &str, camel: &str) {
    let mut cfg = NormalizerConfig::none();
    cfg.compat_forms = true;
    cfg.remove_diacritics = true;
    cfg.fold_alef = true;
    cfg.fold_alef_maksura = true;
    cfg.fold_teh_marbuta = true;
    let ours = rasd_text::normalize_str(corpus, &cfg);
    let a: Vec<&str> = ours.split_whitespace().collect();
    let b: Vec<&str> = camel.split_whitespace().collect();
    if a.len() != b.len() {
        println!(
            "agreement with CAMeL Tools: word counts differ ({} vs {})",
            a.len(),
            b.len()
        );
        return;
    }
    let mut diffs: std::collections::HashMap<(&str, &str), usize> = Default::default();
    for (x, y) in a.iter().zip(&b) {
        if x != y {
            *diffs.entry((x, y)).or_default() += 1;
        }
    }
    let differing: usize = diffs.values().sum();
    println!(
        "agreement with CAMeL Tools on the same steps: {:.4}% of {} words identical",
        100.0 * (a.len() - differing) as f64 / a.len() as f64,
        a.len()
    );
    let mut top: Vec<_> = diffs.into_iter().collect();
    top.sort_by_key(|entry| std::cmp::Reverse(entry.1));
    for ((x, y), n) in top.iter().take(5) {
        println!("  differs {n}x: rasd {x:?} / camel {y:?}");
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and
    // then one quick pass over the seeds checks the harness runs.
    let quick = !std::env::args().any(|a| a == "--bench");
    let target_mb: usize = std::env::var("RASD_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 1 } else { 50 });
    let seeds = seeds();
    let mut articles: Vec<&str> = Vec::new();
    let mut total = 0;
    while total < target_mb * 1_000_000 {
        for s in &seeds {
            articles.push(s);
            total += s.len();
        }
    }
    // Articles are separated by two blank lines in the one-string corpus.
    let corpus = articles.join("\n\n\n");
    let bytes = corpus.len();
    println!(
        "corpus: {} articles, {:.1} MB (seeds replicated), one core, best of {RUNS}",
        articles.len(),
        bytes as f64 / 1e6
    );

    // `RASD_BENCH_ONLY=clean` runs only the full clean (for profiling).
    let only_clean = std::env::var("RASD_BENCH_ONLY").is_ok_and(|v| v == "clean");
    let match_cfg = NormalizerConfig::matching();
    let mut ours = f64::NAN;
    if !only_clean {
        let display_cfg = NormalizerConfig::display();
        let (d, _) = best(|| {
            articles
                .iter()
                .map(|a| rasd_text::normalize_match(a).len())
                .sum()
        });
        ours = report("normalize_match (fast path)", bytes, d);
        let (d, _) = best(|| {
            articles
                .iter()
                .map(|a| rasd_text::normalize(a, &match_cfg).len())
                .sum()
        });
        report("normalize match, aligned", bytes, d);
        let (d, _) = best(|| {
            articles
                .iter()
                .map(|a| rasd_text::normalize(a, &display_cfg).len())
                .sum()
        });
        report("normalize display, aligned", bytes, d);
        let (d, _) = best(|| articles.iter().map(|a| rasd_text::tokenize(a).len()).sum());
        report("tokenize (with clitics)", bytes, d);
        let (d, _) = best(|| articles.iter().map(|a| rasd_text::sentences(a).len()).sum());
        report("sentences", bytes, d);
    }

    let cleaner = Cleaner::new();
    let raws: Vec<RawArticle> = articles
        .iter()
        .map(|a| RawArticle {
            text: Some(a.to_string()),
            ..Default::default()
        })
        .collect();
    let (d, n) = best(|| raws.iter().filter(|r| cleaner.process(r).is_ok()).count());
    let full = report("full clean (Cleaner::process)", bytes, d);
    println!(
        "{:<40} {:>9.0} articles/s",
        "full clean",
        n as f64 / d.as_secs_f64()
    );

    if only_clean {
        return;
    }
    let dir = std::env::temp_dir().join(format!("rasd-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("corpus.txt");
    std::fs::write(&path, &corpus).unwrap();
    let camel_out = dir.join("camel.txt");
    match camel_peer(&path, &camel_out) {
        Ok(camel) => {
            println!("{:<40} {camel:>9.1} MB/s", "CAMeL Tools normalization chain");
            println!(
                "ratio normalize_match / CAMeL Tools: {:.1}x (target >= 20x); full clean / CAMeL Tools: {:.1}x",
                ours / camel,
                full / camel
            );
            if let Ok(theirs) = std::fs::read_to_string(&camel_out) {
                agreement(&corpus, &theirs);
            }
        }
        Err(e) => println!("CAMeL Tools peer skipped ({e}); install it with: python3 -m venv .tools && .tools/bin/pip install --no-deps camel-tools emoji regex six future"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}
