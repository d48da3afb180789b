//! Property tests: canonicalisation is idempotent, parse(display(x)) == x, and no input makes any
//! parser, `detect` or `extract` panic.

use canhgiac_core::identifier::invariants::{check_detect, check_extract, check_parser};
use canhgiac_core::identifier::{BankAccount, PhoneNumber, banks};
use canhgiac_core::{IdentifierKind, extract};
use proptest::prelude::*;

/// Characters that parsers care about, so random strings reach deep into them.
const INTERESTING: &str = "[0-9a-zA-Z .:/@+()\\[\\]%?#=&_~,-]{0,48}";

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn no_parser_panics_on_any_string(input in any::<String>()) {
        for &kind in IdentifierKind::ALL {
            check_parser(kind, &input);
        }
        check_detect(&input);
        check_extract(&input);
    }

    #[test]
    fn links_cut_by_a_space_or_missing_a_colon_keep_the_invariants(
        input in "[a-z ]{0,6}(https?://|https?//|HTTPS://)[a-z0-9.-]{0,12}[-.]{1,2} [a-zA-Z0-9./?=& -]{0,16}",
    ) {
        check_detect(&input);
        check_extract(&input);
    }

    #[test]
    fn no_parser_panics_on_identifier_like_strings(input in INTERESTING) {
        for &kind in IdentifierKind::ALL {
            check_parser(kind, &input);
        }
        check_detect(&input);
        check_extract(&input);
    }

    #[test]
    fn mobile_numbers_in_any_written_form(
        prefix in prop::sample::select(vec!["90", "91", "93", "94", "96", "97", "98", "32", "39", "70", "79", "81", "86", "88", "89", "56", "59"]),
        rest in "[0-9]{7}",
        style in 0usize..6,
        separator in prop::sample::select(vec![" ", ".", "-", ""]),
    ) {
        let national = format!("{prefix}{rest}");
        let expected = format!("+84{national}");
        let written = match style {
            0 => format!("0{national}"),
            1 => format!("0{}{separator}{}{separator}{}", &national[..3], &national[3..6], &national[6..]),
            2 => format!("+84{separator}{national}"),
            3 => format!("84{national}"),
            4 => format!("0084 {}{separator}{}", &national[..3], &national[3..]),
            _ => format!("(0{}) {}", &national[..3], &national[3..]),
        };
        let phone = PhoneNumber::parse(&written).unwrap();
        prop_assert_eq!(phone.canonical(), expected.as_str());
        check_parser(IdentifierKind::Phone, &written);

        // The same number inside a sentence is found, with a span that covers what was written.
        let sentence = format!("Anh gọi lại số {written} giúp em nhé");
        let found = extract(&sentence);
        prop_assert_eq!(found.len(), 1, "{}", sentence);
        prop_assert_eq!(found[0].identifier.canonical(), expected);
        let chars: Vec<char> = sentence.chars().collect();
        let covered: String = chars[found[0].span.0..found[0].span.1].iter().collect();
        prop_assert_eq!(covered.trim_start_matches('('), written.trim_start_matches('('));
    }

    #[test]
    fn bank_accounts_round_trip(bank_index in 0usize..55, account in "[0-9]{6,16}") {
        let bank = &banks()[bank_index % banks().len()];
        let account = BankAccount::from_parts(bank.bin, &account).unwrap();
        check_parser(IdentifierKind::BankAccount, account.canonical());
        check_parser(IdentifierKind::BankAccount, &account.display());
    }

    #[test]
    fn links_and_domains_round_trip(
        labels in prop::collection::vec("[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", 1..4),
        suffix in prop::sample::select(vec!["com", "vn", "com.vn", "net", "top", "xyz", "gov.vn", "blogspot.com"]),
        path in "(/[a-zA-Z0-9._~%-]{0,12}){0,3}",
        query in proptest::option::of("[a-z0-9=&]{0,12}"),
    ) {
        let host = format!("{}.{suffix}", labels.join("."));
        check_parser(IdentifierKind::Domain, &host);
        let url = format!("https://{host}{path}{}", query.map(|q| format!("?{q}")).unwrap_or_default());
        check_parser(IdentifierKind::Url, &url);
        check_parser(IdentifierKind::Url, &url.replace("https://", "hxxps://").replace('.', "[.]"));
        check_extract(&format!("Truy cập {url} để xác minh"));
    }
}
