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

/// The terminators ([`mark_at`] finds them byte-wise; the char-wise
/// reference in the tests uses this).
#[cfg(test)]
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

/// The line break starting at byte `i`, if any, and its length: `\n`,
/// `\r`, `\r\n`, U+2028, U+2029.
#[inline]
fn break_at(bytes: &[u8], i: usize) -> Option<usize> {
    match bytes[i] {
        b'\n' => Some(1),
        b'\r' => Some(if bytes.get(i + 1) == Some(&b'\n') {
            2
        } else {
            1
        }),
        // U+2028 and U+2029 are `E2 80 A8` and `E2 80 A9`.
        0xE2 if bytes.get(i + 1) == Some(&0x80)
            && matches!(bytes.get(i + 2), Some(0xA8 | 0xA9)) =>
        {
            Some(3)
        }
        _ => None,
    }
}

/// The non-blank lines, trimmed.
pub fn paragraphs(text: &str) -> Vec<Span> {
    segment(text, true, false).0
}

/// Sentences of the whole text (no sentence crosses a line break).
pub fn sentences(text: &str) -> Vec<Span> {
    segment(text, false, true).1
}

/// [`paragraphs`] and [`sentences`] in one pass over the text.
pub fn paragraphs_and_sentences(text: &str) -> (Vec<Span>, Vec<Span>) {
    segment(text, true, true)
}

/// A character that matters to sentence splitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// `.` `!` `?` `;` `؟` `؛` `…`
    Terminator,
    /// [`is_toggle_quote`]
    Toggle,
    /// `«`
    Open,
    /// `»`
    Close,
}

/// Bytes where a [`Mark`] or a line break may be: ASCII terminators, `"`
/// and line breaks, the lead bytes `C2` (« ») `E2` (“ ” „ ‟ … U+2028
/// U+2029) and `EF` (＂), and the last bytes `9B` `9F` of ؛ and ؟ (`D8 9B`,
/// `D8 9F`: `D8` itself leads half the Arabic letters). Every other byte
/// is skipped with one table look-up, without decoding characters.
static INTERESTING: [bool; 256] = {
    let mut t = [false; 256];
    let bytes: &[u8] = b"\n\r.!?;\"\xC2\xE2\xEF\x9B\x9F";
    let mut k = 0;
    while k < bytes.len() {
        t[bytes[k] as usize] = true;
        k += 1;
    }
    t
};

/// The mark at an [`INTERESTING`] byte `i` that is not a line break: its
/// start (before `i` for ؛ and ؟), kind and byte length.
#[inline]
fn mark_at(bytes: &[u8], i: usize) -> Option<(usize, Mark, usize)> {
    let next = |k: usize| bytes.get(i + k).copied();
    match bytes[i] {
        b'.' | b'!' | b'?' | b';' => Some((i, Mark::Terminator, 1)),
        b'"' => Some((i, Mark::Toggle, 1)),
        0xC2 => match next(1) {
            Some(0xAB) => Some((i, Mark::Open, 2)),
            Some(0xBB) => Some((i, Mark::Close, 2)),
            _ => None,
        },
        0xE2 if next(1) == Some(0x80) => match next(2) {
            // “ ” „ ‟ U+201C..=U+201F
            Some(0x9C..=0x9F) => Some((i, Mark::Toggle, 3)),
            // … U+2026
            Some(0xA6) => Some((i, Mark::Terminator, 3)),
            _ => None,
        },
        // ＂ U+FF02
        0xEF if next(1) == Some(0xBC) && next(2) == Some(0x82) => Some((i, Mark::Toggle, 3)),
        // ؛ U+061B, ؟ U+061F: `D8` is a lead byte, so the byte after it
        // is its continuation.
        0x9B | 0x9F if i > 0 && bytes[i - 1] == 0xD8 => Some((i - 1, Mark::Terminator, 2)),
        _ => None,
    }
}

