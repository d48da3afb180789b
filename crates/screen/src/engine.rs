//! The screening engine: a transfer in, a decision out, in microseconds and from memory.
//!
//! `Screener::screen` turns a checked transfer into signals (the payee's verdict in the reputation index, the
//! remark read by the message analyzer, the accounts' behaviour windows), runs the rules, maps the score to a
//! level and, through the organisation's policy, to a decision with its reasons and the warning to show the
//! customer; then it records the transfer in the behaviour windows. The rules are swapped whole (`reload`)
//! without stopping screenings in flight.

use crate::behaviour::{AccountKey, Behaviour, RecordedOutcome, Windows, seconds};
use crate::remark::{RemarkFindings, RemarkReader};
use crate::rules::{PolicyMode, RuleSet};
use crate::signals::{Signal, Signals};
use crate::transfer::{Transfer, VIETNAM_OFFSET_SECONDS};
use arc_swap::ArcSwap;
use canhgiac_core::identifier::{BankAccount, Identifier};
use canhgiac_core::verdict::{Reason, VerdictLevel};
use canhgiac_core::{Error, ScamType};
use canhgiac_index::{CheckAnswer, RelatedContact, ReputationIndex, Summary};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What the bank should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Allow,
    Warn,
    Hold,
    Block,
}

impl DecisionKind {
    /// Every decision, mildest first (the order of the variants: `kind as usize` indexes this).
    pub const ALL: [DecisionKind; 4] =
        [DecisionKind::Allow, DecisionKind::Warn, DecisionKind::Hold, DecisionKind::Block];

    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Allow => "allow",
            DecisionKind::Warn => "warn",
            DecisionKind::Hold => "hold",
            DecisionKind::Block => "block",
        }
    }
}

/// One reason of a decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionReason {
    pub code: String,
    pub vi: String,
    pub en: String,
    /// What it added to the score (0 for the details of another reason, such as each pretext a remark names).
    pub weight: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scam_type: Option<ScamType>,
}

/// A rule that fired, with the values it read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FiredRule {
    pub code: String,
    pub weight: i32,
    pub inputs: BTreeMap<&'static str, f64>,
}

/// What the shadow rules would have done.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShadowOutcome {
    pub rules_fired: Vec<FiredRule>,
    pub score: u8,
    pub level: u8,
    pub decision: DecisionKind,
}

/// The payee's standing in the reputation index: the check API's answer when it knows the account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PayeeStanding {
    pub canonical: String,
    pub verdict: VerdictLevel,
    pub score: u8,
    pub reasons: Vec<Reason>,
    pub scam_types: Vec<ScamType>,
    pub related: Vec<RelatedContact>,
}

/// The answer to one screened transfer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub decision_id: String,
    pub transfer_id: String,
    pub decision: DecisionKind,
    /// 0 allow, 1-2 warn, 3 hold (or warn, for a warn-only policy).
    pub level: u8,
    pub score: u8,
    pub reasons: Vec<DecisionReason>,
    /// The scam the warning speaks of, when one stands out.
    pub scam_type: Option<ScamType>,
    pub customer_warning_vi: Option<String>,
    pub customer_warning_en: Option<String>,
    pub payee: PayeeStanding,
    pub rules_fired: Vec<FiredRule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shadow: Option<ShadowOutcome>,
    /// `hold` or `warn_only`.
    pub policy: &'static str,
    pub rules_version: String,
    #[serde(serialize_with = "rfc3339")]
    pub decided_at: i64,
    /// Whether a freeze request goes to the payee's bank (a `hold` or a `block`).
    pub freeze_requested: bool,
}

fn rfc3339<S: Serializer>(at: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    match jiff::Timestamp::from_millisecond(*at) {
        Ok(timestamp) => serializer.serialize_str(&timestamp.to_string()),
        Err(_) => serializer.serialize_none(),
    }
}

impl Decision {
    /// The reason codes joined by `|`, as the replay's CSV writes them.
    pub fn reason_codes(&self) -> String {
        let codes: Vec<&str> = self.reasons.iter().map(|r| r.code.as_str()).collect();
        codes.join("|")
    }
}

