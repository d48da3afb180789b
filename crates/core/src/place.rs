//! Places: Vietnam's 34 provincial units since the reorganisation of 1 July 2025, and the names of the former
//! provinces merged into them.
//!
//! Reports, statistics and warnings are kept by the province in force. People (and old records) still write
//! the former names, so every former province resolves to the unit it became part of, and the match says which
//! old name was given. Communes (xã, phường) changed too many times to keep a list: they stay free text, tidied
//! by [`normalise_commune`].

use crate::error::{Error, ErrorCode, Result};
use crate::text;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProvinceKind {
    /// A centrally-run city (thành phố trực thuộc trung ương).
    City,
    Province,
}

impl ProvinceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProvinceKind::City => "city",
            ProvinceKind::Province => "province",
        }
    }
}

/// A provincial unit in force since 1 July 2025.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Province {
    /// Stable slug, an API value: `ha_noi`, `ho_chi_minh`, `hue`.
    pub code: &'static str,
    pub name_vi: &'static str,
    pub name_en: &'static str,
    pub kind: ProvinceKind,
}

/// A province that no longer exists on its own: merged into another on 1 July 2025 (or, for Thừa Thiên Huế,
/// renamed Huế on 1 January 2025).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct FormerProvince {
    /// Stable slug: `ba_ria_vung_tau`, `thua_thien_hue`.
    pub code: &'static str,
    pub name_vi: &'static str,
    pub name_en: &'static str,
    /// The code of the province in force it is now part of.
    pub merged_into: &'static str,
}

impl FormerProvince {
    /// The province in force this one is now part of.
    pub fn province(&self) -> &'static Province {
        province_by_code(self.merged_into).expect("the bundled province list names existing provinces")
    }
}

/// The answer of [`resolve_province`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProvinceMatch {
    pub province: &'static Province,
    /// The Vietnamese name of the former province when the text named one (`Bình Dương` for "Binh Duong").
    pub old_name: Option<&'static str>,
}

/// What a match key leads to: a province in force, possibly through a former one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Target {
    province: usize,
    former: Option<usize>,
}

struct Directory {
    provinces: Vec<Province>,
    formers: Vec<FormerProvince>,
    by_key: HashMap<String, Target>,
}

/// The longest text `resolve_province` reads; longer is not a province name.
const MAX_PROVINCE_CHARS: usize = 200;
/// Longest commune name accepted; the longest real ones are around 40 characters.
pub const MAX_COMMUNE_CHARS: usize = 120;

static DIRECTORY: LazyLock<Directory> = LazyLock::new(|| read_directory().0);

/// Reads the bundled list; also returns the keys claimed by two different targets (a data mistake the tests
/// look for: the first claim wins).
fn read_directory() -> (Directory, Vec<String>) {
    let mut provinces = Vec::new();
    let mut formers = Vec::new();
    // (names, merged_into) of each former province, joined to its province once all are read.
    let mut former_rows = Vec::new();
    let mut names_of_provinces = Vec::new();
    for line in include_str!("../data/provinces.tsv").lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let columns: Vec<&'static str> = line.split('\t').collect();
        let [code, name_vi, name_en, kind, merged_into, aliases] = columns[..] else { continue };
        let mut names = vec![code, name_vi, name_en];
        names.extend(aliases.split(',').map(str::trim).filter(|a| !a.is_empty()));
        let kind = match kind {
            "city" => ProvinceKind::City,
            "province" => ProvinceKind::Province,
            "former" => {
                formers.push(FormerProvince { code, name_vi, name_en, merged_into });
                former_rows.push(names);
                continue;
            }
            _ => continue,
        };
        provinces.push(Province { code, name_vi, name_en, kind });
        names_of_provinces.push(names);
    }

    let mut by_key = HashMap::new();
    let mut conflicts = Vec::new();
    let mut claim = |name: &str, target: Target| {
        let key = match_key(name);
        if key.is_empty() {
            return;
        }
        match by_key.get(&key) {
            Some(existing) if *existing != target => conflicts.push(key),
            Some(_) => {}
            None => {
                by_key.insert(key, target);
            }
        }
    };
    for (index, names) in names_of_provinces.iter().enumerate() {
        for name in names {
            claim(name, Target { province: index, former: None });
        }
    }
    for (index, names) in former_rows.iter().enumerate() {
        let Some(province) = provinces.iter().position(|p| p.code == formers[index].merged_into) else { continue };
        for name in names {
            claim(name, Target { province, former: Some(index) });
        }
    }
    (Directory { provinces, formers, by_key }, conflicts)
}

