//! Word tokenization that knows Arabic proclitics.
//!
//! Why: Arabic attaches conjunctions, prepositions and the article to the
//! next word (`وبالرقة` = و + ب + ال + رقة), so a gazetteer lookup of the
//! whole word misses. Each [`Token`] carries the byte offset where its stem
//! starts after the proclitics and the article; the tagger looks up the whole
//! word first and the stem second (stripping is deliberately greedy and can
//! be wrong for words that merely begin with و or ب, e.g. `وصل`).
//!
//! A word is a run of letters, digits and combining marks (tatweel and
//! diacritics stay inside words). Digit groups joined by `.` `,` `٫` `٬`
//! (`2.5`, `1,000`) form one token. Clitic rules work on raw and on
//! match-normalized text alike (alef variants count as alef, diacritics and
//! tatweel between letters are skipped).

/// A word: `text[start..end]`; the stem (after proclitics and the article)
/// is `text[stem_start..end]`. `start <= stem_start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    pub stem_start: usize,
}

impl Token {
    pub fn text<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start..self.end]
    }
    pub fn stem<'a>(&self, text: &'a str) -> &'a str {
        &text[self.stem_start..self.end]
    }
}

/// How a word splits into proclitics, article and stem (byte lengths).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Clitics {
    /// Bytes of the proclitic letters (و ف ب ل ك س), marks included.
    pub proclitics: usize,
    /// Bytes of the article: `ال`, or the `ل` of `لل` (whose alef is
    /// elided), marks included; 0 when there is none.
    pub article: usize,
}

impl Clitics {
    /// Byte offset of the stem in the word.
    pub fn stem_offset(&self) -> usize {
        self.proclitics + self.article
    }
}

fn is_mark(c: char) -> bool {
    matches!(c, '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}' | '\u{0640}')
        || matches!(c, '\u{0300}'..='\u{036F}' | '\u{200C}' | '\u{200D}')
}

fn is_word_char(c: char) -> bool {
    match c as u32 {
        0x30..=0x39 | 0x41..=0x5A | 0x61..=0x7A | 0x0621..=0x064A => true,
        0..=0x7F => false,
        _ => c.is_alphanumeric() || is_mark(c),
    }
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '\u{0660}'..='\u{0669}' | '\u{06F0}'..='\u{06F9}')
}

/// Letters looked at by the clitic rules: no rule needs more than this.
const LOOKAHEAD: usize = 8;

/// The first [`LOOKAHEAD`] letters of a word with their byte offsets, marks
/// skipped, alef variants folded to ا so that the rules see one alef; and
/// how many there are (capped at `LOOKAHEAD`).
fn letters(word: &str) -> ([(usize, char); LOOKAHEAD], usize) {
    let mut out = [(0usize, '\0'); LOOKAHEAD];
    let mut n = 0;
    for (i, c) in word.char_indices() {
        if is_mark(c) {
            continue;
        }
        let c = match c {
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            _ => c,
        };
        out[n] = (i, c);
        n += 1;
        if n == LOOKAHEAD {
            break;
        }
    }
    (out, n)
}

/// Minimum stem letters left after stripping the article.
const MIN_STEM_AFTER_ARTICLE: usize = 2;
/// Minimum stem letters left after stripping proclitics only.
const MIN_STEM_AFTER_PROCLITIC: usize = 3;

/// Split a word into proclitics, article and stem.
///
/// Rules, tried in order: (و|ف)? (ب|ك|ل)? ال + stem of ≥ 2 letters;
/// (و|ف)? لل + stem of ≥ 2 letters (`للنظام`, `ولل`); (و|ف)? (ب|ك|ل)? + stem
/// of ≥ 3 letters; (و|ف)? س + (ي|ت|ن|ا) + ≥ 2 more letters (the future
/// prefix of a verb). Nothing is stripped from non-Arabic words.
pub fn split_clitics(word: &str) -> Clitics {
    let (ls, n) = letters(word);
    let ls = &ls[..n];
    let at = |k: usize| ls.get(k).map(|&(_, c)| c);
    let offset = |k: usize| ls.get(k).map_or(word.len(), |&(i, _)| i);
    let result = |p: usize, a: usize| Clitics {
        proclitics: offset(p),
        article: offset(p + a) - offset(p),
    };
    let conj = matches!(at(0), Some('و' | 'ف')) as usize;
    // Article with optional conjunction and preposition.
    for prep in [1usize, 0] {
        let p = conj + prep;
        if prep == 1 && !matches!(at(conj), Some('ب' | 'ك' | 'ل')) {
            continue;
        }
        if at(p) == Some('ا') && at(p + 1) == Some('ل') && n >= p + 2 + MIN_STEM_AFTER_ARTICLE {
            return result(p, 2);
        }
    }
    // لل: the preposition ل before the article, whose alef is dropped.
    if at(conj) == Some('ل') && at(conj + 1) == Some('ل') && n >= conj + 2 + MIN_STEM_AFTER_ARTICLE
    {
        return result(conj + 1, 1);
    }
    // Preposition without article.
    if matches!(at(conj), Some('ب' | 'ك' | 'ل')) && n >= conj + 1 + MIN_STEM_AFTER_PROCLITIC {
        return result(conj + 1, 0);
    }
    // Future prefix before an imperfect verb.
    if at(conj) == Some('س')
        && matches!(at(conj + 1), Some('ي' | 'ت' | 'ن' | 'ا'))
        && n >= conj + 1 + MIN_STEM_AFTER_PROCLITIC
    {
        return result(conj + 1, 0);
    }
    if conj == 1 && n > MIN_STEM_AFTER_PROCLITIC {
        return result(1, 0);
    }
    Clitics::default()
}