/// The verdict scale of rules' signals.
fn verdict_number(level: VerdictLevel) -> f64 {
    match level {
        VerdictLevel::OfficialVerified => -1.0,
        VerdictLevel::NoData => 0.0,
        VerdictLevel::Reported => 1.0,
        VerdictLevel::Suspicious => 2.0,
        VerdictLevel::HighRisk => 3.0,
        VerdictLevel::ConfirmedScam => 4.0,
    }
}

/// Who asks: the organisation's names the rules file may key its policy by (name, id).
#[derive(Debug, Clone, Copy, Default)]
pub struct Asker<'a> {
    pub names: &'a [&'a str],
}

/// The engine. One per process; share it behind an `Arc`.
pub struct Screener {
    rules: ArcSwap<RuleSet>,
    behaviour: Behaviour,
}

impl std::fmt::Debug for Screener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Screener").field("rules_version", &self.rules.load().version).finish()
    }
}

impl Screener {
    pub fn new(rules: RuleSet) -> Screener {
        Screener { rules: ArcSwap::from_pointee(rules), behaviour: Behaviour::new() }
    }

    /// The rules in use.
    pub fn rules(&self) -> Arc<RuleSet> {
        self.rules.load_full()
    }

    /// Checks a rules file and, if it is valid, puts it in use; otherwise the old rules stay.
    pub fn reload(&self, text: &str) -> Result<Arc<RuleSet>, Error> {
        let rules = Arc::new(RuleSet::parse(text)?);
        self.rules.store(rules.clone());
        Ok(rules)
    }

    pub fn behaviour(&self) -> &Behaviour {
        &self.behaviour
    }

    /// Screens one transfer at `now` (Unix ms) and records it in the behaviour windows.
    pub fn screen(
        &self,
        transfer: &Transfer,
        asker: Asker,
        index: Option<&ReputationIndex>,
        remarks: &mut RemarkReader,
        now: i64,
        decision_id: String,
    ) -> Decision {
        let rules = self.rules.load();
        let standing = IndexStanding {
            payee_known: index.and_then(|index| index.lookup(&transfer.payee)).is_some(),
            payer_listed: index.and_then(|index| index.lookup(&transfer.payer)).is_some_and(counts_as_flagged),
        };
        let keys = (AccountKey::of(&transfer.payer), AccountKey::of(&transfer.payee));
        let mut windows = &self.behaviour;
        self.decide(&rules, &mut windows, transfer, keys, standing, asker, index, remarks, now, decision_id)
    }

