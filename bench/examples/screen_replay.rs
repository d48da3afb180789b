//! Transfer screening in process (issue 6), for `bench/screen`: decisions per second of `Screener::screen` on one
//! thread, behind accounts with a day of history, and the memory that history takes.
//!
//! ```sh
//! cargo build --release -p canhgiac-bench --examples
//! ./target/release/examples/screen_replay --accounts 1000000 [--history 10] [--stream 1000000] [--passes 3]
//!     [--index-contacts 1000000] [--feed-threads 2]
//! ./target/release/examples/screen_replay --accounts 1000000 --write-csv FILE --rows 1000000
//! ./target/release/examples/screen_replay --index-contacts 1000000 --write-load-data DIR
//! ```
//!
//! The population (module [`population`], shared with `screen_server`): account `i` of `0..N` is
//! `bank:<BIN>:86<i in 10 digits>`, its bank one of eight by `i % 8`. The history: first one transfer from each
//! account to the next, 30 to 365 days back, so that accounts are as old as a bank's customers are (the windows
//! count an account's age from the first transfer they saw); then `history × N` transfers, each between two
//! accounts drawn at random (so each account sent about `history` and received about `history`), spread evenly
//! over the 24 hours before the measured stream. Both are fed through `Screener::observe` (as
//! `POST /v1/screen/feed` does), on `--feed-threads` threads. Memory: `Behaviour::heap_bytes()` over the accounts
//! tracked, and the process's RSS before and after the history.
//!
//! The measured stream continues at the history's rate (so each account's windows keep about a day of
//! transfers): pre-built `Transfer`s (through `canonical_account`, as the API and the CSV replay make them),
//! random payer and payee from the population, one payee in a hundred an account the reputation index knows (one
//! of the synthetic contacts of `support/synthetic.rs`), remarks from [`population::remark_table`] (35 % empty,
//! 37 % "<name> chuyen tien", "chuyen tien" or "CK", 27.6 % other everyday remarks) but for 0.3 % of transfers,
//! which carry a scam pretext ("phi xac minh ho so vay", ...) and pay one of the mule accounts (one account in
//! 1,000). Each pass screens `--stream` transfers on this thread, at each transfer's own time
//! as the CSV replay does (through `Screener::screen_many`, the replay's way; `--one-by-one`: through
//! `Screener::screen` for each, as the HTTP API does), with the shipped rules and the default policy; passes
//! alternate between no index and
//! a reputation index of `--index-contacts` synthetic contacts (0: no such pass). Then, alone: the remark reading
//! of one pass's transfers, and the JSON of 100,000 decisions (what the HTTP answer adds).
//!
//! `--output FILE`: one line per decision of the passes (transfer id, decision, level, score, reason codes with
//! their weights, fired rules, and a 64-bit FNV-1a hash of the decision's whole JSON), to compare two builds'
//! decisions with `cmp` (with `--feed-threads 1`: two feeding threads interleave differently from run to run).
//! Writing it is inside the timed loop, so a run with `--output` is not a timing.
//!
//! `--write-csv FILE --rows N`: the stream's first N transfers as a CSV for `canhgiac screen --input` (time in
//! Unix seconds, as `tools/*_to_transfers.py` write it). `--write-load-data DIR`: the files the wrk script of
//! `bench/screen` reads (banks.txt, names.txt, remarks.txt, pretexts.txt, listed.tsv).

#[allow(dead_code)]
#[path = "support/synthetic.rs"]
pub mod synthetic;

use canhgiac_index::ReputationIndex;
use canhgiac_screen::remark::RemarkReader;
use canhgiac_screen::{Asker, DecisionKind, RuleSet, Screener, Transfer};
use std::hint::black_box;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// The accounts, their history and the measured stream, made one way for `screen_replay` and `screen_server`.
#[path = "support/memory.rs"]
pub mod memory;

pub mod population {
    use super::synthetic::{self, mix};
    use canhgiac_index::ReputationIndex;
    use canhgiac_screen::transfer::{TransferChannel, canonical_account};
    use canhgiac_screen::{Screener, Transfer};
    use std::fmt::Write as _;

    pub const DAY_MS: i64 = 86_400_000;

