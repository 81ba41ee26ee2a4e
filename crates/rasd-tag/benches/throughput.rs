//! Tag-stage throughput on one core, with the full knowledge base.
//!
//! `cargo bench -p rasd-tag --bench throughput` (run by `just bench`).
//!
//! 1. Knowledge-base load time: `Tagger::load_default()` (parse the embedded
//!    JSON, merge places, build the alias prefix table), best and mean of 5.
//! 2. Clean throughput: the five seeds, as raw articles, replicated to at
//!    least `RASD_BENCH_MB` (default 50) MB of input and cleaned one by one.
//! 3. Tag throughput: the seeds cleaned once, replicated to at least the same
//!    size, tagged one by one; MB are bytes of `CleanArticle.text` + title.
//! 4. The stages of tagging alone on the same texts (matching view, word
//!    split, alias candidates, name discovery, casualties with the shared
//!    view and standalone), to show where the time goes. They do not add
//!    up to the tag time: resolving candidates, the title and building the
//!    output come on top.
//!
//! Both loops run on the calling thread only, so the figures are per core.
//! MB = 10^6 bytes. The last line prints the tag/clean ratio.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use rasd_model::{CleanArticle, RawArticle};
use rasd_tag::casualties::{extract_casualties, extract_casualties_matched};
use rasd_tag::discovery::discover;
use rasd_tag::matcher::{words as matcher_words, Word};
use rasd_tag::norm::MatchText;
use rasd_tag::Tagger;

// The allocator of the `rasd` binary that runs the stage, so the figures
// are the stage's own (tagging allocates many small strings per article).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn seeds() -> Vec<RawArticle> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| RawArticle {
            id: Some(p.file_stem().unwrap().to_string_lossy().into()),
            text: Some(std::fs::read_to_string(p).unwrap()),
            ..RawArticle::default()
        })
        .collect()
}

/// CPU time of this thread (user + system), from `/proc/thread-self/stat`
/// (Linux; `None` elsewhere). On a shared machine wall time counts the
/// other processes too; CPU time is what one core spent on us.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the `(comm)`: state is field 3; utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux configuration Rust supports.
    Some(Duration::from_millis(ticks * 10))
}

/// `wall MB/s (cpu MB/s)`.
fn rate(bytes: usize, wall: Duration, cpu: Option<Duration>) -> (f64, Option<f64>) {
    let w = mb(bytes) / wall.as_secs_f64();
    let c = cpu
        .filter(|c| !c.is_zero())
        .map(|c| mb(bytes) / c.as_secs_f64());
    (w, c)
}