    /// Screens transfers one after another, each at its own time (`now` is the transfer's time, the decision
    /// id empty: what a replay of past transfers does), and hands each decision to `each`, in order: the same
    /// decisions as [`Screener::screen`] called for each in turn, while the reputation index does not change
    /// (it is read through a snapshot taken every 65,536 transfers).
    ///
    /// Faster, for a replay: transfers go in runs of [`RUN`]. For each run the payees and payers are looked up
    /// in the index together ([`canhgiac_index::IndexSnapshot::lookup_many`]: their memory reads overlap), and
    /// the windows are locked once ([`Behaviour::lock_all`]): a lock operation orders memory, so with a lock
    /// per transfer nothing can be read ahead of it. Then, a few transfers at a time (`GROUP`), the reads the group
    /// needs next (its accounts' event lists, the next group's slots) are started together before the group is
    /// decided ([`crate::behaviour::LockedWindows::warm`]): at millions of accounts each is a cache miss, and
    /// misses in flight together cost about one. `each` runs with the windows locked: it must not screen or
    /// observe through this screener (that would wait for itself); screenings on other threads wait for a run.
    pub fn screen_many<'t>(
        &self,
        transfers: &'t [Transfer],
        asker: Asker,
        index: Option<&ReputationIndex>,
        remarks: &mut RemarkReader,
        mut each: impl FnMut(&'t Transfer, Decision),
    ) {
        let mut keys: Vec<(AccountKey, AccountKey)> = Vec::with_capacity(RUN);
        let mut names: Vec<&'t str> = Vec::with_capacity(RUN);
        let mut payees: Vec<Option<Summary>> = Vec::with_capacity(RUN);
        let mut payers: Vec<Option<Summary>> = Vec::with_capacity(RUN);
        let mut snapshot = None;
        for (number, run) in transfers.chunks(RUN).enumerate() {
            let rules = self.rules.load();
            keys.clear();
            keys.extend(run.iter().map(|t| (AccountKey::of(&t.payer), AccountKey::of(&t.payee))));
            payees.clear();
            payers.clear();
            if let Some(index) = index {
                // A snapshot costs about 135 µs (a reference to each of the index's 4,096 shards): one serves
                // SNAPSHOT_RUNS runs, so that a long replay still sees the index's changes within a fraction of a
                // second.
                if number % SNAPSHOT_RUNS == 0 {
                    snapshot = Some(index.snapshot());
                }
                let snapshot = snapshot.as_ref().expect("taken on the first run");
                names.clear();
                names.extend(run.iter().map(|t| t.payee.as_str()));
                snapshot.lookup_many(&names, &mut payees);
                names.clear();
                names.extend(run.iter().map(|t| t.payer.as_str()));
                snapshot.lookup_many(&names, &mut payers);
            }
            let mut windows = self.behaviour.lock_all();
            for &(payer, payee) in keys.iter().take(GROUP) {
                windows.warm(payer, payee);
            }
            for start in (0..run.len()).step_by(GROUP) {
                let group = start..run.len().min(start + GROUP);
                // This group's event lists (their addresses are in the slots asked for with the previous group,
                // here by now) and the next group's slots: one wait on memory for all of them.
                for &(payer, payee) in &keys[group.clone()] {
                    windows.warm_events(payer, payee);
                }
                for &(payer, payee) in keys.iter().skip(group.end).take(GROUP) {
                    windows.warm(payer, payee);
                }
                for k in group {
                    let transfer = &run[k];
                    let standing = IndexStanding {
                        payee_known: payees.get(k).is_some_and(Option::is_some),
                        payer_listed: payers.get(k).copied().flatten().is_some_and(counts_as_flagged),
                    };
                    let decision = self.decide(
                        &rules,
                        &mut windows,
                        transfer,
                        keys[k],
                        standing,
                        asker,
                        index,
                        remarks,
                        transfer.at,
                        String::new(),
                    );
                    each(transfer, decision);
                }
            }
        }
    }

