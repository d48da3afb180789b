//! Property tests for the web identifiers (URL, domain, e-mail, IP): no input makes a parser panic,
//! and whatever a parser accepts parses back to itself from its canonical and display forms.

use canhgiac_core::IdentifierKind;
use canhgiac_core::identifier::invariants::check_parser;
use canhgiac_core::identifier::{Domain, Email, IpAddress, Url};
use proptest::prelude::*;

/// Strings made of the pieces that matter to these parsers, so that generated input reaches deep
/// into them instead of failing on the first character.
fn web_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("http://".to_string()),
        Just("https://".to_string()),
        Just("hxxp://".to_string()),
        Just("h**ps[://]".to_string()),
        Just("www.".to_string()),
        Just(".com".to_string()),
        Just(".vn".to_string()),
        Just(".com.vn".to_string()),
        Just(".blogspot.com".to_string()),
        Just("[.]".to_string()),
        Just("(dot)".to_string()),
        Just("[at]".to_string()),
        Just("[/]".to_string()),
        Just("[:]".to_string()),
        Just("mailto:".to_string()),
        Just("xn--".to_string()),
        Just("0x".to_string()),
        "%[0-9A-Fa-f%]{0,2}",
        "[a-zA-Z0-9]{1,6}",
        "[0-9]{1,10}",
        "[./:@?#\\[\\]\\\\%_~ -]",
        "[\\t\\r\\n\\x00-\\x1f\\x7f]",
        "[\u{80}-\u{9f}\u{a0}-\u{ff}]",
        "[éôưđ\u{43e}\u{3002}\u{ff0e}\u{200b}\u{feff}①ß]",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

fn check_url(input: &str) {
    if let Ok(url) = Url::parse(input) {
        let again = Url::parse(url.canonical())
            .unwrap_or_else(|e| panic!("canonical of {input:?} ({}) refused: {}", url.canonical(), e.message));
        assert_eq!(again.canonical(), url.canonical(), "input {input:?}");
        assert_eq!(again.registrable_domain(), url.registrable_domain(), "input {input:?}");
        assert_eq!(again.is_ip_host(), url.is_ip_host(), "input {input:?}");
        assert_eq!(Url::parse(&url.display()).unwrap(), url);
        assert!(url.canonical().is_ascii());
        assert!(url.path().starts_with('/'));
        assert_eq!(format!("{}://{}{}", url.scheme(), url.host(), url.path_and_query()), url.canonical());
    }
}

fn check_domain(input: &str) {
    if let Ok(domain) = Domain::parse(input) {
        let again = Domain::parse(domain.canonical())
            .unwrap_or_else(|e| panic!("canonical of {input:?} ({}) refused: {}", domain.canonical(), e.message));
        assert_eq!(again, domain, "input {input:?}");
        assert_eq!(Domain::parse(&domain.display()).unwrap(), domain);
        assert!(domain.canonical().len() <= 253);
        assert!(domain.canonical().ends_with(domain.public_suffix()));
    }
}

fn check_email(input: &str) {
    if let Ok(email) = Email::parse(input) {
        let again = Email::parse(email.canonical())
            .unwrap_or_else(|e| panic!("canonical of {input:?} ({}) refused: {}", email.canonical(), e.message));
        assert_eq!(again, email, "input {input:?}");
        assert_eq!(Email::parse(&email.display()).unwrap(), email);
        assert!(email.canonical().len() <= 254);
    }
}

fn check_ip(input: &str) {
    if let Ok(ip) = IpAddress::parse(input) {
        let again = IpAddress::parse(ip.canonical())
            .unwrap_or_else(|e| panic!("canonical of {input:?} ({}) refused: {}", ip.canonical(), e.message));
        assert_eq!(again, ip, "input {input:?}");
        assert_eq!(IpAddress::parse(&ip.display()).unwrap(), ip);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn web_parsers_round_trip_on_web_like_text(input in web_text()) {
        check_url(&input);
        check_domain(&input);
        check_email(&input);
        check_ip(&input);
    }

    #[test]
    fn web_kinds_keep_the_shared_invariants(input in web_text()) {
        for kind in [IdentifierKind::Url, IdentifierKind::Domain, IdentifierKind::Email, IdentifierKind::Ip] {
            check_parser(kind, &input);
        }
    }

    #[test]
    fn web_parsers_round_trip_on_any_text(input in any::<String>()) {
        check_url(&input);
        check_domain(&input);
        check_email(&input);
        check_ip(&input);
    }

    #[test]
    fn url_accepts_what_domain_accepts(input in "[a-z0-9-]{1,12}(\\.[a-z0-9-]{1,12}){0,3}\\.(com|vn|com\\.vn|io|blogspot\\.com)") {
        if let Ok(domain) = Domain::parse(&input) {
            let url = Url::parse(&input).unwrap();
            prop_assert_eq!(url.host(), domain.canonical());
            prop_assert_eq!(url.registrable_domain(), domain.registrable_domain());
        }
    }

    #[test]
    fn dotted_quads_agree(a in 0u8.., b in 0u8.., c in 0u8.., d in 0u8..) {
        let text = format!("{a}.{b}.{c}.{d}");
        prop_assert_eq!(IpAddress::parse(&text).unwrap().canonical().to_string(), text.clone());
        prop_assert_eq!(Url::parse(&text).unwrap().host().to_string(), text.clone());
        let hex = format!("0x{:08x}", u32::from_be_bytes([a, b, c, d]));
        prop_assert_eq!(IpAddress::parse(&hex).unwrap().canonical().to_string(), text.clone());
        let integer = u32::from_be_bytes([a, b, c, d]);
        let url = Url::parse(&format!("http://{integer}/")).unwrap();
        prop_assert_eq!(url.host(), text.as_str());
    }
}

#[test]
fn public_api_examples() {
    let url = Url::parse("hxxps://vietcombank.com.vn@vcb-xacthuc[.]com:8443/dang-nhap#otp").unwrap();
    assert_eq!(url.canonical(), "https://vcb-xacthuc.com/dang-nhap");
    assert_eq!(url.registrable_domain(), Some("vcb-xacthuc.com"));
    assert!(url.had_userinfo());

    let domain = Domain::parse("x.y.blogspot.com").unwrap();
    assert_eq!(domain.registrable_domain(), Some("y.blogspot.com"));

    let email = Email::parse("mailto:HoTro[at]Vietcombank[.]com[.]vn").unwrap();
    assert_eq!(email.canonical(), "hotro@vietcombank.com.vn");

    let ip = IpAddress::parse("0xC37F000B").unwrap();
    assert_eq!(ip.canonical(), "195.127.0.11");
    assert!(IpAddress::parse("3279880203").is_err());
    assert_eq!(Url::parse("http://3279880203/").unwrap().host(), "195.127.0.11");
}