fn show(r: (f64, Option<f64>)) -> String {
    match r.1 {
        Some(c) => format!("{:.1} MB/s wall, {:.1} MB/s per CPU-second", r.0, c),
        None => format!("{:.1} MB/s wall", r.0),
    }
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

fn main() {
    // `cargo bench` passes `--bench`; a name filter that excludes us skips.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && !"throughput".contains(a.as_str()))
    {
        return;
    }
    let target: usize = std::env::var("RASD_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50)
        * 1_000_000;

    // 1. KB load time.
    let mut loads = Vec::new();
    let mut tagger = None;
    for _ in 0..5 {
        let t0 = Instant::now();
        let t = Tagger::load_default().expect("KB loads");
        loads.push(t0.elapsed());
        tagger = Some(t);
    }
    let tagger = tagger.unwrap();
    let best = loads.iter().min().unwrap();
    let mean = loads.iter().sum::<Duration>() / loads.len() as u32;
    println!(
        "kb load: best {:.1} ms, mean {:.1} ms ({} entities, {} match keys, alias table {:.1} MB)",
        best.as_secs_f64() * 1e3,
        mean.as_secs_f64() * 1e3,
        tagger.kb().entities.len(),
        tagger.pattern_count(),
        mb(tagger.matcher().automaton_bytes())
    );

    // 2. Clean throughput over replicated raw seeds.
    let raw = seeds();
    let cleaner = rasd_clean::Cleaner::new();
    let raw_bytes: usize = raw
        .iter()
        .map(|r| r.text.as_ref().map_or(0, |t| t.len()))
        .sum();
    let reps = target.div_ceil(raw_bytes.max(1));
    let c0 = thread_cpu();
    let t0 = Instant::now();
    let mut clean_in = 0usize;
    for _ in 0..reps {
        for r in &raw {
            let c = cleaner.process(r).expect("seed cleans");
            clean_in += r.text.as_ref().map_or(0, |t| t.len());
            black_box(&c);
        }
    }
    let clean_time = t0.elapsed();
    let clean_cpu = thread_cpu().zip(c0).map(|(a, b)| a.saturating_sub(b));
    let clean_rate = rate(clean_in, clean_time, clean_cpu);
    println!(
        "clean: {:.1} MB in {:.2} s: {} (one thread)",
        mb(clean_in),
        clean_time.as_secs_f64(),
        show(clean_rate)
    );

    // 3. Tag throughput over the seeds cleaned once, replicated.
    let cleaned: Vec<CleanArticle> = raw.iter().map(|r| cleaner.process(r).unwrap()).collect();
    let per_round: usize = cleaned.iter().map(|c| c.text.len() + c.title.len()).sum();
    let reps = target.div_ceil(per_round.max(1));
    let mut entities = 0usize;
    let mut mentions = 0usize;
    let c0 = thread_cpu();
    let t0 = Instant::now();
    for _ in 0..reps {
        for c in &cleaned {
            let t = tagger.process(c);
            entities += t.entities.len();
            mentions += t.entities.iter().map(|e| e.mentions.len()).sum::<usize>();
            black_box(&t);
        }
    }
    let tag_time = t0.elapsed();
    let tag_cpu = thread_cpu().zip(c0).map(|(a, b)| a.saturating_sub(b));
    let tagged = per_round * reps;
    let tag_rate = rate(tagged, tag_time, tag_cpu);
    println!(
        "tag:   {:.1} MB in {:.2} s: {} (one thread; {} articles, {} entities, {} mentions)",
        mb(tagged),
        tag_time.as_secs_f64(),
        show(tag_rate),
        reps * cleaned.len(),
        entities,
        mentions
    );
    // Where the tag time goes: each stage alone over the same texts, its
    // inputs prepared beforehand (MB/s of the whole text; the per-MB cost
    // is 1000 / rate ms).
    let views: Vec<MatchText> = cleaned.iter().map(|c| MatchText::new(&c.text)).collect();
    let words: Vec<Vec<Word>> = views.iter().map(|v| matcher_words(v.as_str())).collect();
    let stage = |f: &dyn Fn(usize)| {
        let c0 = thread_cpu();
        let t0 = Instant::now();
        for _ in 0..reps {
            for i in 0..cleaned.len() {
                f(i);
            }
        }
        let cpu = thread_cpu().zip(c0).map(|(a, b)| a.saturating_sub(b));
        rate(tagged, t0.elapsed(), cpu)
    };
    let stages = [
        (
            "matching view (normalize)",
            stage(&|i| {
                black_box(MatchText::new(&cleaned[i].text));
            }),
        ),
        (
            "word split",
            stage(&|i| {
                black_box(matcher_words(views[i].as_str()));
            }),
        ),
        (
            "alias candidates",
            stage(&|i| {
                black_box(tagger.matcher().candidates(views[i].as_str(), &words[i]));
            }),
        ),
        (
            "name discovery",
            stage(&|i| {
                black_box(discover(views[i].as_str(), &words[i], tagger.rules()));
            }),
        ),
        (
            "casualties (shared view)",
            stage(&|i| {
                black_box(extract_casualties_matched(
                    &cleaned[i].text,
                    &views[i],
                    &cleaned[i].sentences,
                ));
            }),
        ),
        (
            "casualties (standalone)",
            stage(&|i| {
                black_box(extract_casualties(&cleaned[i].text, &cleaned[i].sentences));
            }),
        ),
    ];
    for (name, r) in stages {
        println!("  stage {name:<26} {}", show(r));
    }
    // The ratio and the target use CPU time when known (robust to other
    // load on the machine), else wall time.
    let tag_mbs = tag_rate.1.unwrap_or(tag_rate.0);
    let clean_mbs = clean_rate.1.unwrap_or(clean_rate.0);
    println!(
        "tag/clean throughput ratio: {:.2}; tag {:.1} MB/s per core (target >= 30: {})",
        tag_mbs / clean_mbs,
        tag_mbs,
        if tag_mbs >= 30.0 { "met" } else { "NOT met" }
    );
}
