//! Clean files and print one CleanArticle JSON per line.
//!
//! `cargo run -p rasd-clean --example clean_files -- FILE...` where each FILE
//! is a plain-text article (`.txt`, first line may be the headline), an HTML
//! page (`.html`) or a RawArticle JSON object (`.json`; `title`, `text`,
//! `html`, `url` are read).

use rasd_clean::Cleaner;
use rasd_model::RawArticle;

fn main() {
    let cleaner = Cleaner::new();
    for path in std::env::args().skip(1) {
        let content = match std::fs::read_to_string(&path) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        let raw = if path.ends_with(".json") {
            match serde_json::from_str::<RawArticle>(&content) {
                Ok(mut r) => {
                    r.id.get_or_insert_with(|| path.clone());
                    r
                }
                Err(e) => {
                    eprintln!("{path}: {e}");
                    continue;
                }
            }
        } else if path.ends_with(".html") || path.ends_with(".htm") {
            RawArticle {
                id: Some(path.clone()),
                html: Some(content),
                ..Default::default()
            }
        } else {
            RawArticle {
                id: Some(path.clone()),
                text: Some(content),
                ..Default::default()
            }
        };
        match cleaner.process(&raw) {
            Ok(a) => println!("{}", serde_json::to_string(&a).unwrap()),
            Err(e) => eprintln!("{path}: {e}"),
        }
    }
}