    /// The decision, through either way to the windows.
    #[allow(clippy::too_many_arguments)]
    fn decide(
        &self,
        rules: &RuleSet,
        windows: &mut impl Windows,
        transfer: &Transfer,
        (payer_key, payee_key): (AccountKey, AccountKey),
        standing: IndexStanding,
        asker: Asker,
        index: Option<&ReputationIndex>,
        remarks: &mut RemarkReader,
        now: i64,
        decision_id: String,
    ) -> Decision {
        let at = seconds(transfer.at);
        let payee_answer = match index {
            Some(index) if standing.payee_known => payee_answer(index, &transfer.payee, now),
            _ => None,
        };
        let payer_listed = standing.payer_listed;
        let remark = remarks.findings(&transfer.remark, &transfer.declared_purpose);

        let mut signals = Signals::default();
        signals.set(Signal::Amount, transfer.amount as f64);
        signals.set(Signal::Channel, transfer.channel.map_or(0.0, |c| c.position() as f64));
        let hour = ((i64::from(at) + VIETNAM_OFFSET_SECONDS).rem_euclid(86_400) / 3600) as f64;
        signals.set(Signal::Hour, hour);
        signals.set_bool(Signal::Night, !(5.0..23.0).contains(&hour));
        let amount = transfer.amount;
        signals.set_bool(
            Signal::JustUnderBiometric,
            (9_000_000..10_000_000).contains(&amount) || (18_000_000..20_000_000).contains(&amount),
        );
        signals.set(
            Signal::PayerAgeDays,
            transfer.payer_customer_since.map_or(-1.0, |since| ((transfer.at - since).max(0) / 86_400_000) as f64),
        );
        signals.set_bool(Signal::PayerNewDevice, transfer.payer_new_device == Some(true));
        signals.set_bool(Signal::PayerBiometricPassed, transfer.payer_biometric_passed == Some(true));
        if let Some(answer) = &payee_answer {
            signals.set(Signal::PayeeVerdict, verdict_number(answer.verdict));
            signals.set(Signal::PayeeScore, f64::from(answer.score));
            signals.set(Signal::PayeeReports, f64::from(answer.counts.reports));
            let related = answer
                .related
                .iter()
                .filter(|r| r.verdict != VerdictLevel::OfficialVerified)
                .map(|r| verdict_number(r.verdict))
                .fold(0.0, f64::max);
            signals.set(Signal::PayeeRelatedVerdict, related);
        }
        signals.set(Signal::RemarkScamProbability, f64::from(remark.scam_probability));
        signals.set_bool(Signal::RemarkPhrase, !remark.codes.is_empty());
        signals.set(Signal::RemarkRedFlags, remark.red_flags.len() as f64);

        let policy = rules.policy(asker.names);
        let decide = |level: u8, blocked: bool| -> DecisionKind {
            match (level, policy.mode) {
                (0, _) => DecisionKind::Allow,
                (_, PolicyMode::WarnOnly) => DecisionKind::Warn,
                (3, PolicyMode::Hold) if blocked => DecisionKind::Block,
                (3, PolicyMode::Hold) => DecisionKind::Hold,
                _ => DecisionKind::Warn,
            }
        };
        // The windows are read, the rules run and the transfer is recorded in one visit to the two accounts.
        let (evaluation, level, decision, blocked) =
            windows.transfer(payer_key, payee_key, at, transfer.amount, payer_listed, |payee, payer| {
                signals.set(Signal::PayerDailyTotal, payer.sent_24h + amount as f64);
                signals.set_bool(Signal::PayerFlagged, payer.flagged);
                signals.set_bool(Signal::PayeeKnown, payee.known);
                signals.set(Signal::PayeeAgeDays, payee.age_days);
                signals.set_bool(Signal::PayeeFlagged, payee.flagged);
                signals.set(Signal::PayeeDaysSinceFlagged, payee.days_since_flagged);
                signals.set(Signal::PayeeDaysSinceFedFlagged, payee.days_since_fed_flagged);
                signals.set(Signal::PayeeDaysSinceWarned, payee.days_since_warned);
                signals.set(Signal::PayeeDistinctPayers1h, f64::from(payee.distinct_payers_1h));
                signals.set(Signal::PayeeDistinctPayers24h, f64::from(payee.distinct_payers_24h));
                signals.set(Signal::PayeeInbound24h, f64::from(payee.inbound_24h));
                signals.set(Signal::PayeeInboundAmount24h, payee.inbound_amount_24h);
                signals.set(Signal::PayeeOutbound24h, f64::from(payee.outbound_24h));
                signals.set(Signal::PayeeDistinctPayees24h, f64::from(payee.distinct_payees_24h));
                signals.set(Signal::PayeePassThrough, payee.pass_through);
                signals.set(Signal::PayeeReceivedFromFlagged, f64::from(payee.received_from_flagged));
                signals.set(Signal::PayeeSentToFlagged, f64::from(payee.sent_to_flagged));
                signals.set_bool(Signal::PairFirst, payee.pair_first);
                signals.set(Signal::PairCount24h, f64::from(payee.pair_count_24h));
                let evaluation = rules.evaluate(&signals);
                let level = rules.level(evaluation.score);
                let blocked = policy.block_when.as_ref().is_some_and(|condition| condition.holds(&signals));
                let decision = decide(level, blocked);
                // Only strong evidence of the payee's own (level 2 and up without the rules that read other
                // accounts' flags) flags it: flags must not spread from account to account.
                let flag_payee = rules.level(evaluation.own_score) >= 2;
                let outcome = RecordedOutcome { warned: decision >= DecisionKind::Warn, flag_payee };
                ((evaluation, level, decision, blocked), outcome)
            });

        let fired = |positions: &[usize]| -> Vec<FiredRule> {
            positions
                .iter()
                .map(|&p| {
                    let rule = &rules.rules[p];
                    FiredRule {
                        code: rule.code.clone(),
                        weight: rule.weight,
                        inputs: rule.condition.inputs().iter().map(|s| (s.name(), signals.get(*s))).collect(),
                    }
                })
                .collect()
        };
        let mut reasons: Vec<DecisionReason> = evaluation
            .fired
            .iter()
            .map(|&p| {
                let rule = &rules.rules[p];
                DecisionReason {
                    code: rule.code.clone(),
                    vi: rule.vi.render(&signals, true),
                    en: rule.en.render(&signals, false),
                    weight: rule.weight,
                    scam_type: rule.scam_type,
                }
            })
            .collect();
        if evaluation.fired.iter().any(|&p| rules.rules[p].code.starts_with("remark_")) {
            add_remark_reasons(&mut reasons, remark);
        }
        reasons.sort_by_key(|reason| std::cmp::Reverse(reason.weight));
        let scam_type = leading_scam_type(&reasons, payee_answer.as_ref());
        let (customer_warning_vi, customer_warning_en) = customer_warnings(decision, level, scam_type, &reasons);
        let shadow = (!evaluation.shadow_fired.is_empty()).then(|| {
            let shadow_level = rules.level(evaluation.shadow_score);
            ShadowOutcome {
                rules_fired: fired(&evaluation.shadow_fired),
                score: evaluation.shadow_score,
                level: shadow_level,
                decision: decide(shadow_level, blocked),
            }
        });
        let payee = match payee_answer {
            Some(answer) => PayeeStanding {
                canonical: answer.canonical,
                verdict: answer.verdict,
                score: answer.score,
                reasons: answer.reasons,
                scam_types: answer.scam_types,
                related: answer.related,
            },
            None => PayeeStanding {
                canonical: transfer.payee.clone(),
                verdict: VerdictLevel::NoData,
                score: 0,
                reasons: Vec::new(),
                scam_types: Vec::new(),
                related: Vec::new(),
            },
        };
        Decision {
            decision_id,
            transfer_id: transfer.id.clone(),
            decision,
            level,
            score: evaluation.score,
            reasons,
            scam_type,
            customer_warning_vi,
            customer_warning_en,
            payee,
            rules_fired: fired(&evaluation.fired),
            shadow,
            policy: match policy.mode {
                PolicyMode::Hold => "hold",
                PolicyMode::WarnOnly => "warn_only",
            },
            rules_version: rules.version.clone(),
            decided_at: now,
            freeze_requested: decision >= DecisionKind::Hold,
        }
    }