/// The stem of a word: proclitics and the article removed.
/// `strip_clitics("وبالرقة") == "رقة"`, `strip_clitics("لروسيا") == "روسيا"`.
pub fn strip_clitics(word: &str) -> &str {
    &word[split_clitics(word).stem_offset()..]
}

/// The word without its proclitics but with its article when the article is
/// spelled `ال` (`والرقة` → `الرقة`; `للرقة` → `رقة`, as the alef is elided).
pub fn strip_proclitics(word: &str) -> &str {
    let c = split_clitics(word);
    if c.article == 0
        || word[c.proclitics..].starts_with('ل') && !word[c.proclitics..].starts_with("ال")
    {
        &word[c.stem_offset()..]
    } else {
        &word[c.proclitics..]
    }
}

/// Split text into words with byte offsets and stem offsets.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        // Words start at a letter or digit; a mark without a base is skipped.
        if !is_word_char(c) || is_mark(c) && !c.is_alphanumeric() {
            continue;
        }
        let start = i;
        let mut end = i + c.len_utf8();
        let mut last = c;
        while let Some(&(j, d)) = chars.peek() {
            if is_word_char(d) {
                end = j + d.len_utf8();
                last = d;
                chars.next();
                continue;
            }
            // 2.5 and 1,000: a separator between digits.
            if matches!(d, '.' | ',' | '٫' | '٬') && is_digit(last) {
                let mut ahead = chars.clone();
                ahead.next();
                if let Some(&(_, e)) = ahead.peek() {
                    if is_digit(e) {
                        chars.next();
                        continue;
                    }
                }
            }
            break;
        }
        let word = &text[start..end];
        let stem_start = start + split_clitics(word).stem_offset();
        tokens.push(Token {
            start,
            end,
            stem_start,
        });
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clitics_are_split() {
        assert_eq!(strip_clitics("وبالرقة"), "رقة");
        assert_eq!(strip_clitics("والرقة"), "رقة");
        assert_eq!(strip_clitics("فالجيش"), "جيش");
        assert_eq!(strip_clitics("كالعادة"), "عادة");
        assert_eq!(strip_clitics("للنظام"), "نظام");
        assert_eq!(strip_clitics("وللنظام"), "نظام");
        assert_eq!(strip_clitics("لروسيا"), "روسيا");
        assert_eq!(strip_clitics("وإيران"), "إيران");
        assert_eq!(strip_clitics("بريف"), "ريف");
        assert_eq!(strip_clitics("سيقوم"), "يقوم");
        assert_eq!(strip_clitics("وبِالرَّقة"), "رَّقة");
        assert_eq!(strip_proclitics("والرقة"), "الرقة");
        assert_eq!(strip_proclitics("للرقة"), "رقة");
    }

    #[test]
    fn short_and_foreign_words_are_kept() {
        for w in ["لها", "ولد", "بل", "سوريا", "ستة", "Syria", "الى", "و"] {
            assert_eq!(strip_clitics(w), w, "{w}");
        }
    }

    #[test]
    fn tokens_have_offsets() {
        let t = "قُتِل 3 من #لواء_القدس في 2.5 كم، وبالرقة.";
        let toks = tokenize(t);
        let words: Vec<&str> = toks.iter().map(|k| k.text(t)).collect();
        assert_eq!(
            words,
            [
                "قُتِل",
                "3",
                "من",
                "لواء",
                "القدس",
                "في",
                "2.5",
                "كم",
                "وبالرقة"
            ]
        );
        let last = toks.last().unwrap();
        assert_eq!(last.stem(t), "رقة");
        for k in &toks {
            assert!(k.start <= k.stem_start && k.stem_start < k.end);
        }
    }
}
