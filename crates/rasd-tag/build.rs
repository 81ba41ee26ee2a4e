//! Embeds the knowledge-base files that exist at build time. Other files of
//! `data/kb/` may be added later; a missing one is compiled in as `None`
//! instead of failing the build, and adding it triggers a rebuild.

use std::path::Path;

const CURATED: &[&str] = &[
    "armed_groups.json",
    "states.json",
    "people.json",
    "organizations.json",
    "media.json",
    "places.json",
];

fn embed(dir: &Path, name: &str) -> String {
    let p = dir.join(name);
    if p.is_file() {
        format!("Some(include_str!({:?}))", p.display().to_string())
    } else {
        "None".to_string()
    }
}

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    let dir = Path::new(&manifest).join("data").join("kb");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut out =
        String::from("/// Curated files embedded at build time: (file name, contents).\n");
    out.push_str("pub(crate) const CURATED_SOURCES: &[(&str, Option<&str>)] = &[\n");
    for f in CURATED {
        println!("cargo:rerun-if-changed={}", dir.join(f).display());
        out.push_str(&format!("    ({:?}, {}),\n", f, embed(&dir, f)));
    }
    out.push_str("];\n");
    for (konst, f) in [
        ("STOPWORDS_JSON", "stopwords.json"),
        ("TRIGGERS_JSON", "triggers.json"),
    ] {
        println!("cargo:rerun-if-changed={}", dir.join(f).display());
        out.push_str(&format!(
            "pub(crate) const {konst}: Option<&str> = {};\n",
            embed(&dir, f)
        ));
    }
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("kb_files.rs");
    std::fs::write(dest, out).unwrap();
}
