//! The scam typology: the stable codes of the design brief's catalogue, with Vietnamese and English names.
//!
//! Codes are API values (JSON, the store, statistics): never rename one. `parse` is lenient for forms, the CLI
//! and imports (any case, `-` or spaces for `_`, the Vietnamese name with or without accents); serde is strict
//! and reads and writes the code only.

use crate::error::{Error, ErrorCode, Result};
use crate::text;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScamType {
    ImpersonationAuthority,
    ImpersonationMilitary,
    ImpersonationBank,
    ImpersonationUtility,
    TrafficFine,
    TaskScam,
    JobScam,
    OnlineLoan,
    BlackCredit,
    AccountTakeover,
    RomanceGift,
    Investment,
    Gambling,
    Prize,
    Delivery,
    TravelTicket,
    MedicalEmergency,
    RefundRecovery,
    FakeAppWebsite,
    Other,
}

impl ScamType {
    /// Every type, in the catalogue's order.
    pub const ALL: &'static [ScamType] = &[
        ScamType::ImpersonationAuthority,
        ScamType::ImpersonationMilitary,
        ScamType::ImpersonationBank,
        ScamType::ImpersonationUtility,
        ScamType::TrafficFine,
        ScamType::TaskScam,
        ScamType::JobScam,
        ScamType::OnlineLoan,
        ScamType::BlackCredit,
        ScamType::AccountTakeover,
        ScamType::RomanceGift,
        ScamType::Investment,
        ScamType::Gambling,
        ScamType::Prize,
        ScamType::Delivery,
        ScamType::TravelTicket,
        ScamType::MedicalEmergency,
        ScamType::RefundRecovery,
        ScamType::FakeAppWebsite,
        ScamType::Other,
    ];

    /// The stable API value, e.g. `impersonation_authority`.
    pub fn code(self) -> &'static str {
        use ScamType::*;
        match self {
            ImpersonationAuthority => "impersonation_authority",
            ImpersonationMilitary => "impersonation_military",
            ImpersonationBank => "impersonation_bank",
            ImpersonationUtility => "impersonation_utility",
            TrafficFine => "traffic_fine",
            TaskScam => "task_scam",
            JobScam => "job_scam",
            OnlineLoan => "online_loan",
            BlackCredit => "black_credit",
            AccountTakeover => "account_takeover",
            RomanceGift => "romance_gift",
            Investment => "investment",
            Gambling => "gambling",
            Prize => "prize",
            Delivery => "delivery",
            TravelTicket => "travel_ticket",
            MedicalEmergency => "medical_emergency",
            RefundRecovery => "refund_recovery",
            FakeAppWebsite => "fake_app_website",
            Other => "other",
        }
    }

    /// The Vietnamese name, as the catalogue writes it (user-facing: Vietnamese first).
    pub fn name_vi(self) -> &'static str {
        use ScamType::*;
        match self {
            ImpersonationAuthority => "Giả danh công an, viện kiểm sát, tòa án, thuế, BHXH",
            ImpersonationMilitary => "Giả danh bộ đội",
            ImpersonationBank => "Giả danh ngân hàng",
            ImpersonationUtility => "Giả danh điện lực, nhà mạng",
            TrafficFine => "Phạt nguội",
            TaskScam => "Tuyển cộng tác viên, làm nhiệm vụ",
            JobScam => "Tuyển dụng, xuất khẩu lao động",
            OnlineLoan => "Vay online",
            BlackCredit => "Tín dụng đen",
            AccountTakeover => "Chiếm tài khoản mạng xã hội để vay tiền",
            RomanceGift => "Kết bạn, tặng quà",
            Investment => "Đầu tư tài chính, tiền ảo, chứng khoán",
            Gambling => "Cờ bạc trực tuyến",
            Prize => "Trúng thưởng, tri ân khách hàng",
            Delivery => "Giao hàng, COD",
            TravelTicket => "Vé máy bay, tour, đặt phòng",
            MedicalEmergency => "Người thân cấp cứu",
            RefundRecovery => "Lấy lại tiền bị lừa",
            FakeAppWebsite => "Website, ứng dụng giả mạo",
            Other => "Khác",
        }
    }

    pub fn name_en(self) -> &'static str {
        use ScamType::*;
        match self {
            ImpersonationAuthority => "Impersonating police, prosecutors, courts, tax or social insurance",
            ImpersonationMilitary => "Impersonating the military",
            ImpersonationBank => "Impersonating a bank",
            ImpersonationUtility => "Impersonating a power company or mobile network",
            TrafficFine => "Traffic fine",
            TaskScam => "Task scam",
            JobScam => "Job and labour export scam",
            OnlineLoan => "Online loan",
            BlackCredit => "Loan sharking",
            AccountTakeover => "Hijacked social account asking to borrow",
            RomanceGift => "Online friend and gift",
            Investment => "Investment, crypto and securities",
            Gambling => "Online gambling",
            Prize => "Prize or customer reward",
            Delivery => "Delivery and cash on delivery",
            TravelTicket => "Air tickets, tours and bookings",
            MedicalEmergency => "Relative in hospital",
            RefundRecovery => "Recovering lost money",
            FakeAppWebsite => "Fake app or website",
            Other => "Other",
        }
    }

    /// Lenient parse: the code in any case with `-` or spaces for `_`, the Vietnamese name (with or
    /// without accents, whole or one of its parts such as "giả danh công an"), or the English name.
    pub fn parse(text: &str) -> Result<ScamType> {
        if text.trim().is_empty() {
            return Err(Error::new(ErrorCode::EmptyInput, "the scam type is empty").with_field("scam_type"));
        }
        // Longer than any name: refuse before folding, and keep the message short.
        if text.len() > 200 {
            return Err(unknown(text));
        }
        NAMES.get(&match_key(text)).copied().ok_or_else(|| unknown(text))
    }
}

