//! Whether a word, written without diacritics, could be one Vietnamese syllable: an onset, a vowel nucleus and an
//! ending that Vietnamese allows. It tells a word disguised with a digit (`th0ng`, `T1EN`, `Tjen`: a syllable once
//! the digit is read as a letter) from a product code or a foreign name (`on4g`, `3UMAX4G`, `enjoy`, `Ranjith`).

/// Initial consonants, longest first so that `ngh` is tried before `ng` and `n`. `z` and `f` stand for `d`/`gi`
/// and `ph` in teencode (`zui`, `fai`).
const ONSETS: &[&str] = &[
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "th", "tr", "qu", "b", "c", "d", "g", "h", "k", "l", "m", "n",
    "p", "r", "s", "t", "v", "x", "z", "f",
];

/// Vowel nuclei with their glides, the endings in `i`, `y`, `o` and `u` included (`ai`, `ao`, `uoi`, `ieu`).
const NUCLEI: &[&str] = &[
    "a", "e", "i", "o", "u", "y", "ai", "ao", "au", "ay", "eo", "eu", "ia", "ie", "iu", "oa", "oe", "oi", "ua", "ue",
    "ui", "uo", "uu", "uy", "ya", "ye", "ieu", "oai", "oay", "oao", "oeo", "uay", "uoi", "uou", "uya", "uye", "uyu",
    "yeu", "uau", "uai",
];

/// Final consonants.
const CODAS: &[&str] = &["ch", "ng", "nh", "c", "m", "n", "p", "t"];

/// Whether `word` (ASCII letters, any case) reads as one Vietnamese syllable without its diacritics.
pub fn is_vietnamese_syllable(word: &str) -> bool {
    if word.is_empty() || word.len() > 7 || !word.bytes().all(|b| b.is_ascii_alphabetic()) {
        return false;
    }
    let lower = word.to_ascii_lowercase();
    let after_onsets = ONSETS.iter().filter_map(|onset| lower.strip_prefix(onset)).chain(std::iter::once(&lower[..]));
    after_onsets.into_iter().any(|rest| {
        NUCLEI.contains(&rest)
            || CODAS.iter().any(|coda| rest.strip_suffix(coda).is_some_and(|nucleus| NUCLEI.contains(&nucleus)))
    })
}

#[cfg(test)]
mod tests {
    use super::is_vietnamese_syllable;

    #[test]
    fn syllables_and_other_words() {
        for word in [
            "thong", "bao", "khong", "tien", "muon", "song", "co", "duoc", "dinh", "biet", "rieng", "nghieng", "khoa",
            "quyen", "gia", "uong", "anh", "NGOAI", "Xi", "an", "o",
        ] {
            assert!(is_vietnamese_syllable(word), "{word}");
        }
        for word in [
            "onag", "body", "enioyed", "ranith", "free", "cannap", "napdau", "zalo", "bodv", "spos", "", "x", "str",
            "proiect", "thongg",
        ] {
            assert!(!is_vietnamese_syllable(word), "{word}");
        }
    }
}