    /// Records a transfer a bank reports after the fact (a feed): the windows learn from it, nothing is decided.
    pub fn observe(&self, payer: &str, payee: &str, at: i64, amount: u64, index: Option<&ReputationIndex>) {
        let payer_listed = index.and_then(|index| index.lookup(payer)).is_some_and(counts_as_flagged);
        self.behaviour.transfer(
            AccountKey::of(payer),
            AccountKey::of(payee),
            seconds(at),
            amount,
            payer_listed,
            |_, _| ((), RecordedOutcome::default()),
        );
    }

    /// Flags an account confirmed as fraud: transfers into it and from it count as flagged from now on.
    pub fn confirm_fraud(&self, account: &str, at: i64) {
        self.behaviour.flag(AccountKey::of(account), seconds(at));
    }
}

/// Transfers [`Screener::screen_many`] takes at a time: long enough that locking every shard and taking the
/// index's snapshot cost little per transfer (tens of nanoseconds), short enough that other threads wait a
/// fraction of a millisecond.
pub const RUN: usize = 1024;

/// Runs of [`Screener::screen_many`] that read the reputation index through one snapshot of it.
const SNAPSHOT_RUNS: usize = 64;

/// Transfers whose memory reads [`Screener::screen_many`] starts together. The reads must be started back to
/// back: a read the processor is waiting for holds up everything after it once a few hundred instructions are
/// waiting (safe Rust has no prefetch instruction, which would not), so reads started a transfer or more ahead
/// are paid for where they are started. Measured at 1M accounts (bench/RESULTS.md, issue 6).
const GROUP: usize = 8;

/// What the reputation index says of a transfer's two accounts, as far as the signals need before deciding.
#[derive(Debug, Clone, Copy)]
struct IndexStanding {
    /// The index knows the payee (its full answer is then read).
    payee_known: bool,
    /// The index rates the payer suspicious or worse: it counts as flagged.
    payer_listed: bool,
}

/// An account the index rates suspicious or worse counts as flagged.
fn counts_as_flagged(summary: Summary) -> bool {
    summary.level >= VerdictLevel::Suspicious && summary.level != VerdictLevel::OfficialVerified
}

/// The payee's full answer from the index, which knows it.
fn payee_answer(index: &ReputationIndex, payee: &str, now: i64) -> Option<CheckAnswer> {
    let account = BankAccount::parse(payee).ok()?;
    Some(index.check(&Identifier::BankAccount(account), now))
}

