//! Tag files and print what was found, with each mention in context.
//! `cargo run --release -p rasd-tag --example tag -- FILE...` (gold JSON
//! files or plain-text articles whose first line is the title).
use rasd_model::RawArticle;
use rasd_tag::eval::GoldArticle;
use rasd_tag::Tagger;

fn main() {
    let tagger = Tagger::load_default().unwrap_or_else(|e| panic!("{e}"));
    let cleaner = rasd_clean::Cleaner::new();
    for path in std::env::args().skip(1) {
        let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let raw = match serde_json::from_str::<GoldArticle>(&src) {
            Ok(g) => g.raw(),
            Err(_) => RawArticle {
                text: Some(src.clone()),
                ..RawArticle::default()
            },
        };
        let clean = cleaner
            .process(&raw)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        let t = tagger.process(&clean);
        println!(
            "== {path} (lang {} {:.2}) outlet={:?} title={:?}",
            clean.lang, clean.lang_confidence, clean.outlet, clean.title
        );
        for r in &clean.removed {
            println!("   removed {}: {:?}", r.kind, r.text);
        }
        for e in &t.entities {
            println!(
                "{:<12} {:<28} {:<30} {} x{} s={}",
                e.entity_type.as_str(),
                e.name_ar,
                e.id,
                e.name_en,
                e.count,
                e.salience
            );
            for m in &e.mentions {
                let src = if m.in_title {
                    &clean.title
                } else {
                    &clean.text
                };
                let mut a = m.start.saturating_sub(40);
                while !src.is_char_boundary(a) {
                    a -= 1;
                }
                let mut b = (m.end + 40).min(src.len());
                while !src.is_char_boundary(b) {
                    b += 1;
                }
                println!(
                    "      [{}] …{}⟦{}⟧{}…",
                    m.start,
                    src[a..m.start].replace('\n', " "),
                    m.text,
                    src[m.end..b].replace('\n', " ")
                );
            }
        }
        for c in &t.casualties {
            println!(
                "CASUALTY {:?} {} approx={} victim={:?} «{}»",
                c.kind, c.count, c.approximate, c.victim_entity, c.text
            );
        }
    }
}
