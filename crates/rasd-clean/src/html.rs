//! HTML input reduced to the article's main text with dom_smoothie, a port
//! of Mozilla's readability.js. Its formatted text mode keeps block
//! elements on their own lines, which the line-based cleaner relies on.

use dom_smoothie::{Config, Readability, TextMode};

/// Main text and title of an HTML page, or `None` when nothing readable
/// could be extracted.
pub struct Extracted {
    pub text: String,
    pub title: Option<String>,
}

pub fn extract(html: &str, url: Option<&str>) -> Option<Extracted> {
    let cfg = || Config {
        text_mode: TextMode::Formatted,
        ..Default::default()
    };
    let mut r = Readability::new(html, url, Some(cfg()))
        .or_else(|_| Readability::new(html, None, Some(cfg())))
        .ok()?;
    let article = r.parse().ok()?;
    let text = article.text_content.to_string();
    if text.trim().is_empty() {
        return None;
    }
    let title = Some(article.title.trim().to_string()).filter(|t| !t.is_empty());
    Some(Extracted { text, title })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_text_without_navigation() {
        let body = "قتل ثلاثة عناصر من لواء القدس بغارة جوية روسية في ريف دير الزور الغربي، بحسب ما أفاد مراسل محلي. ".repeat(6);
        let html = format!(
            "<html><head><title>قتلى بغارة روسية</title></head><body>\
             <nav><a href='/'>الرئيسية</a> <a href='/a'>أخبار</a></nav>\
             <article><h1>قتلى بغارة روسية</h1><p>{body}</p><p>وأضاف المراسل أن الجرحى نقلوا إلى المشفى العسكري داخل المدينة في وقت متأخر من الليل.</p></article>\
             <footer>جميع الحقوق محفوظة</footer></body></html>"
        );
        let e = extract(&html, Some("https://example.org/a")).expect("extracted");
        assert!(e.text.contains("قتل ثلاثة عناصر"));
        assert!(e.text.contains("وأضاف المراسل"));
        assert!(!e.text.contains("الرئيسية"));
        assert!(!e.text.contains("جميع الحقوق"));
        assert_eq!(e.title.as_deref(), Some("قتلى بغارة روسية"));
    }
}
