//! The whole analysis with the shipped model: it loads, its advice file is complete, clear cases come out right,
//! and what it says stays inside the message.

use canhgiac_analyzer::analyze::{Analyzer, Channel, Message, MessageVerdict, advice_problems};

fn analyse(text: &str, sender: Option<&str>) -> canhgiac_analyzer::Analysis {
    Analyzer::shipped().analyze(&Message { text, sender, ..Message::default() }, None, 0).unwrap()
}

#[test]
fn the_shipped_model_and_advice_load() {
    let model = Analyzer::shipped().model();
    assert!(model.header.trained_on.contains("train-analyzer"), "{}", model.header.trained_on);
    assert!(model.header.suspicious_from < model.header.scam_from);
    assert_eq!(advice_problems(), Vec::<String>::new());
}

/// Messages the project wrote for this test (not in the corpus): (sender, text, expected verdict, a scam type).
const CASES: &[(Option<&str>, &str, MessageVerdict, Option<&str>)] = &[
    (
        Some("0987xxx123"),
        "Cong an TP thong bao: ban lien quan den vu an rua tien, yeu cau chuyen toan bo tien vao tai khoan tam giu \
         de xac minh, khong duoc noi voi ai, neu khong se bi bat giam.",
        MessageVerdict::Scam,
        Some("impersonation_authority"),
    ),
    (
        None,
        "Tuyen CTV lam viec tai nha, tha tim san pham tren Shopee, hoa hong 300k-500k/ngay. Nap 200k lam nhiem vu \
         dau tien, ket ban Zalo 0868xxx456 de nhan viec.",
        MessageVerdict::Scam,
        Some("task_scam"),
    ),
    (
        Some("Vietcombank"),
        "TK 1234xxx789 +2,500,000VND luc 09:12 23/11/2026. SD: 15,340,000VND. ND: NGUYEN VAN A chuyen tien",
        MessageVerdict::Safe,
        None,
    ),
    (
        Some("VIETTEL"),
        "[TB] Goi ST90 cua Quy khach se het han ngay 25/11. Soan GH ST90 gui 191 de gia han, chi tiet LH 198 (0d).",
        MessageVerdict::Safe,
        None,
    ),
    (Some("0903xxx222"), "Me oi toi nay con ve muon, me cu an com truoc nhe", MessageVerdict::Safe, None),
];

#[test]
fn clear_cases_come_out_right() {
    for &(sender, text, expected, scam_type) in CASES {
        let analysis = analyse(text, sender);
        let positive = analysis.verdict != MessageVerdict::Safe;
        assert_eq!(
            positive,
            expected != MessageVerdict::Safe,
            "{text}: {:?} {}",
            analysis.verdict,
            analysis.scam_probability
        );
        if let Some(code) = scam_type {
            assert!(
                analysis.scam_types.iter().any(|t| t.code == code),
                "{text}: {code} not among {:?}",
                analysis.scam_types.iter().map(|t| t.code).collect::<Vec<_>>()
            );
        }
        let chars = text.chars().count();
        for flag in &analysis.red_flags {
            assert!(flag.spans.iter().all(|&(start, end)| start < end && end <= chars), "{}", flag.code);
        }
        assert!(!analysis.advice.is_empty());
    }
}

#[test]
fn probabilities_are_probabilities_and_channels_parse() {
    let analysis = analyse("Chuc mung ban da trung thuong 1 chiec iPhone, truy cap bit.ly/nhanqua-vn de nhan", None);
    assert!((0.0..=1.0).contains(&analysis.scam_probability));
    assert!(analysis.red_flags.iter().any(|f| f.code == "shortened_link"), "{:?}", analysis.red_flags);
    for channel in Channel::ALL {
        assert_eq!(Channel::parse(channel.as_str()).unwrap(), *channel);
    }
    assert_eq!(Channel::parse("pigeon").unwrap_err().field.as_deref(), Some("channel"));
    // A blank optional field counts as absent, as everywhere in the API.
    for blank in [None, Some(""), Some("  ")] {
        assert_eq!(Channel::parse_optional(blank).unwrap(), Channel::Other);
    }
    assert_eq!(Channel::parse_optional(Some(" Zalo ")).unwrap(), Channel::Zalo);
    assert!(Channel::parse_optional(Some("pigeon")).is_err());
    // Nothing to read: spaces, control characters, zero-width ones.
    for text in [" ", "\u{0}", " \u{200b}\u{feff}\n\u{1b}"] {
        let empty = Analyzer::shipped().analyze(&Message { text, ..Message::default() }, None, 0).unwrap_err();
        assert_eq!(
            (empty.code, empty.field.as_deref()),
            (canhgiac_core::ErrorCode::EmptyInput, Some("text")),
            "{text:?}"
        );
    }
    assert!(Analyzer::shipped().analyze(&Message { text: "\u{200b}a", ..Message::default() }, None, 0).is_ok());
}