fn unknown(text: &str) -> Error {
    let codes: Vec<&str> = ScamType::ALL.iter().map(|t| t.code()).collect();
    Error::new(
        ErrorCode::InvalidScamType,
        format!("unknown scam type `{}`; expected one of {}", text::shorten_for_message(text.trim()), codes.join(", ")),
    )
    .with_field("scam_type")
}

/// Accent-free lowercase words joined by `_`: "Giả danh công an" → `gia_danh_cong_an`, "task-scam" →
/// `task_scam`. Codes are already in this form.
fn match_key(text: &str) -> String {
    let folded = text::fold_accents_lower(text);
    let words: Vec<&str> = folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    words.join("_")
}

/// Names people give each type beyond the catalogue's: the parts of the catalogue's Vietnamese names and
/// the words of the directives and the press.
fn extra_names(scam_type: ScamType) -> &'static [&'static str] {
    use ScamType::*;
    match scam_type {
        ImpersonationAuthority => &[
            "giả danh công an",
            "giả danh viện kiểm sát",
            "giả danh tòa án",
            "giả danh cơ quan thuế",
            "giả danh thuế",
            "giả danh BHXH",
            "giả danh bảo hiểm xã hội",
            "giả danh cơ quan nhà nước",
            "giả danh cơ quan chức năng",
        ],
        ImpersonationMilitary => &["giả danh quân đội", "giả danh bộ đội đặt hàng"],
        ImpersonationBank => &["giả danh nhân viên ngân hàng"],
        ImpersonationUtility => &["giả danh điện lực", "giả danh nhà mạng", "giả danh EVN", "chuẩn hóa thuê bao"],
        TrafficFine => &["phạt nguội giao thông"],
        TaskScam => &["tuyển cộng tác viên", "làm nhiệm vụ", "cộng tác viên online", "việc nhẹ lương cao"],
        JobScam => &["tuyển dụng", "xuất khẩu lao động", "tuyển dụng việc làm", "việc làm"],
        OnlineLoan => &["vay tiền online", "vay trực tuyến", "vay qua app"],
        BlackCredit => &["cho vay nặng lãi", "vay nặng lãi"],
        AccountTakeover => &[
            "chiếm tài khoản mạng xã hội",
            "chiếm tài khoản",
            "chiếm đoạt tài khoản mạng xã hội",
            "hack tài khoản",
            "deepfake",
        ],
        RomanceGift => &["kết bạn", "tặng quà", "kết bạn tặng quà", "romance scam"],
        Investment => &["đầu tư tài chính", "đầu tư", "tiền ảo", "chứng khoán", "tiền mã hóa", "đa cấp"],
        Gambling => &["cờ bạc", "cờ bạc online", "cá độ", "game bài", "nổ hũ"],
        Prize => &["trúng thưởng", "tri ân khách hàng"],
        Delivery => &["giao hàng", "COD", "shipper"],
        TravelTicket => &["vé máy bay", "tour", "đặt phòng", "du lịch"],
        MedicalEmergency => &["cấp cứu", "người nhà cấp cứu"],
        RefundRecovery => &["lấy lại tiền", "thu hồi tiền bị lừa", "hỗ trợ lấy lại tiền bị lừa"],
        FakeAppWebsite => {
            &["website giả mạo", "ứng dụng giả mạo", "app giả mạo", "trang web giả mạo", "web giả mạo", "ứng dụng giả"]
        }
        Other => &["khác"],
    }
}

