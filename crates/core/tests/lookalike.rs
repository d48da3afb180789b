//! The look-alike detector against the compiled-in trust directory: the issue's examples, what must never be
//! flagged, the reasons' texts, and properties over generated input.

use canhgiac_core::lookalike::{LookalikeLevel, judge_domain, judge_domain_default};
use canhgiac_core::trust::trust_directory;
use proptest::prelude::*;

fn brand_of(host: &str) -> Option<String> {
    judge_domain_default(host).map(|finding| finding.brand)
}

#[test]
fn the_issues_examples_are_flagged_with_the_right_brand() {
    for (host, brand) in [
        ("vietcombank-xacthuc.com", "Vietcombank"),
        ("vcbdigibank-vn.top", "Vietcombank"),
        ("dichvucong-gov.vn.xyz", "Cổng Dịch vụ công quốc gia"),
        ("agrib-vn.com", "Agribank"),
        ("vietc\u{043E}mbank.com", "Vietcombank"),
    ] {
        assert_eq!(brand_of(host).as_deref(), Some(brand), "{host}");
    }
}

#[test]
fn official_and_ordinary_domains_are_not_flagged() {
    for host in [
        "vietcombank.com.vn",
        "portal.vietcombank.com.vn",
        "vcbdigibank.vietcombank.com.vn",
        "https://www.vietcombank.com.vn/vi-VN/Lien-he",
        "google.com",
        "wikipedia.org",
        "en.wikipedia.org",
        "momo.vn",
        "dichvucong.gov.vn",
        "dichvucong.hanoi.gov.vn",
        "congan.hanoi.gov.vn",
        "acb.com",
        "mb.com",
        "shb.de",
        "momondo.com",
        "vibe.com",
        "seabank.ph",
        "scb.co.th",
        "myviettel.go.link",
        "vnexpress.net",
    ] {
        assert_eq!(judge_domain_default(host), None, "{host}");
    }
}

#[test]
fn abbreviations_count_only_with_other_evidence() {
    assert_eq!(brand_of("acb-online.com").as_deref(), Some("ACB"));
    assert_eq!(brand_of("acb.top").as_deref(), Some("ACB"));
    assert_eq!(brand_of("mb-bank-vn.com").as_deref(), Some("MB"));
    assert_eq!(brand_of("vpb-hanmuc.online").as_deref(), Some("VPBank"));
    assert_eq!(brand_of("tinchapvcb-vn.com").as_deref(), Some("Vietcombank"));
    for host in ["acbs.com.vn", "dacbiet.vn", "shbet.com", "bithumb.icu", "lqmb-giftcode.com", "vib84.com"] {
        assert_eq!(brand_of(host), None, "{host}");
    }
}

#[test]
fn confusables_typos_and_embedded_domains() {
    let greek = judge_domain_default("vietcombαnk.com").unwrap();
    assert_eq!(greek.brand, "Vietcombank");
    assert_eq!(greek.level, LookalikeLevel::HighRisk);
    assert!(greek.reasons[0].en.contains("a Greek 'α' in place of 'a'"), "{}", greek.reasons[0].en);
    assert!(greek.reasons[0].vi.contains("chữ Hy Lạp 'α' thay cho 'a'"), "{}", greek.reasons[0].vi);

    let digit = judge_domain_default("vietc0mbank.net").unwrap();
    assert_eq!(digit.reasons[0].code, "confusable_characters");
    assert!(digit.reasons[0].en.contains("the digit '0' in place of 'o'"), "{}", digit.reasons[0].en);

    let rn = judge_domain_default("vietcornbank.com").unwrap();
    assert_eq!(rn.reasons[0].code, "confusable_characters");
    assert!(rn.reasons[0].en.contains("'vietcornbank' reads as 'vietcombank'"), "{}", rn.reasons[0].en);

    assert_eq!(brand_of("vietimbank.top").as_deref(), Some("VietinBank"), "the closer spelling wins");
    assert_eq!(brand_of("vietconbank.com").as_deref(), Some("Vietcombank"));
    assert_eq!(brand_of("tpbsnk.com").as_deref(), Some("TPBank"));

    let embedded = judge_domain_default("vietcombank.com.vn.xacthuc-tk.xyz").unwrap();
    assert_eq!(embedded.level, LookalikeLevel::HighRisk);
    assert_eq!(embedded.score, 100);
    let codes = embedded.codes();
    for code in ["brand_in_label", "brand_with_lure_word", "abused_tld", "brand_in_subdomain_of_other_domain"] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    assert!(codes.contains(&"official_domain_in_name"), "{codes:?}");

    let hosted = judge_domain_default("vietcombank-hotro.weebly.com").unwrap();
    assert!(hosted.codes().contains(&"free_hosting"));
    assert!(!hosted.codes().contains(&"brand_in_subdomain_of_other_domain"));
}

