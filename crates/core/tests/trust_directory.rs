//! The trust directory seed: every row parses with the core parsers, every source is an https URL, and the
//! brands it protects are sound (keys well formed, official domains never judged look-alikes).

use canhgiac_core::identifier::Identifier;
use canhgiac_core::lookalike::judge_domain;
use canhgiac_core::trust::{ContactKind, TrustDirectory, TrustedOrganisationKind, trust_directory};
use std::collections::BTreeSet;

const SEED: &str = include_str!("../data/trust_directory.tsv");

#[test]
fn every_row_parses_and_has_an_https_source() {
    let rows = SEED.lines().filter(|line| !line.trim().is_empty() && !line.starts_with('#')).count() - 1;
    let directory = trust_directory();
    assert_eq!(directory.contacts().len(), rows, "every data row is a contact");
    for contact in directory.contacts() {
        assert!(contact.source.starts_with("https://"), "{}: source {}", contact.canonical, contact.source);
        assert!(!contact.organisation.is_empty());
        assert_eq!(contact.identifier.canonical(), contact.canonical);
        let kind_matches = match (&contact.identifier, contact.contact_kind) {
            (Identifier::Domain(_), ContactKind::Domain) => true,
            (Identifier::Phone(phone), ContactKind::Phone) => !phone.canonical().starts_with("short:"),
            (Identifier::Phone(phone), ContactKind::ShortCode) => phone.canonical().starts_with("short:"),
            (Identifier::Social(_), ContactKind::Social) | (Identifier::Email(_), ContactKind::Email) => true,
            _ => false,
        };
        assert!(kind_matches, "{} is not a {:?}", contact.canonical, contact.contact_kind);
        assert_eq!(directory.official(&contact.canonical), Some(contact));
    }
    // The same text parses the same way through the public parser.
    assert_eq!(TrustDirectory::parse(SEED).unwrap().contacts(), directory.contacts());
}

#[test]
fn covers_what_the_issue_asks_for() {
    let directory = trust_directory();
    let organisations: BTreeSet<&str> = directory.contacts().iter().map(|c| c.organisation.as_str()).collect();
    for bank in [
        "Vietcombank",
        "VietinBank",
        "BIDV",
        "Agribank",
        "Techcombank",
        "MB",
        "ACB",
        "VPBank",
        "TPBank",
        "Sacombank",
        "HDBank",
        "VIB",
        "SHB",
        "SeABank",
        "OCB",
        "MSB",
        "LPBank",
        "Eximbank",
        "Nam A Bank",
    ] {
        assert!(organisations.contains(bank), "{bank} is missing");
    }
    for wallet in ["MoMo", "ZaloPay", "Viettel Money", "VNPAY", "ShopeePay"] {
        assert!(organisations.contains(wallet), "{wallet} is missing");
    }
    for domain in [
        "dichvucong.gov.vn",
        "vneid.gov.vn",
        "bocongan.gov.vn",
        "chinhphu.vn",
        "tinnhiemmang.vn",
        "canhbao.khonggianmang.vn",
        "vnpost.vn",
        "evn.com.vn",
        "gdt.gov.vn",
        "baohiemxahoi.gov.vn",
        "csgt.vn",
    ] {
        assert!(directory.official(domain).is_some(), "{domain} is missing");
    }
    for (number, organisation) in [
        ("+8418008098", "Viettel"),
        ("+8418001091", "VinaPhone"),
        ("+8418001090", "MobiFone"),
        ("short:5656", "Cục An toàn thông tin"),
        ("short:156", "Cục An toàn thông tin"),
        ("short:113", "Bộ Công an"),
    ] {
        let canonical = canhgiac_core::identifier::PhoneNumber::parse(number).unwrap().canonical().to_string();
        let contact = directory.official(&canonical).unwrap_or_else(|| panic!("{number} ({canonical}) is missing"));
        assert_eq!(contact.organisation, organisation);
    }
}

#[test]
fn brands_are_sound() {
    let directory = trust_directory();
    let brands = directory.protected_brands();
    let mut keys = BTreeSet::new();
    for brand in brands {
        for key in &brand.keys {
            assert!(key.key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "{}", key.key);
            assert!(keys.insert(key.key.clone()), "the key {} names two brands", key.key);
        }
        if matches!(brand.organisation_kind, TrustedOrganisationKind::Bank | TrustedOrganisationKind::Ewallet) {
            assert!(!brand.official_domains.is_empty(), "{} has no official domain", brand.name);
        }
    }
    for contact in directory.contacts() {
        if let Identifier::Domain(domain) = &contact.identifier {
            assert!(judge_domain(domain.canonical(), brands).is_none(), "{} is judged a look-alike", contact.canonical);
            let sub = format!("www.{}", domain.canonical());
            assert!(judge_domain(&sub, brands).is_none(), "{sub} is judged a look-alike");
            assert_eq!(directory.official_domain(&sub).map(|c| &c.organisation), Some(&contact.organisation));
        }
    }
}
