//! Fuzz the cleaner: any bytes, read as a title, a text or an HTML page,
//! must clean without panicking into an article whose spans are valid, and
//! cleaning the result again must change nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rasd_clean::Cleaner;
use rasd_model::{InputError, RawArticle};
use std::sync::OnceLock;

fn cleaner() -> &'static Cleaner {
    static C: OnceLock<Cleaner> = OnceLock::new();
    C.get_or_init(Cleaner::new)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let input = String::from_utf8_lossy(rest);
    // Mode bit 0: HTML or text; bit 1: the first line is also given as title.
    let (title, body) = match (mode & 2 != 0, input.split_once('\n')) {
        (true, Some((t, b))) => (Some(t.to_string()), b.to_string()),
        _ => (None, input.to_string()),
    };
    let raw = if mode & 1 != 0 {
        RawArticle {
            html: Some(body),
            title,
            ..Default::default()
        }
    } else {
        RawArticle {
            text: Some(body),
            title,
            ..Default::default()
        }
    };
    let a = match cleaner().process(&raw) {
        Ok(a) => a,
        Err(e) => {
            assert_eq!(e, InputError::EmptyText);
            return;
        }
    };
    for s in a.paragraphs.iter().chain(&a.sentences) {
        assert!(s.start < s.end && s.end <= a.text.len());
        assert!(a.text.is_char_boundary(s.start) && a.text.is_char_boundary(s.end));
    }
    let again = RawArticle {
        text: Some(a.text.clone()),
        title: Some(a.title.clone()),
        ..Default::default()
    };
    let b = cleaner()
        .process(&again)
        .expect("a cleaned article cleans again");
    assert_eq!(b.text, a.text);
    assert_eq!(b.title, a.title);
});
