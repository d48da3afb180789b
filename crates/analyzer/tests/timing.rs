//! A quick timing of the hot path: `cargo test -p canhgiac-analyzer --release --test timing -- --ignored --nocapture`.
//! The analyzer must run at least 20,000 SMS-length messages per second per core.

use canhgiac_analyzer::normalise::NormalisedMessage;
use canhgiac_analyzer::red_flags;
use std::hint::black_box;
use std::time::Instant;

const MESSAGES: &[&str] = &[
    "Th0ng ba0: BIDV nang cap he thong. Vui l0ng dang nhap https://b0dv.xyz de xac thuc. Neu kh0ng tai khoan se bi kh0a.",
    "Công an quận 3 thông báo: ông/bà liên quan đến vụ án rửa tiền, sẽ bị khởi tố nếu không hợp tác. Không được nói với ai.",
    "Mã OTP của bạn là 123456. Mã có hiệu lực trong 5 phút. KHÔNG chia sẻ mã OTP cho bất kỳ ai.",
    "TK 1234567890 +5,000,000VND luc 10:20 12/03/2025. SD: 12,345,678VND. ND: chuyen tien cho me",
    "[T.B] BHXH: Ong (Ba) da du d!eu k!en NHAN T1EN h0 tro tu quy BH-TN. Bam vao www.mvndc.icu de lay. QUA HAN SE KH0NG_DUOC CHAP NHAN!",
    "Chúc mừng bạn trở thành nhân viên bình luận TikTok, add zalo 0497123597 để nhận 100k miễn phí mỗi ngày, việc nhẹ lương cao",
    "Chào Phương! Bạn và gia đình dạo này khoẻ chứ? Cuối tuần này cả nhà mình về quê, hẹn gặp lại nhé.",
    "Vietcombank: tai khoan cua quy khach se bi khoa. Dang nhap hxxps://vietcombank-xacthuc[.]top de xac thuc ngay hom nay",
];

#[test]
#[ignore]
fn time_per_sms() {
    let mut message = NormalisedMessage::new();
    let rounds = 20_000;
    for (label, with_flags) in [("normalise", false), ("normalise + red_flags", true)] {
        let started = Instant::now();
        let mut flags = 0;
        for _ in 0..rounds {
            for text in MESSAGES {
                message.refill(black_box(text));
                if with_flags {
                    flags += red_flags(&message, text, Some("0912345678")).len();
                }
            }
        }
        let per_message = started.elapsed().as_secs_f64() / (rounds * MESSAGES.len()) as f64;
        println!(
            "{label}: {:.2} µs per message ({:.0} messages/s), {flags} flags",
            per_message * 1e6,
            1.0 / per_message
        );
    }
    // For comparison: the part of red_flags that is core's identifier extraction and look-alike judgement.
    let started = Instant::now();
    let mut found = 0;
    for _ in 0..rounds {
        for text in MESSAGES {
            for item in canhgiac_core::identifier::extract(black_box(text)) {
                found += 1;
                if let canhgiac_core::Identifier::Url(url) = &item.identifier {
                    let directory = canhgiac_core::trust::trust_directory();
                    found += usize::from(canhgiac_core::lookalike::judge_domain_in(url.host(), directory).is_some());
                }
            }
        }
    }
    let per_message = started.elapsed().as_secs_f64() / (rounds * MESSAGES.len()) as f64;
    println!("of which core extract + look-alike: {:.2} µs per message, {found} found", per_message * 1e6);
}
