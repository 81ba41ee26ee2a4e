//! `rasd process`: the embedded pipeline. Clean and tag articles in this
//! process, with no NATS, and print one tagged article per line (JSON).
//! Rejected inputs are reported on stderr with the same reason the stages
//! would put on the DLQ.

use std::io::Write;
use std::path::PathBuf;

use rasd_model::InputError;

use crate::input;

#[derive(Debug, Clone, clap::Args)]
pub struct ProcessArgs {
    /// Files or directories (.json, .jsonl, .html, .txt); `-` reads JSON lines from stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print a readable summary line per article instead of JSON.
    #[arg(long)]
    pub pretty: bool,
    /// Largest article accepted (bytes of JSON).
    #[arg(long, env = "RASD_MAX_ARTICLE_BYTES", default_value_t = rasd_model::DEFAULT_MAX_ARTICLE_BYTES)]
    pub max_article_bytes: usize,
}

/// Returns (articles written, inputs rejected).
pub fn run(args: &ProcessArgs) -> anyhow::Result<(usize, usize)> {
    let cleaner = rasd_clean::Cleaner::new();
    let tagger =
        rasd_tag::Tagger::load_default().map_err(|e| anyhow::anyhow!("loading the tagger: {e}"))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (mut ok, mut rejected) = (0, 0);
    for path in input::expand(&args.paths)? {
        for item in input::read(&path)? {
            let result = item
                .article
                .map_err(|e| format!("unreadable: {e}"))
                .and_then(|raw| {
                    // Apply the same size check the clean stage applies.
                    let size = serde_json::to_vec(&raw).map(|v| v.len()).unwrap_or(0);
                    if size > args.max_article_bytes {
                        let e = InputError::TooLarge {
                            size,
                            limit: args.max_article_bytes,
                        };
                        return Err(format!("{}: {e}", e.reason()));
                    }
                    cleaner
                        .process(&raw)
                        .map_err(|e| format!("{}: {e}", e.reason()))
                });
            match result {
                Ok(clean) => {
                    let tagged = tagger.process(&clean);
                    if args.pretty {
                        writeln!(out, "{}", crate::subscribe::summarize_tagged(&tagged))?;
                    } else {
                        serde_json::to_writer(&mut out, &tagged)?;
                        writeln!(out)?;
                    }
                    ok += 1;
                }
                Err(e) => {
                    rejected += 1;
                    eprintln!("rejected {}: {e}", item.origin);
                }
            }
        }
    }
    out.flush()?;
    Ok((ok, rejected))
}
