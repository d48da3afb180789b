//! Property tests for crypto addresses, VietQR payloads, social accounts and e-wallets: no input
//! makes a parser panic, what a parser accepts round-trips through its canonical and display forms,
//! and `encode_napas` output parses back to what was encoded.

use canhgiac_core::identifier::invariants::check_parser;
use canhgiac_core::identifier::{CryptoAddress, Ewallet, EwalletProvider, SocialAccount, VietQr, encode_napas};
use canhgiac_core::{ErrorCode, IdentifierKind};
use proptest::prelude::*;

const MY_KINDS: [IdentifierKind; 4] =
    [IdentifierKind::Crypto, IdentifierKind::Vietqr, IdentifierKind::Social, IdentifierKind::Ewallet];

const VALID_ADDRESSES: &[&str] = &[
    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
    "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
];

const VALID_PAYLOADS: &[&str] = &[
    "00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304AE9F",
    "00020101021126280010A0000007750110010531314453037045408210900005802VN5910CELLPHONES62600312CPSHN ONLINE0517021908061613127850705ONLHN0810CellphoneS63047685",
    "00020101021002020103069084010411VNPayWallet071003933571580809Lê Anh Tú09051000010037041107content63042678",
];

fn all_kinds(input: &str) {
    for kind in MY_KINDS {
        check_parser(kind, input);
    }
}