    /// Vietcombank, VietinBank, BIDV, MB, Techcombank, TPBank, ACB, VPBank.
    pub const BANKS: [&str; 8] = ["970436", "970415", "970418", "970422", "970407", "970423", "970416", "970432"];

    pub const NAMES: [&str; 10] = [
        "NGUYEN VAN AN",
        "TRAN THI BINH",
        "LE HOANG CUONG",
        "PHAM THI DUNG",
        "HOANG VAN EM",
        "VU THI HOA",
        "DANG MINH KHOA",
        "BUI THI LAN",
        "DO VAN MINH",
        "NGO THI NGA",
    ];

    const EVERYDAY: [&str; 21] = [
        "tien an trua",
        "tra no thang 11",
        "thanh toan hoa don dien thang 11",
        "tien nha thang 12",
        "mua hang shopee don 2411",
        "hoc phi con hoc ky 1",
        "gui me tieu tet",
        "dong tien hui thang 11",
        "tien cafe",
        "dat coc thue nha",
        "Chuyển tiền",
        "Tiền ăn trưa",
        "tra tien hang",
        "luong thang 11",
        "tien dien nuoc",
        "mung cuoi ban Minh",
        "phi gui xe thang 12",
        "tien taxi",
        "hoan tien don hang",
        "ung ho quy lop",
        "tien sinh nhat",
    ];

    const PRETEXTS: [&str; 3] =
        ["phi xac minh ho so vay", "nop tien bao lanh tai ngoai cho con", "phi giai ngan khoan vay 50tr"];

    /// The scam pretexts: 3 transfers in 1,000 carry one, each paid to a mule account ([`mule`]).
    pub const PRETEXTS_PER_MILLE: u64 = 3;

    pub fn pretexts() -> Vec<String> {
        PRETEXTS.iter().map(|r| r.to_string()).collect()
    }

    /// The other 997 transfers in 1,000 draw their remark uniformly from these 997: 350 empty, 250 "<NAME> chuyen
    /// tien" (what banking apps fill in), 80 "chuyen tien", 40 "CK" or "chuyen khoan", 277 everyday remarks (13 or
    /// 14 of each).
    pub fn remark_table() -> Vec<String> {
        let mut table = Vec::with_capacity(997);
        table.extend(std::iter::repeat_n(String::new(), 350));
        table.extend((0..250).map(|k| format!("{} chuyen tien", NAMES[k % NAMES.len()])));
        table.extend(std::iter::repeat_n("chuyen tien".to_owned(), 80));
        table.extend(std::iter::repeat_n("CK".to_owned(), 20));
        table.extend(std::iter::repeat_n("chuyen khoan".to_owned(), 20));
        for (k, remark) in EVERYDAY.iter().enumerate() {
            table.extend(std::iter::repeat_n(remark.to_string(), 13 + usize::from(k < 4)));
        }
        assert_eq!(table.len(), 997);
        table
    }

    /// The mule accounts scam pretexts pay: one account in 1,000, evenly spaced (`r` picks one).
    pub fn mule(r: u64, accounts: u64) -> u64 {
        let mules = (accounts / 1000).max(1);
        (r % mules) * (accounts / mules)
    }

