//! Sentence and paragraph segmentation with byte spans.
//!
//! Why: casualty counts and events are attributed per sentence, and
//! salience weighs the lead paragraph, so both need exact spans into the
//! cleaned text.
//!
//! Paragraphs are the non-blank lines of the text (news text is not
//! hard-wrapped; the clean stage separates paragraphs with a blank line, so
//! both conventions give the same spans). Sentences never cross a line
//! break. Inside a line a sentence ends after a run of `.` `!` `?` `؟` `؛`
//! `;` `…` that is followed by whitespace, a closing quote or the end of the
//! line, except: a `.` between digits (`2.5`) or before a non-space
//! character (`U.S`), and any terminator inside quotes (`«…»`, `“…”`,
//! `"…"`). A quote that never closes on its line is ignored, so one stray
//! quote mark does not glue a whole paragraph into one sentence. Spans are
//! trimmed of surrounding whitespace and never empty.

use rasd_model::Span;

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '؟' | '؛' | ';' | '…')
}

/// Quote characters that open and close with the same glyph (or that are
/// used both ways in real text, like `”` in `لـ”العربي الجديد”`).
fn is_toggle_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '„' | '‟' | '＂')
}

fn trimmed(text: &str, start: usize, end: usize) -> Option<Span> {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    let t = s.trim();
    if t.is_empty() {
        None
    } else {
        Some(Span::new(start + lead, start + lead + t.len()))
    }
}

/// Lines of the text as `(start, end)` byte ranges without the line break.
fn lines(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos > text.len() {
            return None;
        }
        let rest = &text[pos..];
        let (len, brk) = match rest.find(['\n', '\r', '\u{2028}', '\u{2029}']) {
            Some(i) => {
                let c = rest[i..].chars().next().unwrap_or('\n');
                let brk = if rest[i..].starts_with("\r\n") {
                    2
                } else {
                    c.len_utf8()
                };
                (i, brk)
            }
            None => (rest.len(), 1),
        };
        let item = (pos, pos + len);
        pos += len + brk;
        Some(item)
    })
}

/// The non-blank lines, trimmed.
pub fn paragraphs(text: &str) -> Vec<Span> {
    lines(text)
        .filter_map(|(s, e)| trimmed(text, s, e))
        .collect()
}

/// Sentences of the whole text (no sentence crosses a line break).
pub fn sentences(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    for (s, e) in lines(text) {
        line_sentences(text, s, e, &mut out);
    }
    out
}

fn line_sentences(text: &str, line_start: usize, line_end: usize, out: &mut Vec<Span>) {
    let line = &text[line_start..line_end];
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    // Decide which quote kinds are balanced on this line.
    let toggles = chars.iter().filter(|&&(_, c)| is_toggle_quote(c)).count();
    let use_toggles = toggles % 2 == 0;
    let opens = chars.iter().filter(|&&(_, c)| c == '«').count();
    let closes = chars.iter().filter(|&&(_, c)| c == '»').count();
    let use_guillemets = opens == closes;

    let mut in_toggle = false;
    let mut guillemet_depth = 0usize;
    let mut sent_start = 0usize;
    let mut k = 0;
    while k < chars.len() {
        let (i, c) = chars[k];
        if use_toggles && is_toggle_quote(c) {
            in_toggle = !in_toggle;
            if !in_toggle && k > 0 && is_terminator(chars[k - 1].1) && guillemet_depth == 0 {
                // «… انتهى.» — the sentence ends after the closing quote.
                let end = i + c.len_utf8();
                if let Some(sp) = trimmed(text, line_start + sent_start, line_start + end) {
                    out.push(sp);
                }
                sent_start = end;
            }
            k += 1;
            continue;
        }
        if use_guillemets && c == '«' {
            guillemet_depth += 1;
        } else if use_guillemets && c == '»' {
            guillemet_depth = guillemet_depth.saturating_sub(1);
            if guillemet_depth == 0 && !in_toggle && k > 0 && is_terminator(chars[k - 1].1) {
                let end = i + c.len_utf8();
                if let Some(sp) = trimmed(text, line_start + sent_start, line_start + end) {
                    out.push(sp);
                }
                sent_start = end;
            }
        }
        if is_terminator(c) && !in_toggle && guillemet_depth == 0 {
            // Take the whole run of terminators ("?!", "...").
            let mut m = k;
            while m + 1 < chars.len() && is_terminator(chars[m + 1].1) {
                m += 1;
            }
            let next = chars.get(m + 1).map(|&(_, d)| d);
            let prev = if k > 0 { Some(chars[k - 1].1) } else { None };
            let single_dot = m == k && c == '.';
            let boundary = match next {
                None => true,
                Some(d) => d.is_whitespace() || is_toggle_quote(d) || d == '»' || d == '«',
            };
            let inside_number = single_dot
                && prev.is_some_and(|p| p.is_numeric())
                && next.is_some_and(|d| d.is_numeric());
            if boundary && !inside_number {
                let (j, d) = chars[m];
                let end = j + d.len_utf8();
                if let Some(sp) = trimmed(text, line_start + sent_start, line_start + end) {
                    out.push(sp);
                }
                sent_start = end;
            }
            k = m + 1;
            continue;
        }
        k += 1;
    }
    if let Some(sp) = trimmed(text, line_start + sent_start, line_end) {
        out.push(sp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sents(t: &str) -> Vec<&str> {
        sentences(t).iter().map(|s| s.slice(t)).collect()
    }

    #[test]
    fn splits_on_arabic_and_latin_terminators() {
        assert_eq!(
            sents("قتل ثلاثة. وجرح آخرون؟ نعم! لا؛ ربما"),
            ["قتل ثلاثة.", "وجرح آخرون؟", "نعم!", "لا؛", "ربما"]
        );
    }

    #[test]
    fn no_split_in_numbers_or_quotes() {
        assert_eq!(sents("بلغ 2.5 مليون. ثم"), ["بلغ 2.5 مليون.", "ثم"]);
        assert_eq!(
            sents("قال إن «الغارة استهدفت. ما أدى لمقتل ثلاثة». وأضاف"),
            ["قال إن «الغارة استهدفت. ما أدى لمقتل ثلاثة».", "وأضاف"]
        );
        assert_eq!(
            sents("قال “هذا. وذاك.” ثم مضى"),
            ["قال “هذا. وذاك.”", "ثم مضى"]
        );
    }

    #[test]
    fn unbalanced_quote_is_ignored() {
        assert_eq!(sents("قال “هذا. وذاك"), ["قال “هذا.", "وذاك"]);
    }

    #[test]
    fn line_breaks_end_sentences_and_paragraphs() {
        let t = "عنوان بلا نقطة\n\n  فقرة أولى. جملة ثانية\r\nفقرة\n";
        assert_eq!(
            sents(t),
            ["عنوان بلا نقطة", "فقرة أولى.", "جملة ثانية", "فقرة"]
        );
        let p: Vec<&str> = paragraphs(t).iter().map(|s| s.slice(t)).collect();
        assert_eq!(p, ["عنوان بلا نقطة", "فقرة أولى. جملة ثانية", "فقرة"]);
    }
}
