#![no_main]
//! The strict social parser never panics, and what it accepts round-trips through its canonical
//! and display forms.

use canhgiac_core::IdentifierKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        canhgiac_core::identifier::invariants::check_parser(IdentifierKind::Social, text);
    }
});