    pub fn bank(i: u64) -> &'static str {
        BANKS[(i % BANKS.len() as u64) as usize]
    }

    /// Account `i`'s number: `86` and `i` in ten digits.
    pub fn number(i: u64) -> String {
        format!("86{i:010}")
    }

    /// Account `i`'s canonical form, written into `out`.
    pub fn canonical_into(i: u64, out: &mut String) {
        out.clear();
        let _ = write!(out, "bank:{}:86{i:010}", bank(i));
    }

    /// Amounts in đồng: half 20 thousand to 500 thousand, 35 % up to 5 million, 13 % up to 50 million, 2 % up to
    /// 500 million; whole thousands.
    pub fn amount(r: u64) -> u64 {
        let (low, high) = match r % 100 {
            0..50 => (20_000, 500_000),
            50..85 => (500_000, 5_000_000),
            85..98 => (5_000_000, 50_000_000),
            _ => (50_000_000, 500_000_000),
        };
        (low + (r >> 8) % (high - low)) / 1000 * 1000
    }

    /// Two different accounts of `0..accounts` from one random number.
    fn pair(r: u64, accounts: u64) -> (u64, u64) {
        let payer = r % accounts;
        let mut payee = mix(r) % accounts;
        if payee == payer {
            payee = (payee + 1) % accounts;
        }
        (payer, payee)
    }

    /// `accounts × per_account` transfers spread evenly over the day before `end_ms`.
    #[derive(Debug, Clone, Copy)]
    pub struct History {
        pub accounts: u64,
        pub per_account: u64,
        pub end_ms: i64,
    }

    impl History {
        pub fn transfers(&self) -> u64 {
            self.accounts * self.per_account
        }

        /// Milliseconds between two transfers at the history's rate.
        pub fn step_ms(&self) -> f64 {
            DAY_MS as f64 / self.transfers().max(1) as f64
        }

        /// Account `i`'s first transfer, 30 to 365 days before the day of history: time, payer, payee, amount.
        pub fn first(&self, i: u64) -> (i64, u64, u64, u64) {
            let r = mix(i ^ 0xa9e0_0000_0000);
            let days = 30 + (r % 336) as i64;
            (
                self.end_ms - DAY_MS - days * DAY_MS - (r >> 16) as i64 % DAY_MS,
                i,
                (i + 1) % self.accounts,
                amount(r >> 8),
            )
        }

        /// Transfer `k` of the day: time (Unix ms), payer, payee, amount.
        pub fn transfer(&self, k: u64) -> (i64, u64, u64, u64) {
            let at = self.end_ms - DAY_MS + (k as f64 * self.step_ms()) as i64;
            let r = mix(k ^ 0x4157_0000_0000);
            let (payer, payee) = pair(r, self.accounts);
            (at, payer, payee, amount(mix(r ^ 7)))
        }
    }

    /// Feeds the accounts' first transfers, then the day of history, through `Screener::observe` on `threads`
    /// threads (transfer `k` on thread `k % threads`, so that each thread goes forward in time). Returns the
    /// transfers fed and the seconds it took.
    pub fn feed(screener: &Screener, history: &History, threads: usize, index: Option<&ReputationIndex>) -> (u64, f64) {
        let started = std::time::Instant::now();
        let threads = threads.max(1) as u64;
        for (count, transfer) in
            [(history.accounts, History::first as fn(&History, u64) -> _), (history.transfers(), History::transfer)]
        {
            std::thread::scope(|scope| {
                for t in 0..threads {
                    scope.spawn(move || {
                        let (mut payer, mut payee) = (String::with_capacity(32), String::with_capacity(32));
                        let mut k = t;
                        while k < count {
                            let (at, from, to, amount) = transfer(history, k);
                            canonical_into(from, &mut payer);
                            canonical_into(to, &mut payee);
                            screener.observe(&payer, &payee, at, amount, index);
                            k += threads;
                        }
                    });
                }
            });
        }
        (history.accounts + history.transfers(), started.elapsed().as_secs_f64())
    }

    /// Bank accounts among the synthetic index's first `contacts` contacts: (BIN, number).
    pub fn listed_accounts(contacts: u64, most: usize) -> Vec<(String, String)> {
        (0..contacts)
            .filter(|i| (8..=12).contains(&(i % 20)))
            .take(most)
            .map(|i| {
                let (_, canonical) = synthetic::contact(i);
                let rest = &canonical["bank:".len()..];
                (rest[..6].to_owned(), rest[7..].to_owned())
            })
            .collect()
    }

    /// One transfer of the measured stream, as a bank would send it.
    #[derive(Debug, Clone)]
    pub struct Row {
        pub id: String,
        pub at_ms: i64,
        pub amount: u64,
        pub payer_bank: &'static str,
        pub payer_account: String,
        pub payee_bank: String,
        pub payee_account: String,
        pub payee_name: &'static str,
        pub remark: String,
    }

    /// The transfers after the history, at its rate.
    pub struct Stream {
        pub accounts: u64,
        pub start_ms: i64,
        pub step_ms: f64,
        pub listed: Vec<(String, String)>,
        pub remarks: Vec<String>,
    }

    impl Stream {
        pub fn after(history: &History, listed: Vec<(String, String)>) -> Stream {
            Stream {
                accounts: history.accounts,
                start_ms: history.end_ms,
                step_ms: history.step_ms(),
                listed,
                remarks: remark_table(),
            }
        }

        pub fn row(&self, n: u64) -> Row {
            let r = mix(n ^ 0x5354_5245_414d);
            let (mut payer, mut payee) = pair(r, self.accounts);
            let s = mix(r ^ 0x11);
            let pretext = (s >> 32) % 1000 < PRETEXTS_PER_MILLE;
            let remark = if pretext {
                payee = mule(s >> 12, self.accounts);
                if payer == payee {
                    payer = (payer + 1) % self.accounts;
                }
                PRETEXTS[((s >> 42) % PRETEXTS.len() as u64) as usize].to_owned()
            } else {
                self.remarks[((s >> 42) % self.remarks.len() as u64) as usize].clone()
            };
            let (payee_bank, payee_account) = if !pretext && !self.listed.is_empty() && s.is_multiple_of(100) {
                self.listed[((s >> 8) % self.listed.len() as u64) as usize].clone()
            } else {
                (bank(payee).to_owned(), number(payee))
            };
            Row {
                id: format!("FT{n:010}"),
                at_ms: self.start_ms + (n as f64 * self.step_ms) as i64,
                amount: amount(mix(s)),
                payer_bank: bank(payer),
                payer_account: number(payer),
                payee_bank,
                payee_account,
                payee_name: NAMES[((s >> 20) % NAMES.len() as u64) as usize],
                remark,
            }
        }

        /// Row `n` checked as the API and the CSV replay check it.
        pub fn transfer(&self, n: u64) -> Transfer {
            let row = self.row(n);
            let (payer, _) = canonical_account(row.payer_bank, &row.payer_account, "payer").expect("a valid payer");
            let (payee, payee_bin) =
                canonical_account(&row.payee_bank, &row.payee_account, "payee").expect("a valid payee");
            Transfer {
                id: row.id,
                at: row.at_ms,
                amount: row.amount,
                channel: Some(TransferChannel::Mobile),
                payer,
                payer_customer_since: None,
                payer_new_device: None,
                payer_biometric_passed: None,
                payee,
                payee_bin,
                payee_name: Some(row.payee_name.to_owned()),
                remark: row.remark,
                declared_purpose: String::new(),
            }
        }
    }

    pub use super::memory::{mib, proc_status_bytes};
}

