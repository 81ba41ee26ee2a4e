//! Log set-up: human-readable logs by default, JSON lines with
//! `RASD_LOG_FORMAT=json` (for log shippers); the level comes from
//! `RASD_LOG` or `RUST_LOG` (default `info`). Logs go to stderr so that
//! stdout stays clean for the JSON lines of `process` and `subscribe`.

use tracing_subscriber::EnvFilter;

/// `default_level` applies when neither variable is set: `info` for the
/// long-running stages, `warn` for one-shot commands whose own output
/// matters more.
pub fn init(default_level: &str) {
    let filter = std::env::var("RASD_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| format!("{default_level},async_nats=warn"));
    let filter = EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("RASD_LOG_FORMAT")
        .map(|v| v.eq_ignore_ascii_case("json"))
        .unwrap_or(false);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().with_current_span(true).try_init()
    } else {
        builder.with_target(false).try_init()
    };
}