/// Replaces the character at `index` (modulo the length) with `replacement`.
fn mutate(text: &str, index: usize, replacement: char) -> String {
    let count = text.chars().count().max(1);
    let index = index % count;
    text.chars().enumerate().map(|(i, c)| if i == index { replacement } else { c }).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_any_string(input in any::<String>()) {
        all_kinds(&input);
    }

    #[test]
    fn never_panics_on_link_like_strings(input in "[0-9a-zA-Z .:/@+()%?#=&_~,-]{0,64}") {
        all_kinds(&input);
    }

    #[test]
    fn never_panics_on_tlv_like_strings(input in "(0002010102(11|12))?[0-9A-F]{0,80}(6304[0-9A-Fa-f]{0,4})?") {
        all_kinds(&input);
    }

    #[test]
    fn one_changed_character_in_an_address_is_caught_or_harmless(
        address in prop::sample::select(VALID_ADDRESSES),
        index in any::<usize>(),
        replacement in prop::sample::select("0123456789abcdefABCDEFpqxyzTé".chars().collect::<Vec<_>>()),
    ) {
        let mutated = mutate(address, index, replacement);
        check_parser(IdentifierKind::Crypto, &mutated);
        // Base58check (32-bit checksum) and bech32 (detects any single substitution) catch every
        // changed character in practice; EIP-55 catches most (about 15 check bits), so a changed
        // Ethereum address may be another valid one and is only held to the round-trip checks.
        let is_ethereum = address.starts_with("0x");
        if let Some(parsed) = CryptoAddress::parse(&mutated).ok().filter(|_| !is_ethereum) {
            prop_assert!(
                parsed.canonical() == CryptoAddress::parse(address).unwrap().canonical(),
                "{mutated} parsed as {}", parsed.canonical()
            );
        }
    }

    #[test]
    fn one_changed_character_in_a_payload_is_caught(
        payload in prop::sample::select(VALID_PAYLOADS),
        index in any::<usize>(),
        replacement in prop::sample::select("0123456789ABCZaz é".chars().collect::<Vec<_>>()),
    ) {
        let mutated = mutate(payload, index, replacement);
        check_parser(IdentifierKind::Vietqr, &mutated);
        // CRC-16 detects every error burst of up to 16 bits, so any one ASCII byte changed into
        // another is caught; a change of byte length (é for e) is caught with odds 1 - 2^-16 only.
        let original = payload.chars().nth(index % payload.chars().count()).unwrap_or(' ');
        let same_byte_length = original.is_ascii() && replacement.is_ascii();
        if mutated.trim() != payload && same_byte_length {
            match VietQr::parse(&mutated) {
                // Changing the CRC's case, or a change the parser cleans away, keeps the payload valid.
                Ok(qr) => prop_assert!(qr.payload().eq_ignore_ascii_case(payload), "{mutated}"),
                Err(error) => prop_assert!(
                    matches!(error.code, ErrorCode::VietqrCrcMismatch | ErrorCode::InvalidVietqr),
                    "{mutated}: {error:?}"
                ),
            }
        }
    }

    #[test]
    fn encoded_napas_payloads_parse_back(
        bin in "9[0-9]{5}",
        account in "[0-9]{1,3}[0-9A-Z]{3,29}",
        amount in prop::option::of(any::<u64>()),
        message in prop::option::of(".{0,120}"),
    ) {
        let payload = encode_napas(&bin, &account, amount, message.as_deref());
        let qr = VietQr::parse(&payload).unwrap_or_else(|e| panic!("{payload}: {e:?}"));
        prop_assert_eq!(qr.canonical(), format!("bank:{bin}:{account}"));
        prop_assert_eq!(qr.amount(), amount);
        prop_assert_eq!(qr.is_dynamic(), amount.is_some());
        prop_assert_eq!(qr.payload(), payload.as_str());
        // The message comes back as written when it fits and has nothing the parser cleans away.
        if let Some(message) = &message {
            let plain = message.chars().count() <= 95
                && message.trim() == message
                && !message.chars().any(|c| canhgiac_core::text::is_invisible(c) || canhgiac_core::text::fold_width(c) != c);
            if plain {
                prop_assert_eq!(qr.message(), Some(message.as_str()).filter(|m| !m.is_empty()));
            }
        }
        check_parser(IdentifierKind::Vietqr, &payload);
    }

    #[test]
    fn social_links_round_trip(
        host in prop::sample::select(vec![
            "facebook.com", "www.facebook.com", "m.facebook.com", "fb.com", "zalo.me", "t.me", "telegram.me",
            "tiktok.com", "instagram.com", "youtube.com", "x.com", "twitter.com", "m.me",
        ]),
        scheme in prop::sample::select(vec!["", "https://", "http://"]),
        first in "[@+]?[a-zA-Z0-9._-]{1,20}",
        rest in "(/[a-zA-Z0-9._-]{0,10}){0,2}",
        query in "(\\?[a-z]{1,3}=[a-zA-Z0-9]{0,20})?",
    ) {
        let link = format!("{scheme}{host}/{first}{rest}{query}");
        check_parser(IdentifierKind::Social, &link);
        if let Ok(account) = SocialAccount::parse(&link) {
            prop_assert!(account.canonical().starts_with(account.platform().as_str()));
            prop_assert!(account.display().starts_with("https://"));
        }
    }

    #[test]
    fn ewallets_in_any_written_form(
        provider in prop::sample::select(EwalletProvider::ALL.to_vec()),
        prefix in prop::sample::select(vec!["90", "91", "93", "94", "96", "97", "98", "32", "39", "70", "79", "81", "86", "88", "89"]),
        rest in "[0-9]{7}",
        style in 0usize..5,
        separator in prop::sample::select(vec![" ", ".", "-", ""]),
    ) {
        let national = format!("{prefix}{rest}");
        let phone = match style {
            0 => format!("0{national}"),
            1 => format!("0{}{separator}{}{separator}{}", &national[..3], &national[3..6], &national[6..]),
            2 => format!("+84{national}"),
            3 => format!("84{national}"),
            _ => format!("0{}{separator}{}", &national[..3], &national[3..]),
        };
        let name = provider.display_name();
        let expected = format!("{}:+84{national}", provider.as_str());
        for written in [format!("{name} {phone}"), format!("{phone} {name}"), format!("Ví {name} - {phone}"), format!("{}: {phone}", provider.as_str())] {
            let wallet = Ewallet::parse(&written).unwrap_or_else(|e| panic!("{written}: {e:?}"));
            prop_assert_eq!(wallet.canonical(), expected.as_str());
            check_parser(IdentifierKind::Ewallet, &written);
        }
    }
}

/// Very long input is refused with an error (the project measures speed in benches, never with
/// timed assertions; the fuzz targets and bench/ cover how long refusals take).
#[test]
fn long_inputs_are_refused() {
    let samples = [
        "1".repeat(200_000),
        "bc1".to_string() + &"q".repeat(200_000),
        "0x".to_string() + &"a".repeat(200_000),
        "0002010102".repeat(20_000),
        "00020101021138".to_string() + &"9".repeat(200_000),
        "https://facebook.com/".to_string() + &"a/".repeat(100_000),
        "t.me/".to_string() + &"%2B".repeat(60_000),
        "momo ".repeat(40_000),
        "momo: ".to_string() + &"0".repeat(200_000),
        "é".repeat(200_000),
    ];
    for sample in &samples {
        let head: String = sample.chars().take(20).collect();
        assert!(CryptoAddress::parse(sample).is_err(), "{head}…");
        assert!(VietQr::parse(sample).is_err(), "{head}…");
        assert!(SocialAccount::parse(sample).is_err(), "{head}…");
        assert!(Ewallet::parse(sample).is_err(), "{head}…");
        for &kind in &MY_KINDS {
            assert!(kind.parse(sample).is_err(), "{kind} {head}…");
        }
    }
}