/// Paragraphs and/or sentences. One byte scan per line finds the line's
/// end and its marks; the sentence rules then visit the marks (a few per
/// line), not the characters.
fn segment(text: &str, want_paragraphs: bool, want_sentences: bool) -> (Vec<Span>, Vec<Span>) {
    let bytes = text.as_bytes();
    let mut paragraphs = Vec::new();
    let mut sentences = Vec::new();
    // `(byte offset, mark, byte length)` of the current line's marks.
    let mut marks: Vec<(usize, Mark, usize)> = Vec::new();
    let mut pos = 0;
    while pos <= bytes.len() {
        marks.clear();
        let mut i = pos;
        let brk = loop {
            // One table look-up per byte and a branch that is almost never
            // taken. Skipping Arabic letters two bytes at a time looked
            // cheaper but branched on every letter/space change, and those
            // mispredictions cost more than the extra look-ups. A `9B`/`9F`
            // continuation byte of another character stops the scan, and
            // `mark_at` rejects it (it checks for the `D8` before it).
            while i < bytes.len() && !INTERESTING[bytes[i] as usize] {
                i += 1;
            }
            if i == bytes.len() {
                break 1;
            }
            if let Some(n) = break_at(bytes, i) {
                break n;
            }
            match mark_at(bytes, i) {
                Some((start, m, len)) => {
                    marks.push((start, m, len));
                    i = start + len;
                }
                None => i += 1,
            }
        };
        if want_paragraphs {
            paragraphs.extend(trimmed(text, pos, i));
        }
        if want_sentences {
            line_sentences(text, pos, i, &marks, &mut sentences);
        }
        pos = i + brk;
    }
    (paragraphs, sentences)
}

