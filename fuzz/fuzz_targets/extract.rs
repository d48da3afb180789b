#![no_main]
//! `extract` never panics, its spans lie inside the text in order, and every identifier it finds
//! round-trips through its canonical form.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        canhgiac_core::identifier::invariants::check_extract(text);
    }
});