#[test]
fn a_bank_notice_headed_with_its_name_from_a_personal_number_is_a_copied_format() {
    use canhgiac_analyzer::analyze::{BRAND_HEADER_FROM_PERSON, combiner_signals};
    use canhgiac_analyzer::red_flags::red_flags_of_text;
    use canhgiac_core::identifier::extract;
    use canhgiac_core::trust::trust_directory;
    let signals = |text: &str, sender: &str| {
        let flags = red_flags_of_text(text, Some(sender));
        combiner_signals(text, &flags, &extract(text), trust_directory())
    };
    let notice = "(TPBank) Tu 01/12, TPBank dieu chinh phi dich vu SMS Banking. Chi tiet lien he tong dai 1900 6036.";
    assert!(signals(notice, "0912345678").contains(&BRAND_HEADER_FROM_PERSON));
    assert!(!signals(notice, "TPBank").contains(&BRAND_HEADER_FROM_PERSON));
    // The bank named further in, as an employee writing from her own phone would.
    let mentioned = "Chao chi, em la nhan vien TPBank. Tu 01/12 ngan hang dieu chinh phi dich vu SMS Banking a.";
    assert!(!signals(mentioned, "0912345678").contains(&BRAND_HEADER_FROM_PERSON));
    // And the weight it carries: the same notice is judged likelier a scam from a personal number.
    let from_the_bank = analyse(notice, Some("TPBank")).scam_probability;
    let from_a_person = analyse(notice, Some("0912345678")).scam_probability;
    assert!(from_a_person > from_the_bank + 0.3, "{from_a_person} vs {from_the_bank}");
}

/// A model whose wording score calls every message a scam: what the analysis shows decides the verdict.
fn analyzer_that_finds_every_wording_scam_like() -> Analyzer {
    use canhgiac_analyzer::model::{AnalyzerModel, Combiner, LinearModel};
    let shipped = Analyzer::shipped().model().clone();
    let mut scam = LinearModel::zeros(shipped.scam.bits, 1);
    scam.bias[0] = 20.0;
    let combiner = Combiner { bias: 0.0, text: 1.0, flags: vec![], senders: vec![], flag_counts: vec![] };
    Analyzer::new(AnalyzerModel::new(
        "test".into(),
        scam,
        shipped.types.clone(),
        shipped.scam_types.clone(),
        combiner,
        shipped.header.suspicious_from,
        shipped.header.scam_from,
    ))
}

#[test]
fn wording_alone_makes_a_message_suspicious_at_most() {
    let analyzer = analyzer_that_finds_every_wording_scam_like();
    let scam_from = analyzer.model().header.scam_from;
    let plain = Message { text: "Toi nay ca nha an lau o nha ba noi nhe", ..Message::default() };
    let analysis = analyzer.analyze(&plain, None, 0).unwrap();
    assert!(analysis.red_flags.is_empty(), "{:?}", analysis.red_flags);
    assert_eq!(analysis.verdict, MessageVerdict::Suspicious);
    assert!(analysis.scam_probability < scam_from, "{}", analysis.scam_probability);
    // With a red flag to show, the same score makes it a scam.
    let flagged =
        Message { text: "Toi nay ca nha an lau, nho chuyen tien vao tai khoan tam giu nhe", ..Message::default() };
    let analysis = analyzer.analyze(&flagged, None, 0).unwrap();
    assert!(!analysis.red_flags.is_empty());
    assert_eq!(analysis.verdict, MessageVerdict::Scam);
}

#[test]
fn a_betting_site_s_name_is_a_signal_and_top_up_words_are_not() {
    use canhgiac_analyzer::analyze::{BETTING_HOST, combiner_signals};
    use canhgiac_analyzer::{normalise, red_flags};
    use canhgiac_core::identifier::extract;
    use canhgiac_core::trust::trust_directory;
    let signals = |text: &str| {
        let flags = red_flags(&normalise(text), text, None);
        combiner_signals(text, &flags, &extract(text), trust_directory())
    };
    assert!(signals("Nap dau tang 188k tai c19.kwin668.com").contains(&BETTING_HOST));
    // A betting site hidden in a search link still names itself.
    assert!(signals("https://www.google.com/search?q=cash288699.com 188k cho ae").contains(&BETTING_HOST));
    let top_up = signals("[TB] NAP THE LIEN TAY: nap dau tang 20% gia tri the, chi tiet tai vinaphone.com.vn");
    assert!(top_up.contains(&"gambling_terms"), "{top_up:?}");
    assert!(!top_up.contains(&BETTING_HOST), "{top_up:?}");
}

#[test]
fn an_authority_giving_a_personal_mobile_to_call_is_a_signal_and_a_carrier_s_sales_line_is_not() {
    use canhgiac_analyzer::analyze::{AUTHORITY_PERSONAL_CONTACT, combiner_signals};
    use canhgiac_analyzer::{normalise, red_flags};
    use canhgiac_core::identifier::extract;
    use canhgiac_core::trust::trust_directory;
    let signals = |text: &str| {
        let flags = red_flags(&normalise(text), text, None);
        combiner_signals(text, &flags, &extract(text), trust_directory())
    };
    let fine = "Cuc CSGT thong bao: phuong tien cua ong/ba co bien ban phat nguoi chua nop, day la thong bao cuoi \
                cung. De tranh bi cuong che vui long lien he 0912 345 678 truoc 17h hom nay.";
    assert!(signals(fine).contains(&AUTHORITY_PERSONAL_CONTACT), "{:?}", signals(fine));
    // Sent under a registered brand name (fake base stations send SMS in authorities' names) it is still a scam.
    let analysis = Analyzer::shipped()
        .analyze(&Message { text: fine, sender: Some("CSGT"), ..Message::default() }, None, 0)
        .unwrap();
    assert_eq!(analysis.verdict, MessageVerdict::Scam, "{}", analysis.scam_probability);
    // The same police claim with the official hotline is not this signal; nor is a carrier's sales line.
    assert!(
        !signals("Cong an TP thong bao: moi thac mac xin goi duong day nong 113.")
            .contains(&AUTHORITY_PERSONAL_CONTACT)
    );
    let sales = "VNPT VinaPhone thong bao chuong trinh lap cap quang mien phi. Chi tiet LH: 0913 711 134";
    assert!(!signals(sales).contains(&AUTHORITY_PERSONAL_CONTACT), "{:?}", signals(sales));
}
