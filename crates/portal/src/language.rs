//! The portal's two languages: Vietnamese by default, English by a switch remembered in a cookie. Every text a
//! page shows is a field of [`Texts`], written once in each language side by side, so a missing translation is a
//! compile error.

use canhgiac_core::report::ReportStatus;
use canhgiac_core::verdict::VerdictLevel;

/// The cookie that remembers the visitor's language.
pub const LANGUAGE_COOKIE: &str = "lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    Vietnamese,
    English,
}

impl Language {
    /// The `lang` attribute and cookie value.
    pub fn code(self) -> &'static str {
        match self {
            Language::Vietnamese => "vi",
            Language::English => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Language> {
        match code.trim() {
            "vi" => Some(Language::Vietnamese),
            "en" => Some(Language::English),
            _ => None,
        }
    }

    pub fn other(self) -> Language {
        match self {
            Language::Vietnamese => Language::English,
            Language::English => Language::Vietnamese,
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Language::Vietnamese => &VI,
            Language::English => &EN,
        }
    }

    /// Picks the Vietnamese or the English of a pair.
    pub fn pick<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Language::Vietnamese => vi,
            Language::English => en,
        }
    }

    pub fn verdict_words(self, level: VerdictLevel) -> &'static str {
        let t = self.texts();
        match level {
            VerdictLevel::OfficialVerified => t.verdict_official,
            VerdictLevel::NoData => t.verdict_no_data,
            VerdictLevel::Reported => t.verdict_reported,
            VerdictLevel::Suspicious => t.verdict_suspicious,
            VerdictLevel::HighRisk => t.verdict_high_risk,
            VerdictLevel::ConfirmedScam => t.verdict_confirmed,
        }
    }

    pub fn verdict_explained(self, level: VerdictLevel) -> &'static str {
        let t = self.texts();
        match level {
            VerdictLevel::OfficialVerified => t.verdict_official_explained,
            VerdictLevel::NoData => t.verdict_no_data_explained,
            VerdictLevel::Reported => t.verdict_reported_explained,
            VerdictLevel::Suspicious => t.verdict_suspicious_explained,
            VerdictLevel::HighRisk => t.verdict_high_risk_explained,
            VerdictLevel::ConfirmedScam => t.verdict_confirmed_explained,
        }
    }

    pub fn status_words(self, status: ReportStatus) -> &'static str {
        match self {
            Language::Vietnamese => status.name_vi(),
            Language::English => match status {
                ReportStatus::Received => "Received",
                ReportStatus::Triaged => "Triaged",
                ReportStatus::Verified => "Verified",
                ReportStatus::Rejected => "Not enough grounds",
                ReportStatus::Duplicate => "Duplicate of another report",
                ReportStatus::Closed => "Closed",
            },
        }
    }
}