use population::{History, Stream, mib, proc_status_bytes};

struct Options {
    accounts: u64,
    history: u64,
    stream: u64,
    passes: u32,
    index_contacts: u64,
    feed_threads: usize,
    write_csv: Option<PathBuf>,
    rows: u64,
    write_load_data: Option<PathBuf>,
    output: Option<PathBuf>,
    one_by_one: bool,
}

fn parse_options() -> Result<Options, String> {
    let usage = "screen_replay [--accounts N] [--history K] [--stream S] [--passes P] [--index-contacts C] \
                 [--feed-threads T] [--one-by-one] [--output FILE] | --write-csv FILE --rows N | --write-load-data DIR";
    let mut options = Options {
        accounts: 1_000_000,
        history: 10,
        stream: 1_000_000,
        passes: 3,
        index_contacts: 1_000_000,
        feed_threads: 2,
        write_csv: None,
        rows: 1_000_000,
        write_load_data: None,
        output: None,
        one_by_one: false,
    };
    let mut args = std::env::args().skip(1);
    let number = |arg: &str, text: String| -> Result<u64, String> {
        text.replace('_', "").parse().map_err(|_| format!("{arg}: not a number: {text}"))
    };
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value; usage: {usage}"));
        match arg.as_str() {
            "--accounts" => options.accounts = number(&arg, value()?)?,
            "--history" => options.history = number(&arg, value()?)?,
            "--stream" => options.stream = number(&arg, value()?)?,
            "--passes" => options.passes = number(&arg, value()?)? as u32,
            "--index-contacts" => options.index_contacts = number(&arg, value()?)?,
            "--feed-threads" => options.feed_threads = number(&arg, value()?)? as usize,
            "--write-csv" => options.write_csv = Some(PathBuf::from(value()?)),
            "--rows" => options.rows = number(&arg, value()?)?,
            "--write-load-data" => options.write_load_data = Some(PathBuf::from(value()?)),
            "--output" => options.output = Some(PathBuf::from(value()?)),
            "--one-by-one" => options.one_by_one = true,
            "-h" | "--help" => return Err(usage.to_owned()),
            other => return Err(format!("unknown argument {other:?}; usage: {usage}")),
        }
    }
    if options.accounts < 2 || options.accounts > 10_000_000_000 {
        return Err("--accounts must be 2..=10000000000".to_owned());
    }
    if options.index_contacts > synthetic::MAX_CONTACTS {
        return Err(format!("--index-contacts must be at most {}", synthetic::MAX_CONTACTS));
    }
    Ok(options)
}

