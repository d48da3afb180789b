//! VietQR parsing against the 18 EMVCo sample payloads of vietnam-qr-pay 1.5.1 (MIT), shipped in
//! the shared data folder next to the repository.

use canhgiac_core::ErrorCode;
use canhgiac_core::identifier::{Identifier, IdentifierKind, VietQr, encode_napas};
use serde_json::Value;

const SAMPLES: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/vn_banks_vietqr/vietqr_emvco_sample_payloads.json");

/// The dataset's string field, with `null` and `""` both meaning absent.
fn field<'a>(sample: &'a Value, name: &str) -> Option<&'a str> {
    sample[name].as_str().filter(|s| !s.is_empty())
}

#[test]
fn sample_payloads_match_the_dataset() {
    let Ok(json) = std::fs::read_to_string(SAMPLES) else {
        eprintln!("SKIPPED: VietQR sample payloads not found at {SAMPLES}");
        return;
    };
    let samples: Vec<Value> = serde_json::from_str(&json).expect("the sample file is JSON");
    assert_eq!(samples.len(), 18, "the dataset has 18 payloads");
    let mut parsed_count = 0;
    let mut crc_mismatch_count = 0;
    for sample in &samples {
        let payload = field(sample, "payload").expect("every sample has a payload");
        let crc_valid = sample["crc_valid"].as_bool().expect("crc_valid is a boolean");
        let result = VietQr::parse(payload);
        if !crc_valid {
            let error = result.expect_err(payload);
            assert_eq!(error.code, ErrorCode::VietqrCrcMismatch, "{payload}: {error:?}");
            crc_mismatch_count += 1;
            continue;
        }
        let qr = result.unwrap_or_else(|e| panic!("{payload}: {e:?}"));
        parsed_count += 1;
        assert_eq!(qr.bank_bin(), field(sample, "bank_bin"), "bank_bin of {payload}");
        assert_eq!(
            qr.account().map(|a| a.account_number()),
            field(sample, "account_or_merchant"),
            "account of {payload}"
        );
        let amount = field(sample, "amount").map(|a| a.parse::<u64>().expect("dataset amounts are integers"));
        assert_eq!(qr.amount(), amount, "amount of {payload}");
        assert_eq!(qr.point_of_initiation(), field(sample, "point_of_initiation"), "{payload}");
        assert_eq!(qr.is_dynamic(), field(sample, "point_of_initiation") == Some("12"));
        assert_eq!(qr.merchant_name(), field(sample, "merchant_name"), "merchant name of {payload}");
        match (field(sample, "provider_guid"), qr.account()) {
            (Some("A000000727"), Some(account)) => {
                assert_eq!(qr.canonical(), account.canonical());
                assert!(qr.canonical().starts_with("bank:"));
            }
            (Some(guid), None) => {
                assert_eq!(qr.guid(), Some(guid));
                assert!(qr.canonical().starts_with("vietqr:"), "{}", qr.canonical());
            }
            (None, None) => assert_eq!(qr.canonical(), format!("vietqr:{payload}")),
            (guid, account) => panic!("{payload}: guid {guid:?} but account {account:?}"),
        }

        // The round trips the identifier contract promises, through the generic entry point too.
        assert_eq!(VietQr::parse(qr.canonical()).unwrap(), qr, "parse(canonical) of {payload}");
        assert_eq!(VietQr::parse(&qr.display()).unwrap(), qr, "parse(display) of {payload}");
        let identifier = IdentifierKind::Vietqr.parse(payload).unwrap();
        assert_eq!(identifier, Identifier::Vietqr(Box::new(qr.clone())));
        let json = identifier.to_json();
        assert_eq!(json["kind"], "vietqr");
        assert_eq!(json["payload"], payload.trim());
        assert_eq!(json["currency"].as_str(), field(sample, "currency").map(|c| if c == "704" { "VND" } else { c }));
    }
    assert_eq!((parsed_count, crc_mismatch_count), (16, 2));
}

#[test]
fn encoded_payloads_parse_back() {
    for (bin, account, amount, message) in [
        ("970436", "0011004123456", None, None),
        ("970415", "108002345678", Some(1), Some("CK")),
        ("970422", "0352350917", Some(2_000_000_000), Some("Thanh toán đơn hàng #123")),
        ("971025", "PSP123456789000000", Some(0), Some("")),
    ] {
        let payload = encode_napas(bin, account, amount, message);
        let qr = VietQr::parse(&payload).unwrap_or_else(|e| panic!("{payload}: {e:?}"));
        assert_eq!(qr.canonical(), format!("bank:{bin}:{account}"));
        assert_eq!(qr.amount(), amount);
        assert_eq!(qr.message(), message.filter(|m| !m.is_empty()));
        assert_eq!(qr.is_dynamic(), amount.is_some());
    }
}
