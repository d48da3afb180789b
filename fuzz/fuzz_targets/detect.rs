#![no_main]
//! `detect` never panics, and what it recognises round-trips through its canonical form.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        canhgiac_core::identifier::invariants::check_detect(text);
    }
});