#[test]
fn longer_brand_names_win_over_the_names_inside_them() {
    assert_eq!(brand_of("shopeepay-hotro.com").as_deref(), Some("ShopeePay"));
    assert_eq!(brand_of("viettelpost-hotro.com").as_deref(), Some("Viettel Post"));
    assert_eq!(brand_of("viettelmoney-xacthuc.com").as_deref(), Some("Viettel Money"));
}

#[test]
fn findings_explain_themselves_in_both_languages() {
    let finding = judge_domain_default("hxxps://vietcombank-xacthuc[.]top/login").unwrap();
    assert_eq!(finding.host, "vietcombank-xacthuc.top");
    assert_eq!(finding.official_domain.as_deref(), Some("vietcombank.com.vn"));
    assert!(finding.score >= 80 && finding.level == LookalikeLevel::HighRisk);
    assert_eq!(finding.level.verdict_level().as_str(), "high_risk");
    let total: i32 = finding.reasons.iter().map(|r| i32::from(r.weight)).sum();
    assert_eq!(i32::from(finding.score), total.min(100));
    for reason in &finding.reasons {
        assert!(!reason.vi.is_empty() && !reason.en.is_empty() && reason.vi != reason.en, "{reason:?}");
    }
    assert!(finding.reasons[0].vi.starts_with("giống tên miền vietcombank.com.vn"));
    assert!(finding.reasons[0].en.starts_with("looks like vietcombank.com.vn"));
    let json = serde_json::to_value(&finding).unwrap();
    assert_eq!(json["level"], "high_risk");
    assert_eq!(json["reasons"][0]["code"], "brand_in_label");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics(input in "\\PC{0,60}") {
        let _ = judge_domain_default(&input);
    }

    #[test]
    fn never_panics_on_host_shapes(labels in prop::collection::vec("[a-z0-9\u{0430}-\u{044F}\u{03B1}-\u{03C9}àáạđê-]{1,20}", 1..4),
                                   tld in prop::sample::select(vec!["com", "vn", "com.vn", "top", "xyz", "weebly.com", "gov.vn"])) {
        let host = format!("{}.{tld}", labels.join("."));
        if let Some(finding) = judge_domain_default(&host) {
            prop_assert!(finding.score >= 50 && finding.score <= 100);
            prop_assert!(!finding.reasons.is_empty());
            prop_assert!(trust_directory().brand(&finding.brand).is_some());
        }
    }

    #[test]
    fn official_subdomains_are_never_flagged(sub in "[a-z][a-z0-9-]{0,15}[a-z0-9]",
                                             index in 0usize..1000) {
        let brands = trust_directory().protected_brands();
        let domains: Vec<&String> = brands.iter().flat_map(|b| &b.official_domains).collect();
        let domain = domains[index % domains.len()];
        let host = format!("{sub}.{domain}");
        prop_assert!(judge_domain(&host, brands).is_none(), "{} flagged", host);
    }
}
