//! The reference data a report carries beside its contacts: scam types, provinces (the 34 since 1 July 2025 and
//! the former names people still write) and the 5656 spam-report SMS.

use canhgiac_core::place::{former_provinces, normalise_commune};
use canhgiac_core::text::fold_accents_lower;
use canhgiac_core::{
    ErrorCode, ProvinceKind, ReportedSender, ScamType, SmsReportKind, parse_5656, province_by_code, provinces,
    resolve_province,
};

// ---- scam types ----

#[test]
fn scam_types_round_trip_through_every_form() {
    assert_eq!(ScamType::ALL.len(), 20);
    for &scam_type in ScamType::ALL {
        let code = scam_type.code();
        assert_eq!(ScamType::parse(code).unwrap(), scam_type);
        assert_eq!(code.parse::<ScamType>().unwrap(), scam_type);
        assert_eq!(ScamType::parse(&scam_type.to_string()).unwrap(), scam_type);
        assert_eq!(ScamType::parse(&code.to_uppercase().replace('_', "-")).unwrap(), scam_type, "{code}");
        assert_eq!(ScamType::parse(&code.replace('_', " ")).unwrap(), scam_type, "{code}");
        assert_eq!(ScamType::parse(scam_type.name_vi()).unwrap(), scam_type, "{}", scam_type.name_vi());
        assert_eq!(ScamType::parse(&fold_accents_lower(scam_type.name_vi())).unwrap(), scam_type);
        assert_eq!(ScamType::parse(scam_type.name_en()).unwrap(), scam_type, "{}", scam_type.name_en());
        let json = serde_json::to_string(&scam_type).unwrap();
        assert_eq!(json, format!("\"{code}\""));
        assert_eq!(serde_json::from_str::<ScamType>(&json).unwrap(), scam_type);
    }
}

#[test]
fn scam_type_codes_match_the_design_brief() {
    let codes: Vec<&str> = ScamType::ALL.iter().map(|t| t.code()).collect();
    assert_eq!(
        codes,
        [
            "impersonation_authority",
            "impersonation_military",
            "impersonation_bank",
            "impersonation_utility",
            "traffic_fine",
            "task_scam",
            "job_scam",
            "online_loan",
            "black_credit",
            "account_takeover",
            "romance_gift",
            "investment",
            "gambling",
            "prize",
            "delivery",
            "travel_ticket",
            "medical_emergency",
            "refund_recovery",
            "fake_app_website",
            "other",
        ]
    );
    assert_eq!(ScamType::parse("gia danh cong an").unwrap(), ScamType::ImpersonationAuthority);
    assert_eq!(ScamType::parse("Tín dụng đen").unwrap(), ScamType::BlackCredit);
}

#[test]
fn unknown_scam_types_are_refused() {
    for input in ["scam", "impersonation", "impersonation__", "lừa đảo", "12", "impersonation_authorityx"] {
        let error = ScamType::parse(input).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidScamType, "{input}");
        assert_eq!(error.field.as_deref(), Some("scam_type"));
        assert!(error.message.contains("traffic_fine"), "{}", error.message);
    }
    assert!(serde_json::from_str::<ScamType>("\"Traffic_Fine\"").is_err());
}

// ---- provinces ----

#[test]
fn thirty_four_provinces_six_cities() {
    assert_eq!(provinces().len(), 34);
    let cities: Vec<&str> = provinces().iter().filter(|p| p.kind == ProvinceKind::City).map(|p| p.code).collect();
    assert_eq!(cities, ["ha_noi", "hue", "hai_phong", "da_nang", "ho_chi_minh", "can_tho"]);
    let mut codes: Vec<&str> = provinces().iter().map(|p| p.code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), 34);
    for code in codes {
        assert!(code.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{code}");
    }
}