/// The CPU time this thread has run, in seconds (`/proc/thread-self/schedstat`, nanoseconds; 0 where it cannot
/// be read). Beside the wall clock: on a shared machine a pass's wall time also counts the time other processes
/// held the core.
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0.0, |ns| ns as f64 / 1e9)
}

/// Thousands separated by commas.
fn grouped(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// One decision as a line of `--output`: what it decided and why, and a hash of its whole JSON.
fn fingerprint_line(decision: &canhgiac_screen::Decision, out: &mut impl std::io::Write) {
    let json = serde_json::to_vec(decision).expect("a decision is JSON");
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in json {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let reasons: Vec<String> = decision.reasons.iter().map(|r| format!("{}:{}", r.code, r.weight)).collect();
    let fired: Vec<&str> = decision.rules_fired.iter().map(|r| r.code.as_str()).collect();
    writeln!(
        out,
        "{} {} {} {} {} {} {hash:016x}",
        decision.transfer_id,
        decision.decision.as_str(),
        decision.level,
        decision.score,
        reasons.join("|"),
        fired.join("|")
    )
    .expect("the --output file is writable");
}

fn write_csv(options: &Options, path: &PathBuf) -> Result<(), String> {
    let history = History { accounts: options.accounts, per_account: options.history, end_ms: synthetic::NOW_MS };
    let stream = Stream::after(&history, population::listed_accounts(options.index_contacts, 10_000));
    let file = std::fs::File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let mut writer = csv::Writer::from_writer(std::io::BufWriter::with_capacity(1 << 20, file));
    let error = |e: csv::Error| format!("cannot write {}: {e}", path.display());
    writer
        .write_record([
            "id",
            "time",
            "amount",
            "payer_bank",
            "payer_account",
            "payee_bank",
            "payee_account",
            "payee_name",
            "remark",
            "channel",
        ])
        .map_err(error)?;
    for n in 0..options.rows {
        let row = stream.row(n);
        writer
            .write_record([
                row.id.as_str(),
                (row.at_ms / 1000).to_string().as_str(),
                row.amount.to_string().as_str(),
                row.payer_bank,
                row.payer_account.as_str(),
                row.payee_bank.as_str(),
                row.payee_account.as_str(),
                row.payee_name,
                row.remark.as_str(),
                "mobile",
            ])
            .map_err(error)?;
    }
    writer.flush().map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(())
}

fn write_load_data(options: &Options, dir: &PathBuf) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let write = |name: &str, lines: Vec<String>| -> Result<(), String> {
        let path = dir.join(name);
        let mut text = lines.join("\n");
        text.push('\n');
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write("banks.txt", population::BANKS.iter().map(|b| b.to_string()).collect())?;
    write("names.txt", population::NAMES.iter().map(|n| n.to_string()).collect())?;
    write("remarks.txt", population::remark_table())?;
    write("pretexts.txt", population::pretexts())?;
    write(
        "listed.tsv",
        population::listed_accounts(options.index_contacts, 10_000)
            .into_iter()
            .map(|(b, a)| format!("{b}\t{a}"))
            .collect(),
    )?;
    Ok(())
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &options.write_csv {
        return match write_csv(&options, path) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("screen_replay: {message}");
                ExitCode::FAILURE
            }
        };
    }
    if let Some(dir) = &options.write_load_data {
        return match write_load_data(&options, dir) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("screen_replay: {message}");
                ExitCode::FAILURE
            }
        };
    }
    run(options);
    ExitCode::SUCCESS
}