macro_rules! texts {
    ($($name:ident: $vi:literal, $en:literal;)*) => {
        /// Every text of the portal's pages, in one language.
        #[derive(Debug)]
        pub struct Texts {
            $(pub $name: &'static str,)*
        }
        pub static VI: Texts = Texts { $($name: $vi,)* };
        pub static EN: Texts = Texts { $($name: $en,)* };
    };
}

texts! {
    site_name: "Cảnh giác", "Cảnh giác";
    site_tagline: "Kiểm tra trước khi chuyển tiền. Báo cáo để bảo vệ người khác.", "Check before you transfer. Report to protect others.";
    skip_to_content: "Bỏ qua, đến nội dung chính", "Skip to main content";
    nav_label: "Điều hướng chính", "Main navigation";
    nav_home: "Kiểm tra", "Check";
    nav_analyze: "Phân tích tin nhắn", "Analyse a message";
    nav_qr: "Mã QR", "QR code";
    nav_report: "Báo cáo lừa đảo", "Report a scam";
    nav_track: "Theo dõi báo cáo", "Track a report";
    nav_library: "Các kiểu lừa đảo", "Scam library";
    nav_docs: "API cho đối tác", "API for partners";
    switch_language: "English", "Tiếng Việt";
    switch_language_label: "Switch to English", "Chuyển sang tiếng Việt";
    footer_note: "Cảnh giác là phần mềm mã nguồn mở chống lừa đảo. Không ai từ Cảnh giác gọi điện yêu cầu bạn chuyển tiền.", "Cảnh giác is open-source anti-scam software. Nobody from Cảnh giác will ever call you to ask for money.";
    footer_emergency: "Khẩn cấp: gọi Công an 113.", "Emergency: call the police on 113.";

    home_title: "Đây có phải lừa đảo?", "Is this a scam?";
    home_intro: "Dán bất cứ thứ gì bạn nhận được: số điện thoại, số tài khoản, đường link, cả tin nhắn, hoặc nội dung mã QR.", "Paste anything you were sent: a phone number, a bank account, a link, a whole message, or a QR code's text.";
    search_label: "Số điện thoại, tài khoản, link hoặc tin nhắn", "Phone number, account, link or message";
    search_hint: "Ví dụ: 0912 345 678 · STK 0011001234567 Vietcombank · vietcombank-xacminh.com", "For example: 0912 345 678 · account 0011001234567 Vietcombank · vietcombank-xacminh.com";
    search_button: "Kiểm tra", "Check";
    search_empty: "Hãy nhập số điện thoại, tài khoản, link hoặc dán tin nhắn.", "Type a phone number, an account or a link, or paste a message.";
    search_not_contact: "Không nhận ra đây là số điện thoại, tài khoản hay link. Hãy dán cả tin nhắn để phân tích.", "This is not a phone number, an account or a link we recognise. Paste the whole message to have it analysed.";
    home_qr_hint: "Có ảnh mã QR thanh toán?", "Have a photo of a payment QR code?";
    home_qr_link: "Tải ảnh lên để kiểm tra", "Upload it to check";
    rising_title: "Các kiểu lừa đảo tăng trong tháng này", "Scams rising this month";
    rising_none: "Chưa có đủ báo cáo trong 30 ngày qua.", "Not enough reports in the last 30 days yet.";
    rising_reports: "báo cáo trong 30 ngày", "reports in 30 days";
    rising_new: "mới", "new";
    hotlines_title: "Số điện thoại cần nhớ", "Numbers to remember";
    hotline_police: "Công an (khẩn cấp)", "Police (emergency)";
    hotline_156: "Báo cuộc gọi, tin nhắn lừa đảo (Bộ TT&TT)", "Report scam calls and messages (Ministry of Information)";
    hotline_5656: "Nhắn tin báo tin nhắn rác, lừa đảo", "Text to report spam and scam messages";
    hotline_5656_syntax: "Cuộc gọi: V <số gọi đến> <nội dung> · Tin nhắn: S <số gửi tin> <nội dung>", "A call: V <caller's number> <details> · A message: S <sender's number> <message>";
    hotline_banks: "Đường dây nóng của ngân hàng (yêu cầu phong toả giao dịch)", "Bank hotlines (ask them to freeze a transfer)";
    hotline_source: "nguồn", "source";
    home_report_cta: "Bạn vừa bị lừa? Báo cáo ngay, chỉ mất vài phút.", "Just been scammed? Report it now; it takes a few minutes.";

    check_title: "Kết quả kiểm tra", "Check result";
    check_again: "Kiểm tra số khác", "Check another";
    verdict_official: "Chính thức, đã xác minh", "Official, verified";
    verdict_no_data: "Chưa có dữ liệu", "No data";
    verdict_reported: "Đã bị báo cáo", "Reported";
    verdict_suspicious: "Đáng ngờ", "Suspicious";
    verdict_high_risk: "Rủi ro cao", "High risk";
    verdict_confirmed: "Đã xác nhận lừa đảo", "Confirmed scam";
    verdict_official_explained: "Đây là liên hệ chính thức trong danh bạ đã xác minh. Vẫn cẩn thận: kẻ gian có thể giả mạo số hiển thị.", "This is an official contact from the verified directory. Still be careful: scammers can fake the number shown.";
    verdict_no_data_explained: "Chưa ai báo cáo liên hệ này. Điều đó không có nghĩa là an toàn.", "Nobody has reported this contact yet. That does not mean it is safe.";
    verdict_reported_explained: "Đã có người báo cáo liên hệ này, nhưng chưa đủ để kết luận.", "Someone has reported this contact, but not enough to conclude.";
    verdict_suspicious_explained: "Có dấu hiệu lừa đảo. Đừng chuyển tiền cho đến khi xác minh qua kênh chính thức.", "There are signs of a scam. Do not transfer money until you have checked through an official channel.";
    verdict_high_risk_explained: "Nhiều dấu hiệu lừa đảo. Đừng chuyển tiền, đừng cung cấp mã OTP.", "Many signs of a scam. Do not transfer money, do not give any OTP code.";
    verdict_confirmed_explained: "Cơ quan chức năng hoặc ngân hàng đã xác nhận đây là lừa đảo. Dừng mọi liên lạc.", "The police or a bank confirmed this is a scam. Stop all contact.";
    score_label: "Điểm rủi ro", "Risk score";
    reasons_title: "Vì sao", "Why";
    no_reasons: "Không có tín hiệu nào về liên hệ này.", "There is no signal about this contact.";
    counts_title: "Số liệu", "Figures";
    count_reports: "Số báo cáo", "Reports";
    count_reporters: "Người báo cáo độc lập", "Independent reporters";
    count_losses: "Thiệt hại được báo cáo", "Reported losses";
    scam_types_title: "Kiểu lừa đảo", "Scam types";
    first_seen: "Lần đầu ghi nhận", "First seen";
    last_seen: "Lần gần nhất", "Last seen";
    related_title: "Liên hệ được báo cáo cùng", "Contacts reported with it";
    imitates_label: "Giả mạo", "Imitates";
    official_domain_label: "Trang chính thức", "Official site";
    appeal_pending: "Chủ liên hệ đang khiếu nại; kết quả đang được xem xét.", "The owner has appealed; the appeal is being reviewed.";
    appeal_upheld: "Khiếu nại của chủ liên hệ đã được chấp nhận.", "The owner's appeal was upheld.";
    appeal_rejected: "Khiếu nại của chủ liên hệ đã bị bác.", "The owner's appeal was rejected.";
    advice_title: "Bạn nên làm gì", "What to do";
    advice_risky_1: "Không chuyển tiền, không đọc mã OTP, không cài ứng dụng theo hướng dẫn của người lạ.", "Do not transfer money, do not read out any OTP, do not install an app a stranger tells you to.";
    advice_risky_2: "Tự gọi lại tổ chức qua số trên trang web chính thức hoặc mặt sau thẻ ngân hàng.", "Call the organisation back yourself, on the number from its official website or the back of your bank card.";
    advice_risky_3: "Nếu đã chuyển tiền: gọi ngay đường dây nóng ngân hàng của bạn để yêu cầu phong toả, rồi báo Công an.", "If you already paid: call your bank's hotline now to ask for a freeze, then tell the police.";
    advice_unknown_1: "Chưa có báo cáo không có nghĩa là an toàn: kẻ gian đổi số và tài khoản liên tục.", "No reports does not mean safe: scammers change numbers and accounts all the time.";
    advice_unknown_2: "Cảnh giác khi bị giục gấp, bị đe doạ, hoặc được hứa lợi nhuận cao.", "Be wary when you are rushed, threatened, or promised high returns.";
    advice_official_1: "Vẫn không bao giờ cung cấp mã OTP hay mật khẩu, kể cả cho nhân viên ngân hàng.", "Still never give an OTP or a password, even to bank staff.";
    report_this_contact: "Báo cáo liên hệ này", "Report this contact";
    check_error_title: "Không kiểm tra được", "Cannot check this";

    analyze_title: "Phân tích tin nhắn", "Analyse a message";
    analyze_intro: "Dán tin nhắn SMS, Zalo, Facebook hoặc email bạn nhận được. Chúng tôi chỉ ra những dấu hiệu lừa đảo và kiểm tra mọi số điện thoại, tài khoản, link trong đó.", "Paste an SMS, Zalo, Facebook or e-mail message you received. We point out the signs of a scam and check every phone number, account and link inside it.";
    analyze_label: "Nội dung tin nhắn", "The message";
    analyze_button: "Phân tích", "Analyse";
    analysis_safe: "Chưa thấy dấu hiệu lừa đảo", "No sign of a scam found";
    analysis_suspicious: "Đáng ngờ", "Suspicious";
    analysis_scam: "Rất có thể là lừa đảo", "Very likely a scam";
    probability_label: "Khả năng lừa đảo", "Likelihood of a scam";
    message_title: "Tin nhắn, với các dấu hiệu được tô sáng", "The message, with the signs highlighted";
    flags_title: "Dấu hiệu lừa đảo", "Signs of a scam";
    no_flags: "Không thấy dấu hiệu nào.", "No sign found.";
    no_flags_contact_reported: "Lời lẽ không có dấu hiệu nào, nhưng một liên hệ trong tin nhắn đã bị báo cáo (xem bên dưới).", "The wording shows no sign, but a contact in the message has been reported (see below).";
    no_flags_wording: "Không có dấu hiệu cụ thể, nhưng cách viết giống những tin nhắn lừa đảo mà hệ thống đã học. Hãy thận trọng.", "No specific sign, but the wording is like that of the scam messages the system learned from. Be careful.";
    contacts_title: "Liên hệ trong tin nhắn", "Contacts in the message";
    no_contacts: "Tin nhắn không chứa số điện thoại, tài khoản hay link.", "The message holds no phone number, account or link.";
    likely_types: "Có thể là", "Could be";
    more_advice: "Thêm lời khuyên", "More advice";
    analyze_another: "Phân tích tin nhắn khác", "Analyse another message";

    qr_title: "Kiểm tra mã QR thanh toán", "Check a payment QR code";
    qr_intro: "Tải lên ảnh chụp hoặc ảnh màn hình mã QR mà người khác gửi để bạn chuyển tiền. Ảnh được đọc trên máy chủ và không được lưu lại.", "Upload a photo or screenshot of the QR code someone sent you to pay. The picture is read on our server and not kept.";
    qr_label: "Ảnh mã QR (PNG, JPEG, WebP, GIF, BMP; tối đa 5 MB)", "QR code picture (PNG, JPEG, WebP, GIF, BMP; at most 5 MB)";
    qr_button: "Đọc và kiểm tra", "Read and check";
    qr_result_title: "Nội dung mã QR", "What the QR code holds";
    qr_account: "Tài khoản nhận tiền", "Account that receives the money";
    qr_bank: "Ngân hàng", "Bank";
    qr_amount: "Số tiền", "Amount";
    qr_message: "Nội dung chuyển khoản", "Transfer remark";
    qr_merchant: "Người nhận", "Payee";
    qr_not_payment: "Mã QR này không phải mã thanh toán VietQR. Nội dung:", "This QR code is not a VietQR payment code. It holds:";
    qr_no_code: "Không tìm thấy mã QR nào đọc được trong ảnh. Hãy chụp gần hơn, đủ sáng và không bị nghiêng.", "No readable QR code was found in the picture. Take it closer, in good light and straight on.";
    qr_not_image: "Tệp này không phải ảnh đọc được (PNG, JPEG, WebP, GIF hoặc BMP).", "This file is not a picture we can read (PNG, JPEG, WebP, GIF or BMP).";
    qr_too_large: "Ảnh quá lớn.", "The picture is too large.";
    qr_missing: "Hãy chọn một ảnh.", "Choose a picture.";

    report_title: "Báo cáo lừa đảo", "Report a scam";
    report_intro: "Báo cáo của bạn giúp cảnh báo người khác và giúp ngân hàng, công an hành động. Chỉ mất vài phút; bạn có thể ẩn danh.", "Your report warns others and helps banks and the police act. It takes a few minutes; you may stay anonymous.";
    report_urgent: "Nếu bạn vừa chuyển tiền: gọi ngay đường dây nóng của ngân hàng bạn để yêu cầu phong toả giao dịch, trước khi điền báo cáo.", "If you just transferred money: call your bank's hotline now to ask them to freeze the transfer, before you fill in this report.";
    step_label: "Bước", "Step";
    step_of: "trên", "of";
    step_next: "Tiếp", "Next";
    step_back: "Quay lại", "Back";
    step1_title: "Chuyện gì đã xảy ra", "What happened";
    scam_type_label: "Kiểu lừa đảo gần nhất", "The closest kind of scam";
    scam_type_choose: "Chọn một mục", "Choose one";
    narrative_label: "Kể lại ngắn gọn", "Tell us briefly";
    narrative_hint: "Họ liên lạc thế nào, nói gì, yêu cầu gì. Đừng ghi mật khẩu hay mã OTP.", "How they reached you, what they said and asked. Do not write passwords or OTP codes.";
    occurred_label: "Ngày xảy ra", "Date it happened";
    province_label: "Tỉnh/thành phố (không bắt buộc)", "Province or city (optional)";
    step2_title: "Kẻ gian liên lạc bằng gì", "How the scammer reached you";
    contacts_label: "Số điện thoại, tài khoản, link, Zalo/Facebook của kẻ gian", "The scammer's phone numbers, accounts, links, Zalo or Facebook";
    contacts_hint: "Mỗi dòng một mục.", "One per line.";
    step3_title: "Tiền đã chuyển", "Money transferred";
    step3_hint: "Bỏ qua nếu bạn chưa chuyển tiền.", "Skip this if you did not transfer money.";
    loss_label: "Tổng số tiền mất (đồng)", "Total lost (dong)";
    from_bank_label: "Ngân hàng của bạn", "Your bank";
    from_account_label: "Số tài khoản của bạn", "Your account number";
    to_bank_label: "Ngân hàng nhận", "Receiving bank";
    to_account_label: "Số tài khoản nhận", "Receiving account number";
    amount_label: "Số tiền (đồng)", "Amount (dong)";
    transfer_at_label: "Thời điểm chuyển", "When you transferred";
    date_format_hint: "Ghi ngày theo ngày/tháng/năm (20/11/2026), thêm giờ nếu bạn nhớ (20/11/2026 09:30, hoặc: 3h chiều hôm qua).", "Write the date as day/month/year (20/11/2026), and the time if you know it (20/11/2026 09:30, or in Vietnamese: 3h chiều hôm qua).";
    amount_format_hint: "Ghi số tiền bằng chữ số (15.000.000) hoặc kèm tr, triệu, tỷ, k (15tr, 1,5 tỷ, 500k).", "Write the amount in digits (15.000.000), or with tr, triệu, tỷ or k (15tr, 1,5 tỷ, 500k).";
    transfer_legend: "Lần chuyển", "Transfer";
    add_transfer: "Thêm một lần chuyển", "Add another transfer";
    bank_hint: "Ví dụ: Vietcombank, VCB, BIDV, MB", "For example: Vietcombank, VCB, BIDV, MB";
    step4_title: "Bằng chứng", "Evidence";
    files_label: "Ảnh chụp màn hình, biên lai, ghi âm (tối đa 20 tệp)", "Screenshots, receipts, recordings (up to 20 files)";
    files_hint: "Thông tin vị trí trong ảnh được xoá trước khi lưu.", "Location data in pictures is removed before they are stored.";
    step5_title: "Về bạn", "About you";
    identity_legend: "Bạn muốn gửi thế nào?", "How do you want to send it?";
    identity_anonymous: "Ẩn danh", "Anonymously";
    identity_named: "Kèm thông tin liên hệ của tôi", "With my contact details";
    reporter_name_label: "Họ tên", "Full name";
    reporter_phone_label: "Số điện thoại", "Phone number";
    reporter_email_label: "Email", "E-mail";
    personal_note: "Thông tin cá nhân được mã hoá và chỉ cơ quan công an đọc được.", "Your personal details are encrypted and only the police can read them.";
    consent_label: "Tôi đồng ý chia sẻ báo cáo này với công an và các ngân hàng để họ xử lý.", "I agree that this report is shared with the police and banks so they can act on it.";
    contact_me_label: "Tôi đồng ý được liên hệ lại về báo cáo này.", "I agree to be contacted about this report.";
    report_submit: "Gửi báo cáo", "Send the report";
    draft_restored: "Đã khôi phục bản nháp trên máy này.", "Your draft on this device was restored.";
    draft_clear: "Xoá bản nháp", "Delete the draft";
    receipt_title: "Đã nhận báo cáo", "Report received";
    receipt_intro: "Báo cáo đã được lưu. Hãy ghi lại mã và mật mã dưới đây: chúng tôi không thể gửi lại.", "Your report is stored. Write down the code and the secret below: we cannot send them again.";
    tracking_code_label: "Mã theo dõi", "Tracking code";
    tracking_secret_label: "Mật mã", "Secret";
    next_steps_title: "Việc cần làm ngay", "What to do now";
    next_call_bank: "Gọi ngay {bank} theo số {hotline} để yêu cầu phong toả giao dịch. Đọc mã theo dõi cho họ.", "Call {bank} now on {hotline} and ask them to freeze the transfer. Give them the tracking code.";
    next_call_your_bank: "Gọi ngay đường dây nóng của ngân hàng bạn (số ở mặt sau thẻ hoặc trên trang web chính thức) để yêu cầu phong toả giao dịch.", "Call your bank's hotline now (the number on the back of your card or its official website) to ask for a freeze of the transfer.";
    next_police: "Trình báo Công an nơi gần nhất (khẩn cấp: 113), mang theo mã theo dõi và bằng chứng.", "Report it at the nearest police station (emergency: 113) with the tracking code and the evidence.";
    next_evidence: "Giữ lại tin nhắn, lịch sử cuộc gọi, biên lai chuyển tiền; đừng xoá cuộc trò chuyện.", "Keep the messages, call history and transfer receipts; do not delete the conversation.";
    next_recovery: "Cảnh giác với người hứa \"lấy lại tiền\" có phí: đó là lừa đảo lần hai.", "Beware of anyone offering to \"recover your money\" for a fee: that is a second scam.";
    next_5656: "Báo số điện thoại lừa đảo tới 156 hoặc nhắn 5656.", "Report the scam phone number to 156 or by text to 5656.";
    track_link: "Theo dõi báo cáo này", "Track this report";

    track_title: "Theo dõi báo cáo", "Track a report";
    track_intro: "Nhập mã theo dõi và mật mã bạn nhận được khi gửi báo cáo.", "Enter the tracking code and the secret you were given when you sent the report.";
    code_label: "Mã theo dõi", "Tracking code";
    secret_label: "Mật mã", "Secret";
    track_button: "Xem trạng thái", "See the status";
    track_not_found: "Không có báo cáo nào khớp mã và mật mã này.", "No report matches this code and secret.";
    status_label: "Trạng thái", "Status";
    history_title: "Lịch sử", "History";
    report_sent: "Gửi lúc", "Sent";
    your_words: "Lời kể của bạn", "Your account";
    evidence_count: "Tệp bằng chứng", "Evidence files";

    library_title: "Các kiểu lừa đảo", "The scam library";
    library_intro: "Cách từng kiểu lừa đảo diễn ra, dấu hiệu nhận biết và việc cần làm.", "How each scam works, how to recognise it and what to do.";
    how_title: "Cách kẻ gian làm", "How it works";
    signs_title: "Dấu hiệu nhận biết", "Warning signs";
    todo_title: "Bạn nên làm gì", "What to do";
    example_title: "Ví dụ", "Example";
    library_back: "Tất cả các kiểu lừa đảo", "All scams";

    docs_title: "Tài liệu API", "API reference";
    docs_noscript: "Trang tài liệu cần JavaScript. Bản mô tả OpenAPI ở /openapi.json.", "The reference needs JavaScript. The OpenAPI document is at /openapi.json.";

    error_title: "Có lỗi", "Something went wrong";
    error_field: "Mục cần sửa", "Field to fix";
    error_csrf: "Biểu mẫu đã hết hạn hoặc không đến từ trang này. Hãy tải lại trang và gửi lại.", "The form has expired or did not come from this site. Reload the page and send it again.";
    error_rate: "Bạn gửi quá nhiều lần trong thời gian ngắn. Hãy thử lại sau ít phút.", "You have sent too many times in a short while. Try again in a few minutes.";
    error_not_found: "Không tìm thấy trang này.", "This page does not exist.";
    error_unavailable: "Dịch vụ tạm thời không sẵn sàng. Hãy thử lại sau.", "The service is not available right now. Try again later.";
    back_home: "Về trang chủ", "Back to the home page";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_answer_every_verdict_and_status() {
        for language in [Language::Vietnamese, Language::English] {
            for level in [
                VerdictLevel::OfficialVerified,
                VerdictLevel::NoData,
                VerdictLevel::Reported,
                VerdictLevel::Suspicious,
                VerdictLevel::HighRisk,
                VerdictLevel::ConfirmedScam,
            ] {
                assert!(!language.verdict_words(level).is_empty());
                assert!(!language.verdict_explained(level).is_empty());
            }
            for status in ReportStatus::ALL {
                assert!(!language.status_words(*status).is_empty());
            }
        }
        assert_eq!(Language::parse("en"), Some(Language::English));
        assert_eq!(Language::parse("fr"), None);
    }
}
