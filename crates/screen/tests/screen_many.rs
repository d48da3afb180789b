//! `Screener::screen_many` (the replay's way: runs of transfers under the windows' locks, their memory reads
//! started ahead) decides exactly as `Screener::screen` called for each transfer in turn: a generated stream
//! that reaches most rules (split transfers to mules, fan-in, money passed on, pretexts in remarks, nights,
//! amounts just under the biometric threshold, payees and payers the reputation index lists, a confirmed fraud,
//! flags and the accounts that fed them) is screened both ways on two fresh screeners, with and without an
//! index, and every decision is compared whole.

use canhgiac_core::access::OrganisationKind;
use canhgiac_core::identifier::IdentifierKind;
use canhgiac_core::verdict::{ContactRecord, ContactSignals, ListingSignal};
use canhgiac_core::{ScamType, trust::trust_directory};
use canhgiac_index::ReputationIndex;
use canhgiac_screen::remark::RemarkReader;
use canhgiac_screen::transfer::{TransferChannel, canonical_account};
use canhgiac_screen::{Asker, Decision, DecisionKind, RuleSet, Screener, Transfer};
use std::sync::Arc;

const START_MS: i64 = 1_796_004_900_000;
const DAY_MS: i64 = 86_400_000;
const ACCOUNTS: u64 = 300;
const MULES: u64 = 6;
const LISTED: u64 = 6;

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Account `i`: regular accounts first, then the mules, then the accounts the index lists.
fn account(i: u64) -> (String, String) {
    let bank = ["970436", "970418", "970422"][(i % 3) as usize];
    let number = format!("86{i:010}");
    let (canonical, bin) = canonical_account(bank, &number, "payee").expect("a valid account");
    (canonical, bin)
}

fn index() -> ReputationIndex {
    let records = (0..LISTED).map(|k| {
        let mut signals = ContactSignals::default();
        signals.listings.push(ListingSignal {
            organisation: "Vietcombank".to_owned(),
            organisation_kind: OrganisationKind::Bank,
            trust_level: 60 + 8 * k as u8,
            listed_at: START_MS - (1 + k as i64) * DAY_MS,
            expires_at: None,
            scam_type: ScamType::ALL[k as usize % ScamType::ALL.len()],
        });
        let (canonical, _) = account(ACCOUNTS + MULES + k);
        ContactRecord { kind: IdentifierKind::BankAccount, canonical, signals, related: Vec::new() }
    });
    ReputationIndex::build(Arc::new(trust_directory().clone()), records, START_MS)
}

fn stream(count: u64) -> Vec<Transfer> {
    let remarks = ["", "", "chuyen tien", "NGUYEN VAN AN chuyen tien", "tien an trua", "CK"];
    let pretexts = ["phi xac minh ho so vay", "nop tien bao lanh tai ngoai cho con", "phi giai ngan khoan vay 50tr"];
    let mut at = START_MS;
    (0..count)
        .map(|n| {
            let r = mix(n);
            // Mostly daytime traffic, now and then a jump into the night, a few seconds to minutes apart.
            at += 1_000 + (r % 90_000) as i64 + if r.is_multiple_of(97) { 5 * 3_600_000 } else { 0 };
            let mut payer = (r >> 8) % ACCOUNTS;
            let (payee, amount, remark) = match r % 100 {
                // Split transfers into a mule from a few payers, small amounts.
                0..=7 => (ACCOUNTS + (r >> 20) % MULES, 200_000 + (r >> 24) % 2_000_000, ""),
                // A mule passes money on.
                8..=10 => {
                    payer = ACCOUNTS + (r >> 20) % MULES;
                    ((r >> 28) % ACCOUNTS, 1_000_000 + (r >> 32) % 20_000_000, "")
                }
                // Pretexts to a mule.
                11 | 12 => {
                    (ACCOUNTS + (r >> 20) % MULES, 5_000_000 + (r >> 24) % 50_000_000, pretexts[(r >> 40) as usize % 3])
                }
                // The listed accounts, as payees and as payers.
                13..=15 => (ACCOUNTS + MULES + (r >> 20) % LISTED, 500_000 + (r >> 24) % 9_000_000, ""),
                16 => {
                    payer = ACCOUNTS + MULES + (r >> 20) % LISTED;
                    ((r >> 28) % ACCOUNTS, 300_000 + (r >> 32) % 3_000_000, "")
                }
                // Just under the biometric threshold, and large amounts.
                17 | 18 => ((r >> 28) % ACCOUNTS, 9_000_000 + (r >> 32) % 1_000_000, "chuyen tien"),
                19 => ((r >> 28) % ACCOUNTS, 60_000_000 + (r >> 32) % 400_000_000, ""),
                _ => {
                    ((r >> 28) % ACCOUNTS, 20_000 + (r >> 32) % 5_000_000, remarks[(r >> 44) as usize % remarks.len()])
                }
            };
            let split_payer = if r % 100 <= 7 { (r >> 50) % 4 } else { payer };
            let (payer, _) = account(split_payer);
            let (payee, payee_bin) = account(payee);
            Transfer {
                id: format!("T{n:06}"),
                at,
                amount: amount / 1000 * 1000 + 1000,
                channel: Some(if r.is_multiple_of(5) { TransferChannel::Qr } else { TransferChannel::Mobile }),
                payer,
                payer_customer_since: r.is_multiple_of(3).then_some(START_MS - (r % 2000) as i64 * DAY_MS),
                payer_new_device: Some(r.is_multiple_of(11)),
                payer_biometric_passed: Some(r.is_multiple_of(7)),
                payee,
                payee_bin,
                payee_name: Some("NGUYEN VAN B".to_owned()),
                remark: remark.to_owned(),
                declared_purpose: if r.is_multiple_of(53) {
                    "đóng phạt vi phạm giao thông".to_owned()
                } else {
                    String::new()
                },
            }
        })
        .collect()
}