/// Every accepted name, as its match key; the first type to claim a name keeps it.
static NAMES: LazyLock<HashMap<String, ScamType>> = LazyLock::new(|| {
    let mut names = HashMap::new();
    for (key, scam_type) in all_names() {
        names.entry(key).or_insert(scam_type);
    }
    names
});

fn all_names() -> impl Iterator<Item = (String, ScamType)> {
    ScamType::ALL.iter().flat_map(|&scam_type| {
        [scam_type.code(), scam_type.name_vi(), scam_type.name_en()]
            .into_iter()
            .chain(extra_names(scam_type).iter().copied())
            .map(move |name| (match_key(name), scam_type))
    })
}

impl fmt::Display for ScamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for ScamType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        ScamType::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn twenty_unique_codes_that_serde_agrees_with() {
        assert_eq!(ScamType::ALL.len(), 20);
        let mut seen = HashSet::new();
        for &scam_type in ScamType::ALL {
            let code = scam_type.code();
            assert!(seen.insert(code), "duplicate code {code}");
            assert!(code.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{code}");
            assert_eq!(serde_json::to_value(scam_type).unwrap(), serde_json::json!(code));
            assert_eq!(serde_json::from_value::<ScamType>(serde_json::json!(code)).unwrap(), scam_type);
            assert_eq!(scam_type.to_string(), code);
            assert!(!scam_type.name_vi().is_empty() && !scam_type.name_en().is_empty());
        }
    }

    #[test]
    fn no_name_is_claimed_by_two_types() {
        let mut owners: HashMap<String, ScamType> = HashMap::new();
        for (key, scam_type) in all_names() {
            assert!(!key.is_empty());
            let owner = *owners.entry(key.clone()).or_insert(scam_type);
            assert_eq!(owner, scam_type, "`{key}` names both {owner} and {scam_type}");
        }
    }

    #[test]
    fn lenient_spellings() {
        for (input, expected) in [
            ("impersonation_authority", ScamType::ImpersonationAuthority),
            ("IMPERSONATION-AUTHORITY", ScamType::ImpersonationAuthority),
            ("  impersonation authority ", ScamType::ImpersonationAuthority),
            ("gia danh cong an", ScamType::ImpersonationAuthority),
            ("Giả danh công an", ScamType::ImpersonationAuthority),
            ("giả danh BHXH", ScamType::ImpersonationAuthority),
            ("Phạt nguội", ScamType::TrafficFine),
            ("phat nguoi", ScamType::TrafficFine),
            ("tín dụng đen", ScamType::BlackCredit),
            ("Fake app or website", ScamType::FakeAppWebsite),
            ("fake-app-website", ScamType::FakeAppWebsite),
            ("COD", ScamType::Delivery),
            ("khac", ScamType::Other),
        ] {
            assert_eq!(ScamType::parse(input).unwrap(), expected, "{input}");
            assert_eq!(input.parse::<ScamType>().unwrap(), expected, "{input}");
        }
    }

    #[test]
    fn unknown_types_list_the_codes() {
        let error = ScamType::parse("phishing").unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidScamType);
        assert_eq!(error.field.as_deref(), Some("scam_type"));
        assert!(error.message.contains("phishing") && error.message.contains("impersonation_authority, "));
        assert!(error.message.ends_with("other"));
        assert_eq!(ScamType::parse(" ").unwrap_err().code, ErrorCode::EmptyInput);
        assert_eq!(ScamType::parse(&"x".repeat(10_000)).unwrap_err().code, ErrorCode::InvalidScamType);
        // Serde stays strict: only the code.
        assert!(serde_json::from_value::<ScamType>(serde_json::json!("Phạt nguội")).is_err());
    }
}
