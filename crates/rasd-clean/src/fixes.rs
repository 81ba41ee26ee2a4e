//! Repairs inside the text: hashtags become words and fused known names
//! are split. Each repair is recorded as a [`Fix`].
//!
//! Why: the tagger matches names word by word; `#دير_الزور` and `ديرالزور`
//! would otherwise hide one of the most frequent places of the corpus.

use std::borrow::Cow;

use rasd_model::Fix;

use crate::rules::Rules;

fn is_letter(c: char) -> bool {
    c.is_alphabetic() || matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}')
}

/// `#دير_الزور` → `دير الزور`; `#قوات_حفظ _النظام` → `قوات حفظ النظام`
/// (kind `close_space` when a stray space beside an underscore was closed).
/// The text is borrowed back when it has no `#`.
pub fn hashtags<'t>(text: &'t str, rules: &Rules, fixes: &mut Vec<Fix>) -> Cow<'t, str> {
    if memchr::memchr(b'#', text.as_bytes()).is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end) in rules.hashtag_ranges(text) {
        let tag = &text[start..end];
        let body = tag.trim_start_matches('#').trim_end_matches('_');
        let mut words = Vec::new();
        let mut stray_space = false;
        for part in body.split('_') {
            if part.starts_with(' ') || part.ends_with(' ') {
                stray_space = true;
            }
            let w = part.trim();
            if !w.is_empty() {
                words.push(w);
            }
        }
        let to = words.join(" ");
        out.push_str(&text[last..start]);
        out.push_str(&to);
        last = end;
        fixes.push(Fix {
            kind: if stray_space {
                "close_space"
            } else {
                "hashtag"
            }
            .into(),
            from: tag.to_string(),
            to,
        });
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// Split fused known names standing as whole words, optionally after up to
/// two proclitic letters (`وديرالزور` → `ودير الزور`).
/// The text is borrowed back when nothing was split (most articles).
pub fn split_fused<'t>(text: &'t str, rules: &Rules, fixes: &mut Vec<Fix>) -> Cow<'t, str> {
    // Allocated at the first split.
    let mut out = String::new();
    let mut last = 0;
    for m in rules.fused.find_iter(text) {
        let before = &text[..m.start()];
        // Letters of the same word before the match: only proclitics.
        let prefix: Vec<char> = before.chars().rev().take_while(|&c| is_letter(c)).collect();
        let prefix_ok = prefix.len() <= 2
            && prefix
                .iter()
                .all(|c| matches!(c, 'و' | 'ف' | 'ب' | 'ل' | 'ك'));
        let next_ok = !text[m.end()..].chars().next().is_some_and(is_letter);
        if !(prefix_ok && next_ok) {
            continue;
        }
        let to = &rules.fused_to[m.pattern().as_usize()];
        if last == 0 {
            out.reserve(text.len() + 16);
        }
        out.push_str(&text[last..m.start()]);
        out.push_str(to);
        last = m.end();
        fixes.push(Fix {
            kind: "split_fused".into(),
            from: text[m.start()..m.end()].to_string(),
            to: to.clone(),
        });
    }
    if last == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashtags_become_words() {
        let r = Rules::builtin();
        let mut f = vec![];
        let t = hashtags(
            "ريف #دير_الزور الغربي و#إيران و#قوات_حفظ _النظام، #الروسية",
            &r,
            &mut f,
        );
        assert_eq!(t, "ريف دير الزور الغربي وإيران وقوات حفظ النظام، الروسية");
        assert_eq!(f.len(), 4);
        assert_eq!(f[2].kind, "close_space");
        assert_eq!(f[2].from, "#قوات_حفظ _النظام");
        assert_eq!(f[0].kind, "hashtag");
        assert_eq!(hashtags("رقم # 5 و #", &r, &mut f), "رقم # 5 و #");
    }

    #[test]
    fn fused_names_split_only_as_words() {
        let r = Rules::builtin();
        let mut f = vec![];
        let t = split_fused(
            "غربي ديرالزور.. وبديرالزور وشبكة ديرالزور24 ماديرالزوري",
            &r,
            &mut f,
        );
        assert_eq!(
            t,
            "غربي دير الزور.. وبدير الزور وشبكة دير الزور24 ماديرالزوري"
        );
        assert_eq!(f.len(), 3);
        assert!(f
            .iter()
            .all(|x| x.kind == "split_fused" && x.to == "دير الزور"));
        // Nothing to split: the text is borrowed back, and no fix recorded.
        let t = split_fused("عبدالله في البوكمال", &r, &mut f);
        assert!(matches!(t, Cow::Borrowed("عبدالله في البوكمال")));
        assert_eq!(f.len(), 3);
    }
}
