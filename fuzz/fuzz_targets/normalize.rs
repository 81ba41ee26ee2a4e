//! Fuzz the normalizer: the fast path equals the aligned path, `match`
//! normalization is idempotent, and every alignment range lies on character
//! boundaries of the original.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rasd_text::{normalize, normalize_match, NormalizerConfig};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let n = normalize(text, &NormalizerConfig::matching());
    let fast = normalize_match(text);
    assert_eq!(n.as_str(), fast);
    assert_eq!(normalize_match(&fast), fast);
    let norm = n.as_str();
    let mut last = 0;
    for (i, c) in norm.char_indices() {
        let r = n.original_range(i, i + c.len_utf8());
        assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
        assert!(r.start >= last);
        last = r.start;
    }
});
