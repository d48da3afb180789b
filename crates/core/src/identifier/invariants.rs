//! The properties every parser keeps, as checks that panic when broken. Shared by the property
//! tests and the fuzz targets so both hold the code to the same promises.

use super::{IdentifierKind, detect, extract};

/// A strict parser never panics; what it accepts is canonical (parsing the canonical form gives the
/// same identifier, so canonicalisation is idempotent) and survives its display form.
pub fn check_parser(kind: IdentifierKind, input: &str) {
    let Ok(identifier) = kind.parse(input) else { return };
    assert_eq!(identifier.kind(), kind);
    let canonical = identifier.canonical();
    let reparsed =
        kind.parse(&canonical).unwrap_or_else(|e| panic!("{kind} canonical {canonical:?} does not parse: {e}"));
    assert_eq!(reparsed, identifier, "{kind}: parse(canonical) differs for input {input:?}");
    assert_eq!(reparsed.canonical(), canonical, "{kind}: canonicalisation is not idempotent for {input:?}");
    let display = identifier.display();
    let from_display =
        kind.parse(&display).unwrap_or_else(|e| panic!("{kind} display {display:?} does not parse: {e}"));
    assert_eq!(from_display, identifier, "{kind}: parse(display) differs for input {input:?}");
    let _ = identifier.to_json();
}

/// `extract` never panics; its spans lie inside the text, in order, and do not overlap; every
/// identifier found round-trips through its canonical form.
pub fn check_extract(text: &str) {
    let length = text.chars().count();
    let mut previous_end = 0;
    for found in extract(text) {
        let (start, end) = found.span;
        assert!(start < end && end <= length, "span {start}..{end} outside a text of {length} characters");
        assert!(start >= previous_end, "span {start}..{end} overlaps the previous one ending at {previous_end}");
        previous_end = end;
        let kind = found.identifier.kind();
        let canonical = found.identifier.canonical();
        let reparsed =
            kind.parse(&canonical).unwrap_or_else(|e| panic!("extracted {kind} {canonical:?} does not parse: {e}"));
        assert_eq!(reparsed, found.identifier, "extracted {kind} does not round-trip");
    }
}

/// `detect` never panics, and what it recognises round-trips through its canonical form.
pub fn check_detect(input: &str) {
    if let Ok(identifier) = detect(input) {
        let kind = identifier.kind();
        let canonical = identifier.canonical();
        let reparsed =
            kind.parse(&canonical).unwrap_or_else(|e| panic!("detected {kind} {canonical:?} does not parse: {e}"));
        assert_eq!(reparsed, identifier);
    }
}