/// The pretexts the remark names, each as a reason of its own (for a decision a remark rule fired in).
fn add_remark_reasons(reasons: &mut Vec<DecisionReason>, remark: &RemarkFindings) {
    for code in &remark.codes {
        reasons.push(DecisionReason {
            code: code.code.to_string(),
            vi: code.vi.to_string(),
            en: code.en.to_string(),
            weight: 0,
            scam_type: code.scam_type,
        });
    }
}

/// The scam type with the most weight behind it: the reasons' own, then the payee's reported types.
fn leading_scam_type(reasons: &[DecisionReason], payee: Option<&CheckAnswer>) -> Option<ScamType> {
    let mut weights: BTreeMap<ScamType, i32> = BTreeMap::new();
    for reason in reasons {
        if let Some(scam_type) = reason.scam_type {
            *weights.entry(scam_type).or_default() += reason.weight.max(1);
        }
    }
    if let Some(answer) = payee {
        let payee_weight = reasons.iter().filter(|r| r.code.starts_with("payee_")).map(|r| r.weight).max().unwrap_or(0);
        for scam_type in &answer.scam_types {
            *weights.entry(*scam_type).or_default() += payee_weight.max(1);
        }
    }
    weights.into_iter().filter(|(t, _)| *t != ScamType::Other).max_by_key(|(_, w)| *w).map(|(t, _)| t)
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The texts the bank shows its customer, Vietnamese first.
fn customer_warnings(
    decision: DecisionKind,
    level: u8,
    scam_type: Option<ScamType>,
    reasons: &[DecisionReason],
) -> (Option<String>, Option<String>) {
    if decision == DecisionKind::Allow {
        return (None, None);
    }
    let (sign_vi, sign_en) = match scam_type {
        Some(t) => (
            format!("Tài khoản nhận có dấu hiệu liên quan đến lừa đảo {}.", lowercase_first(t.name_vi())),
            format!("The receiving account shows signs of a scam: {}.", lowercase_first(t.name_en())),
        ),
        None => (
            "Tài khoản nhận có dấu hiệu liên quan đến lừa đảo.".to_string(),
            "The receiving account shows signs of a scam.".to_string(),
        ),
    };
    let (why_vi, why_en) = match reasons.first() {
        Some(top) => (format!(" {}.", top.vi.trim_end_matches('.')), format!(" {}.", top.en.trim_end_matches('.'))),
        None => (String::new(), String::new()),
    };
    let (vi, en) = match decision {
        DecisionKind::Block => (
            format!(
                "Giao dịch đã bị chặn để bảo vệ bạn. {sign_vi}{why_vi} Đừng chuyển tiền cho tài khoản này bằng bất kỳ cách nào; nếu có người hướng dẫn bạn chuyển, hãy gọi 113 hoặc tổng đài ngân hàng."
            ),
            format!(
                "This transfer has been blocked to protect you. {sign_en}{why_en} Do not pay this account by any other way; if someone is telling you to, call 113 or your bank's hotline."
            ),
        ),
        DecisionKind::Hold => (
            format!(
                "Giao dịch đang được tạm giữ để bảo vệ bạn. {sign_vi}{why_vi} Ngân hàng sẽ liên hệ với bạn qua tổng đài chính thức; đừng làm theo hướng dẫn của người lạ qua điện thoại."
            ),
            format!(
                "This transfer is on hold to protect you. {sign_en}{why_en} Your bank will contact you through its official hotline; do not follow a stranger's instructions on the phone."
            ),
        ),
        _ if level >= 2 => (
            format!(
                "Cảnh báo: {sign_vi}{why_vi} Nếu có người đang hướng dẫn bạn chuyển tiền qua điện thoại hay mạng xã hội, hãy dừng lại: công an và ngân hàng không bao giờ yêu cầu chuyển tiền như vậy."
            ),
            format!(
                "Warning: {sign_en}{why_en} If someone is guiding you through this transfer by phone or chat, stop: the police and banks never ask for money this way."
            ),
        ),
        _ => (
            format!("Lưu ý: {sign_vi}{why_vi} Hãy kiểm tra kỹ người nhận trước khi chuyển."),
            format!("Take care: {sign_en}{why_en} Check who you are paying before you continue."),
        ),
    };
    (Some(vi), Some(en))
}
