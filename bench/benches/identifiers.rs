//! Identifier benchmarks: phone parsing, URL canonicalisation, `extract` on SMS-length text.
//! Run: `cargo bench -p canhgiac-bench --bench identifiers`.
//! Goals (issue 2): ≥ 1,000,000 phone parses/s and ≥ 50 MB/s of `extract` on one core.

use canhgiac_core::extract;
use canhgiac_core::identifier::{PhoneNumber, Url};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

/// Numbers as people write them; written by the project.
const PHONES: &[&str] = &[
    "0912345678",
    "0912.345.678",
    "+84 912 345 678",
    "01689 123 456",
    "024 3825 4321",
    "0987-654-321",
    "84912345678",
    "1900 545 413",
];

const URLS: &[&str] = &[
    "https://vietcombank-xacminh.com/login?id=123",
    "http://www.GOOgle.com/blah/../q?x=1#frag",
    "vcb-xacthuc.com/dang-nhap",
    "hxxps://dichvucong-gov[.]vn[.]xyz/nop-phat",
    "http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/",
    "https://t.me/hotro_vcb",
];

/// SMS-length messages written by the project in the style of real ones (scam and ordinary).
const MESSAGES: &[&str] = &[
    "Vietcombank thong bao: tai khoan cua quy khach da bi khoa. Vui long truy cap https://vietcombank-xacminh.com de xac thuc ngay.",
    "Chúc mừng quý khách đã trúng thưởng xe SH. Liên hệ 0912.345.678 để nhận giải, phí nhận giải 2.000.000đ chuyển vào stk 0011004123456 VCB.",
    "Em chào anh, em là Lan bên bảo hiểm. Anh gọi lại cho em số 0987 654 321 khi rảnh nhé, cảm ơn anh.",
    "Cong an quan 1 thong bao ban lien quan den vu an rua tien. Goi ngay 0 9 1 2 . 3 4 5 . 6 7 8 de hop tac, khong duoc noi voi ai.",
    "Ma OTP cua quy khach la 482913. Tuyet doi khong cung cap ma nay cho bat ky ai, ke ca nhan vien ngan hang.",
    "Tuyển CTV làm việc online tại nhà, thu nhập 500k-1tr/ngày. Kết bạn Zalo 0369 123 456 hoặc t.me/tuyendung_ctv để nhận nhiệm vụ.",
    "EVN thong bao: quy khach no tien dien, se bi cat dien trong hom nay. Thanh toan tai hxxps://evn-thanhtoan[.]top/pay",
    "Mẹ ơi con đến nơi rồi nhé, tối nay con về muộn, mẹ đừng chờ cơm.",
];

fn phone_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("phone_parse");
    group.throughput(Throughput::Elements(PHONES.len() as u64));
    group.bench_function("canhgiac", |b| {
        b.iter(|| {
            for phone in PHONES {
                black_box(PhoneNumber::parse(black_box(phone)).ok());
            }
        })
    });
    group.bench_function("libphonenumber_rs (phonenumber 0.3)", |b| {
        let region = Some(phonenumber::country::Id::VN);
        b.iter(|| {
            for phone in PHONES {
                black_box(phonenumber::parse(region, black_box(phone)).ok());
            }
        })
    });
    group.finish();
}

fn url_canonicalise(c: &mut Criterion) {
    let mut group = c.benchmark_group("url_canonicalise");
    group.throughput(Throughput::Elements(URLS.len() as u64));
    group.bench_function("canhgiac (Safe Browsing canonical form)", |b| {
        b.iter(|| {
            for url in URLS {
                black_box(Url::parse(black_box(url)).ok());
            }
        })
    });
    group.bench_function("url crate (WHATWG parse only)", |b| {
        b.iter(|| {
            for url in URLS {
                black_box(url::Url::parse(black_box(url)).ok());
            }
        })
    });
    group.finish();
}

fn real_sms() -> Option<Vec<String>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/vi_sms_smishing_ie403/dev.csv");
    let mut reader = csv::Reader::from_path(path).ok()?;
    Some(reader.records().filter_map(|r| r.ok()).filter_map(|r| r.get(0).map(str::to_string)).collect())
}

fn extract_throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("extract");
    let project: Vec<String> = MESSAGES.iter().map(|m| m.to_string()).collect();
    let mut corpora = vec![("project_sms", project)];
    match real_sms() {
        Some(messages) => corpora.push(("vi_sms_smishing_ie403_dev", messages)),
        None => eprintln!("skipping the real-SMS corpus: ../shared/data/vi_sms_smishing_ie403 is absent"),
    }
    for (name, messages) in &corpora {
        let bytes: usize = messages.iter().map(String::len).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_with_input(BenchmarkId::new("canhgiac", name), messages, |b, messages| {
            b.iter(|| {
                for message in messages {
                    black_box(extract(black_box(message)));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, phone_parse, url_canonicalise, extract_throughput);
criterion_main!(benches);
