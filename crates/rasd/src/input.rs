//! Reading articles from files and stdin for `rasd publish` and
//! `rasd process`.
//!
//! File types: `.json` / `.jsonl` hold one raw article or JSON lines of
//! them; `.html` / `.htm` fill `html`; `.txt` becomes
//! `{title: first line, text: the rest}`. For `.txt` and `.html` files the
//! file stem is the article id (the files carry no id of their own, and the
//! stem is how such articles are named in `seeds/` and elsewhere). A
//! directory contributes its files of those types, in name order. `-` reads
//! JSON lines (or one JSON document) from stdin.

use std::io::Read;
use std::path::{Path, PathBuf};

use rasd_model::RawArticle;

/// One article read from an input, or why it could not be read.
#[derive(Debug)]
pub struct InputItem {
    /// File path (with `:line` for JSON lines) or `stdin:line`.
    pub origin: String,
    pub article: Result<RawArticle, String>,
}

const EXTENSIONS: [&str; 5] = ["json", "jsonl", "html", "htm", "txt"];

/// Expand directories into their article files (sorted); keep `-` and
/// files as given.
pub fn expand(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(p.clone());
        } else if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file() && has_article_extension(f))
                .collect();
            files.sort();
            out.extend(files);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            anyhow::bail!("{} does not exist", p.display());
        }
    }
    Ok(out)
}

fn has_article_extension(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .map(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        .unwrap_or(false)
}

/// Read every article of one path (`-` is stdin).
pub fn read(path: &Path) -> anyhow::Result<Vec<InputItem>> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        return Ok(parse_json_text(&s, "stdin"));
    }
    let bytes = std::fs::read(path)?;
    let origin = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .map(str::to_string);
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            return Ok(vec![InputItem {
                origin,
                article: Err(format!("not valid UTF-8: {e}")),
            }])
        }
    };
    Ok(match ext.as_str() {
        "html" | "htm" => vec![InputItem {
            origin,
            article: Ok(RawArticle {
                id: stem,
                html: Some(text),
                ..Default::default()
            }),
        }],
        "txt" => vec![InputItem {
            origin,
            article: Ok(txt_article(stem, &text)),
        }],
        _ => parse_json_text(&text, &origin),
    })
}

/// `{title: first line, text: the rest}`; a one-line file is all text.
pub fn txt_article(id: Option<String>, text: &str) -> RawArticle {
    let text = text.trim_start_matches('\u{feff}').trim();
    let (title, body) = match text.split_once('\n') {
        Some((t, rest)) if !rest.trim().is_empty() => {
            (Some(t.trim().to_string()), rest.trim().to_string())
        }
        _ => (None, text.to_string()),
    };
    RawArticle {
        id,
        title,
        text: Some(body),
        ..Default::default()
    }
}

/// One JSON document, or JSON lines (blank lines skipped).
pub fn parse_json_text(text: &str, origin: &str) -> Vec<InputItem> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return vec![];
    }
    if let Ok(a) = serde_json::from_str::<RawArticle>(trimmed) {
        return vec![InputItem {
            origin: origin.to_string(),
            article: Ok(a),
        }];
    }
    trimmed
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| InputItem {
            origin: format!("{origin}:{}", i + 1),
            article: serde_json::from_str::<RawArticle>(l)
                .map_err(|e| format!("not a raw article: {e}")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txt_splits_title_and_uses_the_stem_as_id() {
        let a = txt_article(
            Some("000_abc".into()),
            "\u{feff}العنوان\nالسطر الأول\nالثاني\n",
        );
        assert_eq!(a.id.as_deref(), Some("000_abc"));
        assert_eq!(a.title.as_deref(), Some("العنوان"));
        assert_eq!(a.text.as_deref(), Some("السطر الأول\nالثاني"));
    }

    #[test]
    fn json_document_or_lines() {
        let one = parse_json_text(r#"{"id":"a","text":"x"}"#, "f");
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].article.as_ref().unwrap().id.as_deref(), Some("a"));
        let pretty = parse_json_text("{\n \"id\": \"p\",\n \"text\": \"x\"\n}\n", "f");
        assert_eq!(pretty.len(), 1);
        let lines = parse_json_text(
            "{\"id\":\"a\",\"text\":\"x\"}\n\n{\"id\":\"b\",\"text\":\"y\"}\nnot json\n",
            "f",
        );
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[1].article.as_ref().unwrap().id.as_deref(), Some("b"));
        assert_eq!(lines[2].origin, "f:4");
        assert!(lines[2].article.is_err());
    }

    #[test]
    fn directories_expand_to_article_files_in_order() {
        let dir = std::env::temp_dir().join(format!("rasd-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("b.txt"), "t\nx").unwrap();
        std::fs::write(dir.join("a.json"), "{}").unwrap();
        std::fs::write(dir.join("c.png"), "x").unwrap();
        let files = expand(std::slice::from_ref(&dir)).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_str().unwrap().to_string())
            .collect();
        assert_eq!(names, ["a.json", "b.txt"]);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