/// The 34 provincial units in force, in a fixed order: the 11 left unchanged by the reorganisation first.
pub fn provinces() -> &'static [Province] {
    &DIRECTORY.provinces
}

/// The former provinces (the 29 merged on 1 July 2025, and Thừa Thiên Huế).
pub fn former_provinces() -> &'static [FormerProvince] {
    &DIRECTORY.formers
}

/// The province in force with this exact code (`ha_noi`); former codes give `None` (use [`resolve_province`]).
pub fn province_by_code(code: &str) -> Option<&'static Province> {
    DIRECTORY.provinces.iter().find(|p| p.code == code)
}

/// Finds the province in force that `text` names: its Vietnamese name with or without accents, its English
/// name, its code, a common alias ("TP HCM", "Sài Gòn", "HN") or the name of a former province merged into it.
/// Case, accents, punctuation, spacing and the prefixes "tỉnh", "thành phố", "TP" do not matter.
pub fn resolve_province(text: &str) -> Result<ProvinceMatch> {
    if text.trim().is_empty() {
        return Err(Error::new(ErrorCode::EmptyInput, "the province is empty").with_field("province"));
    }
    if text.len() > MAX_PROVINCE_CHARS * 4 || text.chars().count() > MAX_PROVINCE_CHARS {
        return Err(Error::new(
            ErrorCode::InputTooLong,
            format!("the province is longer than {MAX_PROVINCE_CHARS} characters"),
        )
        .with_field("province"));
    }
    let directory = &*DIRECTORY;
    let key = match_key(text);
    match directory.by_key.get(&key) {
        Some(target) => Ok(ProvinceMatch {
            province: &directory.provinces[target.province],
            old_name: target.former.map(|index| directory.formers[index].name_vi),
        }),
        None => Err(unknown_province(text, &key)),
    }
}

fn unknown_province(text: &str, key: &str) -> Error {
    let mut message = format!("unknown province or city `{}`", text::shorten_for_message(text.trim()));
    if let Some(suggestion) = closest_name(key) {
        message.push_str(&format!("; did you mean `{suggestion}`?"));
    }
    message.push_str(
        "; expected one of Vietnam's 34 provinces and cities since 1 July 2025 (e.g. `Hà Nội`, `TP Hồ Chí Minh`, \
         `Đà Nẵng`, `Quảng Ninh`), or the name of a former province merged into one",
    );
    Error::new(ErrorCode::UnknownProvince, message).with_field("province")
}

/// The Vietnamese name behind the key nearest to `key` when it is near enough to be a typo.
fn closest_name(key: &str) -> Option<&'static str> {
    if key.len() < 3 || key.len() > 40 {
        return None;
    }
    let directory = &*DIRECTORY;
    let (distance, target) = directory
        .by_key
        .iter()
        .map(|(candidate, target)| (edit_distance(key, candidate), target))
        .min_by_key(|&(distance, target)| (distance, target.province, target.former))?;
    let allowed = if key.len() >= 6 { 2 } else { 1 };
    (distance <= allowed).then(|| match target.former {
        Some(index) => directory.formers[index].name_vi,
        None => directory.provinces[target.province].name_vi,
    })
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// Reduces a place name to its matching key: accent-free lowercase words without the administrative prefixes
/// ("tỉnh", "thành phố", "TP", "thủ đô") and English suffixes ("province", "city"), run together so that
/// "Ha Noi", "Hanoi" and "ha_noi" meet.
fn match_key(name: &str) -> String {
    let folded = text::fold_accents_lower(name);
    let mut words: Vec<&str> = folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    loop {
        let skip = match words.as_slice() {
            ["thanh", "pho", _, ..] | ["thu", "do", _, ..] | ["t", "p", _, ..] => 2,
            ["tinh" | "tp", _, ..] => 1,
            _ => 0,
        };
        if skip == 0 {
            break;
        }
        words.drain(..skip);
    }
    // "(cũ)", "old": people mark a former name as such.
    while let [.., _, "province" | "city" | "cu" | "old"] = words.as_slice() {
        words.pop();
    }
    words.concat()
}