fn line_sentences(
    text: &str,
    line_start: usize,
    line_end: usize,
    marks: &[(usize, Mark, usize)],
    out: &mut Vec<Span>,
) {
    // Every split follows a terminator: without one the line is one
    // sentence, whatever its quotes.
    if !marks.iter().any(|&(_, m, _)| m == Mark::Terminator) {
        out.extend(trimmed(text, line_start, line_end));
        return;
    }
    // Decide which quote kinds are balanced on this line.
    let count = |kind: Mark| marks.iter().filter(|&&(_, m, _)| m == kind).count();
    let use_toggles = count(Mark::Toggle) % 2 == 0;
    let use_guillemets = count(Mark::Open) == count(Mark::Close);
    // Whether the character just before mark `k` is a terminator: every
    // terminator is a mark, so it is the previous mark, ending at `k`.
    let after_terminator = |k: usize| {
        k > 0 && {
            let (p, m, len) = marks[k - 1];
            m == Mark::Terminator && p + len == marks[k].0
        }
    };

    let mut in_toggle = false;
    let mut guillemet_depth = 0usize;
    let mut sent_start = line_start;
    let mut k = 0;
    while k < marks.len() {
        let (i, mark, len) = marks[k];
        if use_toggles && mark == Mark::Toggle {
            in_toggle = !in_toggle;
            if !in_toggle && after_terminator(k) && guillemet_depth == 0 {
                // «… انتهى.» — the sentence ends after the closing quote.
                let end = i + len;
                out.extend(trimmed(text, sent_start, end));
                sent_start = end;
            }
            k += 1;
            continue;
        }
        if use_guillemets && mark == Mark::Open {
            guillemet_depth += 1;
        } else if use_guillemets && mark == Mark::Close {
            guillemet_depth = guillemet_depth.saturating_sub(1);
            if guillemet_depth == 0 && !in_toggle && after_terminator(k) {
                let end = i + len;
                out.extend(trimmed(text, sent_start, end));
                sent_start = end;
            }
        }
        if mark == Mark::Terminator && !in_toggle && guillemet_depth == 0 {
            // Take the whole run of terminators ("?!", "...").
            let mut m = k;
            while m + 1 < marks.len() && after_terminator(m + 1) && marks[m + 1].1 == mark {
                m += 1;
            }
            let run_end = marks[m].0 + marks[m].2;
            let next = text[run_end..line_end].chars().next();
            let prev = text[line_start..i].chars().next_back();
            let single_dot = m == k && text.as_bytes()[i] == b'.';
            let boundary = match next {
                None => true,
                Some(d) => d.is_whitespace() || is_toggle_quote(d) || d == '»' || d == '«',
            };
            let inside_number = single_dot
                && prev.is_some_and(|p| p.is_numeric())
                && next.is_some_and(|d| d.is_numeric());
            if boundary && !inside_number {
                out.extend(trimmed(text, sent_start, run_end));
                sent_start = run_end;
            }
            k = m + 1;
            continue;
        }
        k += 1;
    }
    out.extend(trimmed(text, sent_start, line_end));
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

    /// The segmenter as first written, char by char over a collected
    /// `Vec<(usize, char)>`: the byte scan must give the same spans.
    mod reference {
        use super::super::{is_terminator, is_toggle_quote, trimmed};
        use rasd_model::Span;

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

        pub fn paragraphs(text: &str) -> Vec<Span> {
            lines(text)
                .filter_map(|(s, e)| trimmed(text, s, e))
                .collect()
        }

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
                    if !in_toggle && k > 0 && is_terminator(chars[k - 1].1) && guillemet_depth == 0
                    {
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
                    if guillemet_depth == 0 && !in_toggle && k > 0 && is_terminator(chars[k - 1].1)
                    {
                        let end = i + c.len_utf8();
                        if let Some(sp) = trimmed(text, line_start + sent_start, line_start + end) {
                            out.push(sp);
                        }
                        sent_start = end;
                    }
                }
                if is_terminator(c) && !in_toggle && guillemet_depth == 0 {
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
    }

    /// Text dense in what the segmenter looks at: every terminator, quote
    /// and line break, their byte neighbours (other chars led by `C2`,
    /// `D8`, `E2`, `EF` or ending in `9B`, `9F`), digits, spaces, Arabic
    /// and Latin letters.
    fn segmenter_mix() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let pieces = prop_oneof![
            4 => proptest::char::range('\u{0621}', '\u{064A}').prop_map(String::from),
            3 => prop::sample::select(vec![
                ".", "!", "?", ";", "؟", "؛", "…", "\"", "“", "”", "„", "‟", "＂", "«", "»",
                "...", "?!", ".”", ".»", "2.5", "٢.٥", "U.S",
            ]).prop_map(String::from),
            2 => prop::sample::select(vec![
                " ", "  ", "\t", "\n", "\r\n", "\r", "\u{2028}", "\u{2029}", "\u{A0}", "\u{2003}",
                "\n\n", " \n ",
            ]).prop_map(String::from),
            2 => prop::sample::select(vec![
                "\u{A0}", "©", "\u{061C}", "،", "؍", "ؠ", "‘", "’", "—", "–", "\u{2027}", "\u{202F}",
                "\u{2030}", "€", "ﻻ", "ｂ", "\u{FF03}", "٣", "x", "Z", "7",
                // Other characters with a `9B` or `9F` byte (؛ is `D8 9B`).
                "\u{065B}", "\u{065F}", "ß", "ě", "\u{205F}", "\u{FF1F}", "\u{2E2E}",
            ]).prop_map(String::from),
            1 => any::<char>().prop_map(String::from),
        ];
        prop::collection::vec(pieces, 0..60).prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        #[test]
        fn byte_scan_agrees_with_the_char_reference(text in segmenter_mix()) {
            proptest::prop_assert_eq!(sentences(&text), reference::sentences(&text));
            proptest::prop_assert_eq!(paragraphs(&text), reference::paragraphs(&text));
            proptest::prop_assert_eq!(
                paragraphs_and_sentences(&text),
                (reference::paragraphs(&text), reference::sentences(&text))
            );
        }

        #[test]
        fn byte_scan_agrees_on_any_string(text in proptest::prelude::any::<String>()) {
            proptest::prop_assert_eq!(sentences(&text), reference::sentences(&text));
            proptest::prop_assert_eq!(paragraphs(&text), reference::paragraphs(&text));
        }
    }

    #[test]
    fn byte_scan_agrees_on_the_seeds() {
        let seeds = concat!(env!("CARGO_MANIFEST_DIR"), "/../../seeds");
        for entry in std::fs::read_dir(seeds).unwrap() {
            let t = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            assert_eq!(sentences(&t), reference::sentences(&t));
            assert_eq!(paragraphs(&t), reference::paragraphs(&t));
        }
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
