//! The scam library: a page per scam type, written by the project in Vietnamese and English
//! (`data/scam_library.toml`, compiled in).

use crate::language::Language;
use canhgiac_core::ScamType;
use serde::Deserialize;
use std::sync::LazyLock;

static LIBRARY_TOML: &str = include_str!("../data/scam_library.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LibraryFile {
    scam: Vec<ScamPage>,
}

/// One scam type's page.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScamPage {
    pub code: ScamType,
    summary_vi: String,
    summary_en: String,
    how_vi: Vec<String>,
    how_en: Vec<String>,
    signs_vi: Vec<String>,
    signs_en: Vec<String>,
    do_vi: Vec<String>,
    do_en: Vec<String>,
    example_vi: String,
    example_en: String,
}

impl ScamPage {
    pub fn name(&self, language: Language) -> &'static str {
        language.pick(self.code.name_vi(), self.code.name_en())
    }
    pub fn summary(&self, language: Language) -> &str {
        language.pick(&self.summary_vi, &self.summary_en)
    }
    pub fn how(&self, language: Language) -> &[String] {
        match language {
            Language::Vietnamese => &self.how_vi,
            Language::English => &self.how_en,
        }
    }
    pub fn signs(&self, language: Language) -> &[String] {
        match language {
            Language::Vietnamese => &self.signs_vi,
            Language::English => &self.signs_en,
        }
    }
    pub fn what_to_do(&self, language: Language) -> &[String] {
        match language {
            Language::Vietnamese => &self.do_vi,
            Language::English => &self.do_en,
        }
    }
    pub fn example(&self, language: Language) -> &str {
        language.pick(&self.example_vi, &self.example_en)
    }
}

/// Every page, in the catalogue's order. The file is checked by the tests; a broken one stops the build's tests,
/// not the server.
pub fn scam_library() -> &'static [ScamPage] {
    static LIBRARY: LazyLock<Vec<ScamPage>> = LazyLock::new(|| match toml::from_str::<LibraryFile>(LIBRARY_TOML) {
        Ok(file) => file.scam,
        Err(error) => {
            tracing::error!(%error, "the scam library does not parse; its pages are empty");
            Vec::new()
        }
    });
    &LIBRARY
}

pub fn scam_page(code: &str) -> Option<&'static ScamPage> {
    scam_library().iter().find(|page| page.code.code() == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scam_type_has_a_whole_page_in_both_languages_in_catalogue_order() {
        let file: LibraryFile = toml::from_str(LIBRARY_TOML).expect("data/scam_library.toml parses");
        let codes: Vec<ScamType> = file.scam.iter().map(|page| page.code).collect();
        assert_eq!(codes, ScamType::ALL, "one page per scam type, in the catalogue's order");
        for page in &file.scam {
            for language in [Language::Vietnamese, Language::English] {
                let lists = [page.how(language), page.signs(language), page.what_to_do(language)];
                assert!(lists.iter().all(|list| !list.is_empty()), "{}: a list is empty", page.code.code());
                assert!(lists.iter().flat_map(|list| list.iter()).all(|line| !line.trim().is_empty()));
                assert!(!page.summary(language).trim().is_empty() && !page.example(language).trim().is_empty());
            }
        }
        assert_eq!(scam_library().len(), ScamType::ALL.len());
        assert!(scam_page("task_scam").is_some() && scam_page("nope").is_none());
    }
}