/// Tidies a commune (xã, phường, đặc khu) name typed by a person: NFC, invisible characters dropped, whitespace
/// trimmed and collapsed. `Ok(None)` when nothing is left; control characters and names longer than
/// [`MAX_COMMUNE_CHARS`] are refused.
pub fn normalise_commune(text: &str) -> Result<Option<String>> {
    // A generous byte bound first, so that a huge value costs nothing.
    if text.len() > MAX_COMMUNE_CHARS * 16 {
        return Err(commune_too_long());
    }
    // Invisible characters go before composing: one between a letter and its accent would block NFC.
    let nfc: String = text.chars().filter(|&c| !text::is_invisible(c)).nfc().collect();
    if let Some(c) = nfc.chars().find(|&c| c.is_control() && !c.is_whitespace()) {
        return Err(Error::new(
            ErrorCode::InvalidValue,
            format!("the commune holds a control character (U+{:04X})", c as u32),
        )
        .with_field("commune"));
    }
    let commune = nfc.split_whitespace().collect::<Vec<_>>().join(" ");
    if commune.is_empty() {
        return Ok(None);
    }
    if commune.chars().count() > MAX_COMMUNE_CHARS {
        return Err(commune_too_long());
    }
    Ok(Some(commune))
}

fn commune_too_long() -> Error {
    Error::new(ErrorCode::InputTooLong, format!("the commune is longer than {MAX_COMMUNE_CHARS} characters"))
        .with_field("commune")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_list_is_whole_and_unambiguous() {
        assert_eq!(provinces().len(), 34);
        assert_eq!(provinces().iter().filter(|p| p.kind == ProvinceKind::City).count(), 6);
        assert_eq!(former_provinces().len(), 30);
        let (_, conflicts) = read_directory();
        assert!(conflicts.is_empty(), "names claimed twice: {conflicts:?}");
        for former in former_provinces() {
            assert!(province_by_code(former.merged_into).is_some(), "{}", former.code);
            assert_eq!(former.province().code, former.merged_into);
        }
    }

    #[test]
    fn match_keys() {
        assert_eq!(match_key("Thành phố Hồ Chí Minh"), "hochiminh");
        assert_eq!(match_key("TP. HCM"), "hcm");
        assert_eq!(match_key("T.P Hà Nội"), "hanoi");
        assert_eq!(match_key("tỉnh  Bình-Dương (cũ)"), "binhduong");
        assert_eq!(match_key("Ho Chi Minh City"), "hochiminh");
        // A prefix alone is not stripped to nothing.
        assert_eq!(match_key("Thành phố"), "thanhpho");
        assert_eq!(match_key("Thanh Hóa"), "thanhhoa");
    }

    #[test]
    fn typos_get_a_suggestion() {
        let error = resolve_province("Ha Noii").unwrap_err();
        assert_eq!(error.code, ErrorCode::UnknownProvince);
        assert!(error.message.contains("did you mean `Hà Nội`"), "{}", error.message);
        let error = resolve_province("Atlantis").unwrap_err();
        assert!(!error.message.contains("did you mean"), "{}", error.message);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn communes() {
        assert_eq!(normalise_commune("  Phường   Bến\tThành \n").unwrap().as_deref(), Some("Phường Bến Thành"));
        // Decomposed input comes out composed.
        assert_eq!(normalise_commune("Xa\u{0303} An").unwrap().as_deref(), Some("Xã An"));
        assert_eq!(normalise_commune(" \u{200B} ").unwrap(), None);
        // An invisible character between a letter and its accent does not block composition.
        assert_eq!(normalise_commune("Ô\u{200B}\u{0300}").unwrap().as_deref(), Some("Ồ"));
        assert_eq!(normalise_commune("").unwrap(), None);
        let error = normalise_commune("Xã\u{0007}An").unwrap_err();
        assert_eq!((error.code, error.field.as_deref()), (ErrorCode::InvalidValue, Some("commune")));
        let error = normalise_commune(&"x".repeat(121)).unwrap_err();
        assert_eq!((error.code, error.field.as_deref()), (ErrorCode::InputTooLong, Some("commune")));
        assert!(normalise_commune(&"ă".repeat(120)).unwrap().is_some());
        assert_eq!(normalise_commune(&" ".repeat(100_000)).unwrap_err().code, ErrorCode::InputTooLong);
    }
}
