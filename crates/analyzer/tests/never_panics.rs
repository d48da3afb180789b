//! Normalisation and red flags never panic and keep their span invariants, on deterministic pseudo-random
//! strings built from the pieces that make them work hardest: combining marks, invisible characters,
//! look-alikes, full-width and styled letters, defanged notations, split letters, teencode, digits for letters.

use canhgiac_analyzer::normalise::NormalisedMessage;
use canhgiac_analyzer::red_flags;

const PIECES: &[&str] = &[
    "a",
    "o",
    "u",
    "y",
    "e",
    "k",
    "j",
    "q",
    "h",
    " ",
    "  ",
    ".",
    "-",
    "_",
    "/",
    "*",
    "'",
    "\"",
    "~",
    "^",
    "|",
    "!",
    "$",
    "0",
    "1",
    "3",
    "4",
    "9",
    "\n",
    "\t",
    "\r",
    "[",
    "]",
    "(",
    ")",
    "{",
    "}",
    ":",
    "@",
    "[.]",
    "(.)",
    "[dot]",
    "hxxp",
    "hxxps://",
    "https://",
    "www.",
    ".com",
    ".top",
    "bit.ly/",
    "ck",
    "stk",
    "ko",
    "k",
    "dc",
    "mk",
    "Đc",
    "otp",
    "OTP",
    "khong ",
    "chia se ",
    "cung cap ",
    "ma otp",
    "chuyen khoan ",
    "cong an",
    "N.h.a.n",
    "n h a n",
    "B/H/T/N",
    "th0ng",
    "d!eu",
    "hoà",
    "thuỷ",
    "quý",
    "Ư",
    "ơ",
    "đ",
    "Đ",
    "ð",
    "ı",
    "İ",
    "ß",
    "ﬁ",
    "①",
    "㎞",
    "𝐀",
    "𝟗",
    "\u{0300}",
    "\u{0301}",
    "\u{0302}",
    "\u{0309}",
    "\u{0323}",
    "\u{0306}",
    "\u{031B}",
    "\u{034F}",
    "\u{200B}",
    "\u{200D}",
    "\u{2060}",
    "\u{FEFF}",
    "\u{00AD}",
    "\u{202E}",
    "\u{E0041}",
    "\u{FE0F}",
    "\u{00A0}",
    "\u{3000}",
    "\u{2028}",
    "\u{0085}",
    "Ｖ",
    "０",
    "с",
    "о",
    "а",
    "Α",
    "ο",
    "٣",
    "๓",
    "😀",
    "👨‍👩‍👧",
    "中文",
    "한국어",
    "ﷺ",
    "\u{10FFFF}",
    "\u{FFFD}",
    "\u{0000}",
    "\u{007F}",
    "0912345678",
    "+84 912 345 678",
    "1.000.000đ",
    "vietcombank",
    "vcb-xacthuc.top",
    "zalo",
    "t.me/abc",
    "apk",
];

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn random_text(rng: &mut XorShift, pieces: usize) -> String {
    (0..pieces).map(|_| PIECES[rng.below(PIECES.len())]).collect()
}

fn check(message: &mut NormalisedMessage, text: &str) {
    message.refill(text);
    let chars = text.chars().count();
    assert_eq!(message.original_chars(), chars);
    assert_eq!(message.text().chars().count(), message.folded().chars().count(), "{text:?}");
    assert_eq!(message.text_origins().len(), message.text().len());
    assert_eq!(message.folded_origins().len(), message.folded().len());
    for (start, end) in message.text_origins().chain(message.folded_origins()) {
        assert!(start < end && end <= chars, "bad origin ({start}, {end}) of {chars} in {text:?}");
    }
    for token in message.tokens() {
        assert!(!message.token_text(token).is_empty());
        assert!(token.span.0 < token.span.1 && token.span.1 <= chars);
    }
    for flag in red_flags(message, text, Some("0912345678")) {
        assert!(!flag.spans.is_empty(), "{} without spans in {text:?}", flag.code);
        for &(start, end) in &flag.spans {
            assert!(start < end && end <= chars, "bad span ({start}, {end}) of {} in {text:?}", flag.code);
        }
        assert!(flag.spans.windows(2).all(|w| w[0].1 < w[1].0), "{:?} overlap", flag.spans);
        assert!((0.0..=1.0).contains(&flag.weight));
    }
}

#[test]
fn random_strings_never_panic() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut message = NormalisedMessage::new();
    for round in 0..4000 {
        let pieces = 1 + rng.below(if round % 50 == 0 { 400 } else { 60 });
        let text = random_text(&mut rng, pieces);
        check(&mut message, &text);
    }
}

#[test]
fn random_scalar_values_never_panic() {
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let mut message = NormalisedMessage::new();
    for _ in 0..2000 {
        let length = rng.below(80);
        let text: String = (0..length)
            .filter_map(|_| {
                // Mostly the Basic Multilingual Plane, sometimes anywhere.
                let range = if rng.below(4) == 0 { 0x11_0000 } else { 0x1_0000 };
                char::from_u32(rng.below(range) as u32)
            })
            .collect();
        check(&mut message, &text);
    }
}

#[test]
fn odd_strings_never_panic() {
    let mut message = NormalisedMessage::new();
    let long = "ck ".repeat(20_000);
    let marks = "\u{0301}".repeat(1000);
    let dots = "a.".repeat(5000);
    for text in ["", " ", "\u{0301}", "\u{200B}", "[.]", "hxxp", "hxxps", "\u{0301}a", &long, &marks, &dots] {
        check(&mut message, text);
    }
}