#[test]
fn every_province_resolves_by_name_folded_name_english_name_and_code() {
    for province in provinces() {
        let folded = fold_accents_lower(province.name_vi);
        let upper = province.name_vi.to_uppercase();
        let prefixed = match province.kind {
            ProvinceKind::City => format!("Thành phố {}", province.name_vi),
            ProvinceKind::Province => format!("Tỉnh {}", province.name_vi),
        };
        for input in
            [province.name_vi, folded.as_str(), upper.as_str(), province.name_en, province.code, prefixed.as_str()]
        {
            let found = resolve_province(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(found.province, province, "{input}");
            assert_eq!(found.old_name, None, "{input}");
        }
        assert_eq!(province_by_code(province.code), Some(province));
    }
}

#[test]
fn every_former_province_maps_to_its_new_province() {
    let expected = [
        ("Hà Giang", "tuyen_quang"),
        ("Yên Bái", "lao_cai"),
        ("Bắc Kạn", "thai_nguyen"),
        ("Vĩnh Phúc", "phu_tho"),
        ("Hòa Bình", "phu_tho"),
        ("Bắc Giang", "bac_ninh"),
        ("Thái Bình", "hung_yen"),
        ("Hải Dương", "hai_phong"),
        ("Hà Nam", "ninh_binh"),
        ("Nam Định", "ninh_binh"),
        ("Quảng Bình", "quang_tri"),
        ("Quảng Nam", "da_nang"),
        ("Kon Tum", "quang_ngai"),
        ("Bình Định", "gia_lai"),
        ("Ninh Thuận", "khanh_hoa"),
        ("Đắk Nông", "lam_dong"),
        ("Bình Thuận", "lam_dong"),
        ("Phú Yên", "dak_lak"),
        ("Bình Dương", "ho_chi_minh"),
        ("Bà Rịa – Vũng Tàu", "ho_chi_minh"),
        ("Bình Phước", "dong_nai"),
        ("Long An", "tay_ninh"),
        ("Sóc Trăng", "can_tho"),
        ("Hậu Giang", "can_tho"),
        ("Bến Tre", "vinh_long"),
        ("Trà Vinh", "vinh_long"),
        ("Tiền Giang", "dong_thap"),
        ("Bạc Liêu", "ca_mau"),
        ("Kiên Giang", "an_giang"),
        ("Thừa Thiên Huế", "hue"),
    ];
    assert_eq!(former_provinces().len(), expected.len());
    // 34 in force + 29 merged away = the 63 provinces before 1 July 2025.
    assert_eq!(provinces().len() + expected.len() - 1, 63);
    for (old_name, new_code) in expected {
        let folded = fold_accents_lower(old_name);
        let prefixed = format!("tỉnh {old_name}");
        let former = former_provinces().iter().find(|f| f.name_vi == old_name).expect(old_name);
        for input in [old_name, folded.as_str(), prefixed.as_str(), former.code, former.name_en] {
            let found = resolve_province(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(found.province.code, new_code, "{input}");
            assert_eq!(found.old_name, Some(old_name), "{input}");
        }
        assert_eq!(former.merged_into, new_code);
        // Former codes are not codes of provinces in force.
        assert_eq!(province_by_code(former.code), None);
    }
}

#[test]
fn aliases_and_spellings() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("TP HCM", "ho_chi_minh", None),
        ("tp.hcm", "ho_chi_minh", None),
        ("TPHCM", "ho_chi_minh", None),
        ("HCM", "ho_chi_minh", None),
        ("HCMC", "ho_chi_minh", None),
        ("Sài Gòn", "ho_chi_minh", None),
        ("Saigon", "ho_chi_minh", None),
        ("Hồ Chí Minh", "ho_chi_minh", None),
        ("Ho Chi Minh City", "ho_chi_minh", None),
        ("  thành   phố  hồ chí minh ", "ho_chi_minh", None),
        ("HN", "ha_noi", None),
        ("Hanoi", "ha_noi", None),
        ("ha-noi", "ha_noi", None),
        ("TP. Hà Nội", "ha_noi", None),
        ("Thủ đô Hà Nội", "ha_noi", None),
        ("Ha Noi City", "ha_noi", None),
        ("Huế", "hue", None),
        ("thanh pho hue", "hue", None),
        ("Thừa Thiên - Huế", "hue", Some("Thừa Thiên Huế")),
        ("TT Huế", "hue", Some("Thừa Thiên Huế")),
        ("Vũng Tàu", "ho_chi_minh", Some("Bà Rịa – Vũng Tàu")),
        ("Bà Rịa - Vũng Tàu", "ho_chi_minh", Some("Bà Rịa – Vũng Tàu")),
        ("BR-VT", "ho_chi_minh", Some("Bà Rịa – Vũng Tàu")),
        ("Đắc Lắc", "dak_lak", None),
        ("Dak Lak", "dak_lak", None),
        ("Daklak", "dak_lak", None),
        ("ĐẮK LẮK", "dak_lak", None),
        ("Đắc Nông", "lam_dong", Some("Đắk Nông")),
        ("Thanh Hoá", "thanh_hoa", None),
        ("Hoà Bình", "phu_tho", Some("Hòa Bình")),
        ("Bắc Cạn", "thai_nguyen", Some("Bắc Kạn")),
        ("Kontum", "quang_ngai", Some("Kon Tum")),
        ("Danang", "da_nang", None),
        ("Bình Dương (cũ)", "ho_chi_minh", Some("Bình Dương")),
        ("Quang Nam province", "da_nang", Some("Quảng Nam")),
        // Decomposed accents (as some keyboards send them).
        ("Ha\u{0300} No\u{0323}\u{0302}i", "ha_noi", None),
    ];
    for &(input, code, old_name) in cases {
        let found = resolve_province(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!((found.province.code, found.old_name), (code, old_name), "{input}");
    }
}

#[test]
fn unknown_provinces_are_refused_helpfully() {
    for input in ["Atlantis", "Hà Nộii Mới", "Thành phố", "tỉnh", "Bangkok", "xyz", "Phường Bến Thành"]
    {
        let error = resolve_province(input).unwrap_err();
        assert_eq!(error.code, ErrorCode::UnknownProvince, "{input}");
        assert_eq!(error.field.as_deref(), Some("province"));
        assert!(error.message.contains("34 provinces"), "{}", error.message);
    }
    assert!(resolve_province("Da Nagn").unwrap_err().message.contains("did you mean `Đà Nẵng`"));
    assert_eq!(resolve_province("   ").unwrap_err().code, ErrorCode::EmptyInput);
    assert_eq!(resolve_province(&"Hà Nội ".repeat(100)).unwrap_err().code, ErrorCode::InputTooLong);
}

#[test]
fn province_json() {
    let found = resolve_province("Binh Duong").unwrap();
    assert_eq!(
        serde_json::to_value(found).unwrap(),
        serde_json::json!({
            "province": {"code": "ho_chi_minh", "name_vi": "Thành phố Hồ Chí Minh", "name_en": "Ho Chi Minh City", "kind": "city"},
            "old_name": "Bình Dương",
        })
    );
}

#[test]
fn communes_stay_free_text() {
    assert_eq!(normalise_commune(" Phường  Sài Gòn ").unwrap().as_deref(), Some("Phường Sài Gòn"));
    assert_eq!(normalise_commune("\t\n").unwrap(), None);
    assert_eq!(normalise_commune(&"a".repeat(121)).unwrap_err().field.as_deref(), Some("commune"));
    assert!(normalise_commune("Xã\u{0000}A").is_err());
}

// ---- 5656 ----

#[test]
fn spam_sms_reports_in_many_spellings() {
    let cases: &[(&str, &str, &str)] = &[
        ("S 0912345678 Ban da trung thuong", "+84912345678", "Ban da trung thuong"),
        ("s 0912 345 678 Ban da trung thuong 50 trieu", "+84912345678", "Ban da trung thuong 50 trieu"),
        ("S  0912.345.678   Ban da trung thuong", "+84912345678", "Ban da trung thuong"),
        ("S\t+84 912 345 678\tNhan qua tai http://abc.xyz", "+84912345678", "Nhan qua tai http://abc.xyz"),
        ("\n S +84912345678\nDong 1\nDong 2 \n", "+84912345678", "Dong 1\nDong 2"),
        ("S0912345678 ngan gon", "+84912345678", "ngan gon"),
        ("Ｓ ０９１２３４５６７８ full width", "+84912345678", "full width"),
        ("S 84912345678 khong co dau cong", "+84912345678", "khong co dau cong"),
        ("S 01689123456 so cu 11 so", "+84389123456", "so cu 11 so"),
        ("S 9029 Chuc mung quy khach", "short:9029", "Chuc mung quy khach"),
        ("S 1900 545 413 goi ngay", "+841900545413", "goi ngay"),
        ("S VCB-BANK Tai khoan cua ban bi khoa", "VCB-BANK", "Tai khoan cua ban bi khoa"),
        ("s vcb-bank tai khoan cua ban bi khoa", "VCB-BANK", "tai khoan cua ban bi khoa"),
        ("S EVN.HCM Thong bao cat dien", "EVN.HCM", "Thong bao cat dien"),
        ("S BO_CONG_AN Moi len lam viec", "BO_CONG_AN", "Moi len lam viec"),
        ("S Viettel: Chuc mung", "VIETTEL", "Chuc mung"),
    ];
    for &(text, sender, content) in cases {
        let report = parse_5656(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(report.kind, SmsReportKind::Sms, "{text:?}");
        assert_eq!(report.reported.canonical(), sender, "{text:?}");
        assert_eq!(report.content, content, "{text:?}");
    }
    let report = parse_5656("S VCB-BANK Tai khoan").unwrap();
    assert_eq!(report.reported, ReportedSender::Brandname("VCB-BANK".into()));
    assert!(parse_5656("S 0912345678 x").unwrap().reported.as_phone().is_some());
}

#[test]
fn spam_call_reports_in_many_spellings() {
    let cases: &[(&str, &str, &str)] = &[
        ("V +84912345678", "+84912345678", ""),
        ("v 0912345678", "+84912345678", ""),
        ("V 0912 345 678 gia danh cong an", "+84912345678", "gia danh cong an"),
        ("V\t0912-345-678\t\tgoi luc 9h", "+84912345678", "goi luc 9h"),
        ("V0912345678", "+84912345678", ""),
        ("  V   024 3825 4321  ", "+842438254321", ""),
        ("V +1 415 555 2671 cuoc goi quoc te", "+14155552671", "cuoc goi quoc te"),
        ("V 0912345678 5 cuoc trong ngay", "+84912345678", "5 cuoc trong ngay"),
        ("V tel:0912345678", "+84912345678", ""),
    ];
    for &(text, caller, content) in cases {
        let report = parse_5656(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(report.kind, SmsReportKind::Call, "{text:?}");
        assert_eq!(report.reported.canonical(), caller, "{text:?}");
        assert_eq!(report.content, content, "{text:?}");
    }
}

#[test]
fn bad_reports_are_refused_with_the_format() {
    for text in [
        "X 0912345678 abc",
        "SPAM 0912345678 abc",
        "Sms 0912345678 abc",
        "0912345678 abc",
        "S",
        "  v  ",
        "S 0912345678",
        "S 0912 345 678   ",
        "V abc123!!",
        "V VCB-BANK goi lua dao",
        "V 0912 345 67",
        "S 0912 345 67 noi dung",
        "S 0612345678 noi dung",
        "S VCB-BANK-SUPPORT Tai khoan",
        "S Ngân_hàng noi dung",
        "S !!! noi dung",
    ] {
        let error = parse_5656(text).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidSmsReport, "{text:?}: {}", error.message);
        assert_eq!(error.field.as_deref(), Some("text"), "{text:?}");
        assert!(!error.message.is_empty());
    }
    assert!(parse_5656("X 0912345678 abc").unwrap_err().message.contains("expected 'S <sender> <content>'"));
    assert!(parse_5656("S 0912345678").unwrap_err().message.contains("needs the message"));
    // The phone parser's reason reaches the reporter.
    let message = parse_5656("V abc123!!").unwrap_err().message;
    assert!(message.contains("not a valid phone number: unexpected character `a`"), "{message}");
    let message = parse_5656("V 0912 345 67").unwrap_err().message;
    assert!(message.contains("too few digits"), "{message}");
    assert_eq!(parse_5656("").unwrap_err().code, ErrorCode::EmptyInput);
    assert_eq!(parse_5656(&format!("S 0912345678 {}", "a".repeat(5000))).unwrap_err().code, ErrorCode::InputTooLong);
}

// ---- totality ----

mod totality {
    use super::*;
    use proptest::prelude::*;

    /// Strings made of the pieces these parsers care about, so that generated input reaches deep into them.
    fn report_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("S".to_string()),
            Just("v".to_string()),
            Just(" ".to_string()),
            Just("\t".to_string()),
            Just("\n".to_string()),
            Just("+84".to_string()),
            Just("0912".to_string()),
            Just("345".to_string()),
            Just(".".to_string()),
            Just("-".to_string()),
            Just(":".to_string()),
            Just("VCB-BANK".to_string()),
            Just("tỉnh".to_string()),
            Just("Thành phố".to_string()),
            Just("Hồ Chí Minh".to_string()),
            Just("\u{200B}".to_string()),
            Just("\u{0300}".to_string()),
            "[0-9]{1,4}",
            "\\PC{1,3}",
            any::<char>().prop_map(String::from),
        ];
        prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn parsers_never_panic_and_refuse_with_their_codes(text in report_text()) {
            match parse_5656(&text) {
                Ok(report) => {
                    prop_assert!(report.kind == SmsReportKind::Call || !report.content.is_empty());
                    prop_assert_eq!(report.content.trim(), report.content.as_str());
                    // Reporting the canonical sender again gives the same sender.
                    let again = parse_5656(&format!("{} {} {}", report.kind.keyword(), report.reported.canonical(), report.content)).unwrap();
                    prop_assert_eq!(again, report);
                }
                Err(error) => prop_assert!(matches!(error.code, ErrorCode::InvalidSmsReport | ErrorCode::EmptyInput | ErrorCode::InputTooLong), "{:?}", error),
            }
            match resolve_province(&text) {
                Ok(found) => prop_assert!(provinces().contains(found.province)),
                Err(error) => prop_assert!(matches!(error.code, ErrorCode::UnknownProvince | ErrorCode::EmptyInput | ErrorCode::InputTooLong), "{:?}", error),
            }
            if let Err(error) = ScamType::parse(&text) {
                prop_assert!(matches!(error.code, ErrorCode::InvalidScamType | ErrorCode::EmptyInput));
            }
            if let Ok(Some(commune)) = normalise_commune(&text) {
                prop_assert_eq!(normalise_commune(&commune).unwrap(), Some(commune.clone()));
            }
        }
    }
}