fn run(options: Options) {
    let accounts = options.accounts;
    // The analyzer's model and the remark lexicon are loaded once, before anything is timed.
    let mut remarks = RemarkReader::default();
    black_box(remarks.read("phi xac minh", ""));

    let index = (options.index_contacts > 0).then(|| {
        let started = Instant::now();
        let index =
            ReputationIndex::build(synthetic::trust(), synthetic::records(options.index_contacts), synthetic::NOW_MS);
        println!(
            "index: {} synthetic contacts built in {:.2} s, heap_bytes() {:.1} MiB",
            grouped(index.len() as f64),
            started.elapsed().as_secs_f64(),
            mib(index.heap_bytes())
        );
        index
    });

    let screener = Screener::new(RuleSet::shipped());
    let history = History { accounts, per_account: options.history, end_ms: synthetic::NOW_MS };
    let rss_before = proc_status_bytes("VmRSS");
    let (fed, seconds) = population::feed(&screener, &history, options.feed_threads, index.as_ref());
    let rss_after = proc_status_bytes("VmRSS");
    let behaviour = screener.behaviour();
    let (tracked, pairs, heap) = (behaviour.accounts(), behaviour.pairs(), behaviour.heap_bytes());
    println!(
        "history: {} transfers among {} accounts in the last 24 h (and one older transfer each) fed through \
         observe in {seconds:.1} s ({}/s on {} threads, the payer looked up in the index{}); {} accounts tracked, \
         {} pairs",
        grouped(history.transfers() as f64),
        grouped(accounts as f64),
        grouped(fed as f64 / seconds),
        options.feed_threads,
        if index.is_some() { "" } else { ": none" },
        grouped(tracked as f64),
        grouped(pairs as f64),
    );
    let bytes_per_account = heap as f64 / tracked.max(1) as f64;
    let rss_per_account = rss_after.saturating_sub(rss_before) as f64 / tracked.max(1) as f64;
    println!(
        "memory: heap_bytes() {:.1} MiB = {bytes_per_account:.0} bytes/account; RSS {:.1} MiB before the history, \
         {:.1} MiB after (+{rss_per_account:.0} bytes/account); peak RSS {:.1} MiB",
        mib(heap),
        mib(rss_before),
        mib(rss_after),
        mib(proc_status_bytes("VmHWM"))
    );

    let stream = Stream::after(&history, population::listed_accounts(options.index_contacts, 10_000));
    let variants: Vec<Option<&ReputationIndex>> = match &index {
        Some(index) => vec![None, Some(index)],
        None => vec![None],
    };
    let names: &[&str] = &["default"];
    let asker = Asker { names };
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    let mut next: u64 = 0;
    let mut last_pass: Vec<Transfer> = Vec::new();
    let mut output = options.output.as_ref().map(|path| {
        let file = std::fs::File::create(path).unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        std::io::BufWriter::with_capacity(1 << 20, file)
    });
    for pass in 0..options.passes {
        for (v, variant) in variants.iter().enumerate() {
            let built = Instant::now();
            let transfers: Vec<Transfer> = (next..next + options.stream).map(|n| stream.transfer(n)).collect();
            let built = built.elapsed().as_secs_f64();
            next += options.stream;
            let mut counts = [0u64; 4];
            let started = Instant::now();
            let cpu_started = thread_cpu_seconds();
            let mut decided = |decision: canhgiac_screen::Decision| {
                counts[decision.decision as usize] += 1;
                if let Some(out) = output.as_mut() {
                    fingerprint_line(&decision, out);
                }
                black_box(&decision);
            };
            if options.one_by_one {
                for transfer in &transfers {
                    decided(screener.screen(transfer, asker, *variant, &mut remarks, transfer.at, String::new()));
                }
            } else {
                screener.screen_many(&transfers, asker, *variant, &mut remarks, |_, decision| decided(decision));
            }
            let elapsed = started.elapsed().as_secs_f64();
            let cpu = thread_cpu_seconds() - cpu_started;
            let rate = transfers.len() as f64 / elapsed;
            rates[v].push(rate);
            println!(
                "pass {} {}: {} transfers in {elapsed:.2} s: {}/s ({:.2} µs each; this thread's CPU time {:.2} µs \
                 each); allow {}, warn {}, hold {}, block {} (built beforehand in {built:.1} s)",
                pass + 1,
                if variant.is_some() { "with the index" } else { "no index      " },
                grouped(transfers.len() as f64),
                grouped(rate),
                1e6 / rate,
                cpu * 1e6 / transfers.len() as f64,
                counts[DecisionKind::Allow as usize],
                counts[DecisionKind::Warn as usize],
                counts[DecisionKind::Hold as usize],
                counts[DecisionKind::Block as usize],
            );
            last_pass = transfers;
        }
    }
    if let Some(mut out) = output.take() {
        std::io::Write::flush(&mut out).expect("the --output file is writable");
    }
    let no_index = median(&mut rates[0]);
    let with_index = if rates.len() > 1 { median(&mut rates[1]) } else { 0.0 };

    // Stages alone, on the last pass's transfers.
    let started = Instant::now();
    let mut reader = RemarkReader::default();
    for transfer in &last_pass {
        black_box(reader.read(&transfer.remark, &transfer.declared_purpose));
    }
    let remark_us = started.elapsed().as_secs_f64() * 1e6 / last_pass.len().max(1) as f64;
    let sample: Vec<Transfer> = (next..next + 100_000).map(|n| stream.transfer(n)).collect();
    let decisions: Vec<_> = sample
        .iter()
        .map(|t| {
            screener.screen(t, asker, index.as_ref(), &mut remarks, t.at, "0194a7c0-0000-7000-8000-000000000000".into())
        })
        .collect();
    let mut codes: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    for decision in &decisions {
        for reason in &decision.reasons {
            *codes.entry(reason.code.as_str()).or_default() += 1;
        }
    }
    let mut codes: Vec<(&str, u64)> = codes.into_iter().collect();
    codes.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    println!(
        "reasons in {} more decisions (with the index when there is one): {}",
        grouped(decisions.len() as f64),
        codes.iter().map(|(code, n)| format!("{code} {n}")).collect::<Vec<_>>().join(", ")
    );
    let started = Instant::now();
    let mut bytes = 0usize;
    for decision in &decisions {
        bytes += black_box(serde_json::to_string(decision).expect("a decision is JSON")).len();
    }
    let json_us = started.elapsed().as_secs_f64() * 1e6 / decisions.len() as f64;
    let no_index_us = 1e6 / no_index;
    println!(
        "stages alone: the remark read (analyzer + pretext phrases) {remark_us:.2} µs per transfer ({:.0} % of the \
         no-index time, {} of {} remarks non-empty); the decision's JSON {json_us:.2} µs ({:.0} bytes on average; \
         HTTP only)",
        remark_us / no_index_us * 100.0,
        grouped(last_pass.iter().filter(|t| !t.remark.trim().is_empty()).count() as f64),
        grouped(last_pass.len() as f64),
        bytes as f64 / decisions.len() as f64
    );
    let behaviour = screener.behaviour();
    println!(
        "after the passes: {} accounts, {} pairs, heap_bytes() {:.1} MiB ({:.0} bytes/account), RSS {:.1} MiB",
        grouped(behaviour.accounts() as f64),
        grouped(behaviour.pairs() as f64),
        mib(behaviour.heap_bytes()),
        behaviour.heap_bytes() as f64 / behaviour.accounts().max(1) as f64,
        mib(proc_status_bytes("VmRSS"))
    );
    println!(
        "REPLAY api={} accounts={accounts} history={} no_index={no_index:.0} with_index={with_index:.0} \
         bytes_per_account={bytes_per_account:.0} rss_per_account={rss_per_account:.0} feed_per_s={:.0} \
         remark_us={remark_us:.2} json_us={json_us:.2}",
        if options.one_by_one { "screen" } else { "screen_many" },
        history.transfers(),
        fed as f64 / seconds
    );
}