/// The stream in two halves, a bank confirming a mule's fraud between them, one way or the other.
fn screen_all(transfers: &[Transfer], index: Option<&ReputationIndex>, many: bool) -> (Vec<Decision>, usize, usize) {
    let screener = Screener::new(RuleSet::shipped());
    // Some history first, as banks' feeds give it.
    for k in 0..400 {
        let (payer, _) = account(mix(k ^ 0xfeed) % ACCOUNTS);
        let (payee, _) = account(mix(k ^ 0xbeef) % (ACCOUNTS + MULES));
        screener.observe(&payer, &payee, START_MS - DAY_MS + k as i64 * 60_000, 1_000_000, index);
    }
    let mut remarks = RemarkReader::default();
    let asker = Asker { names: &["Ngân hàng thử"] };
    let mut decisions = Vec::with_capacity(transfers.len());
    let (first, second) = transfers.split_at(transfers.len() / 2);
    for (half, part) in [first, second].into_iter().enumerate() {
        if half == 1 {
            screener.confirm_fraud(&account(ACCOUNTS + 1).0, part[0].at);
        }
        if many {
            screener.screen_many(part, asker, index, &mut remarks, |_, decision| decisions.push(decision));
        } else {
            for transfer in part {
                decisions.push(screener.screen(transfer, asker, index, &mut remarks, transfer.at, String::new()));
            }
        }
    }
    (decisions, screener.behaviour().accounts(), screener.behaviour().pairs())
}

#[test]
fn screen_many_decides_as_screen_does() {
    // Longer than a run of `screen_many`, and not a multiple of its groups.
    let transfers = stream(9_001);
    let index = index();
    for index in [None, Some(&index)] {
        let (one_by_one, accounts, pairs) = screen_all(&transfers, index, false);
        let (many, many_accounts, many_pairs) = screen_all(&transfers, index, true);
        assert_eq!(one_by_one.len(), transfers.len());
        assert_eq!(many.len(), transfers.len());
        for (a, b) in one_by_one.iter().zip(&many) {
            assert_eq!(a, b, "transfer {}", a.transfer_id);
        }
        assert_eq!((accounts, pairs), (many_accounts, many_pairs));

        // The stream reaches what it is meant to: every decision kind but block, the flags and their rules,
        // the remark rules, and with the index the payee's standing and the listed payer.
        let fired = |code: &str| one_by_one.iter().filter(|d| d.rules_fired.iter().any(|r| r.code == code)).count();
        for kind in [DecisionKind::Allow, DecisionKind::Warn, DecisionKind::Hold] {
            assert!(one_by_one.iter().any(|d| d.decision == kind), "no {kind:?}");
        }
        for code in [
            "split_transfers",
            "pass_through",
            "remark_scam_pretext",
            "just_under_biometric",
            "payee_flagged_before",
            "payer_flagged",
            "night_first_transfer",
        ] {
            assert!(fired(code) > 0, "{code} never fired (index: {})", index.is_some());
        }
        if index.is_some() {
            assert!(one_by_one.iter().any(|d| d.payee.score > 0), "no payee the index knows");
        }
    }
}
