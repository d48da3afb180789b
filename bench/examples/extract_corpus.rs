//! Runs `extract` once over every message of the real-SMS corpus; for instruction counts under
//! `valgrind --tool=callgrind`, which stay comparable when the machine is busy.
//! `cargo build --release -p canhgiac-bench --example extract_corpus`

fn main() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/vi_sms_smishing_ie403/dev.csv");
    let Ok(mut reader) = csv::Reader::from_path(path) else {
        eprintln!("skipping: {path} is absent");
        return;
    };
    let messages: Vec<String> = reader.records().filter_map(|r| r.ok()).map(|r| r[0].to_string()).collect();
    let bytes: usize = messages.iter().map(String::len).sum();
    let found: usize = messages.iter().map(|m| canhgiac_core::extract(m).len()).sum();
    println!("{} messages, {bytes} bytes, {found} identifiers", messages.len());
}
