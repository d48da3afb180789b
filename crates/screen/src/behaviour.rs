//! What each account has been doing: kept in memory over sliding windows, fed by every screened transfer and
//! by the transfer feeds banks post.
//!
//! Accounts are keyed by a 64-bit hash of their canonical form (two accounts would need to collide in 64 bits
//! to be mixed up: about one chance in 10^5 at 10 million accounts) and spread over shards, each behind its
//! own lock, so that concurrent screenings rarely wait on each other. A transfer locks the payer's and the
//! payee's shards once, reads both accounts, lets the caller decide, and records the transfer, all in one
//! visit: at millions of accounts each visit is a few cache misses, which is what a screening costs.
//!
//! Each account keeps its transfers of the last 24 hours in one list, in time order (at most
//! [`MAX_EVENTS`] each way; a busier account keeps its latest), and a few times and counters. Flags last
//! [`FLAG_DAYS`] (90); the counts of transfers to and from flagged accounts run over 90-day periods; the pairs (payer,
//! payee) seen are remembered for 90 to 180 days (two generations of a set), for "first transfer to this payee".

use parking_lot::{Mutex, MutexGuard};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

pub const DAY_SECONDS: u32 = 24 * 3600;
pub const HOUR_SECONDS: u32 = 3600;
/// Money counts as passed through when it leaves within this long after money came in.
pub const PASS_THROUGH_SECONDS: u32 = 30 * 60;
/// Events kept per direction per account: enough to count a busy mule's distinct payers, bounded so that a
/// merchant's thousands of daily payments cost neither memory nor time.
pub const MAX_EVENTS: usize = 256;
/// How long a flag lasts: a mule account is usually emptied and dropped within weeks, and a flag that never
/// expired would spread warnings over a growing share of accounts. Longer-lived judgements belong to the
/// reputation index (a confirmed fraud is listed there).
pub const FLAG_DAYS: u32 = 90;
/// The period over which transfers to and from flagged accounts are counted.
const COUNTER_PERIOD_SECONDS: u32 = 90 * DAY_SECONDS;
/// The pairs set starts a new generation this often; the previous one is kept, the one before dropped.
const PAIR_GENERATION_SECONDS: u32 = 90 * DAY_SECONDS;
const SHARDS: usize = 256;
/// The top bit of an event's amount says it went out.
const OUTBOUND: u32 = 1 << 31;

/// An account's key: a 64-bit hash of its canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountKey(pub u64);

impl AccountKey {
    /// FNV-1a then a 64-bit finaliser (splitmix): stable across runs and builds, so replays are reproducible.
    pub fn of(canonical: &str) -> AccountKey {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in canonical.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        hash ^= hash >> 30;
        hash = hash.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        hash ^= hash >> 27;
        hash = hash.wrapping_mul(0x94d0_49bb_1331_11eb);
        AccountKey(hash ^ (hash >> 31))
    }

    fn shard(self) -> usize {
        (self.0 >> 56) as usize % SHARDS
    }

    fn pair(payer: AccountKey, payee: AccountKey) -> u64 {
        payer.0.rotate_left(17) ^ payee.0.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }
}

/// The keys are hashes already: hashing them again would only cost time.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 << 8) | u64::from(*byte);
        }
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

type KeyBuild = BuildHasherDefault<KeyHasher>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Event {
    /// Unix seconds.
    at: u32,
    /// Thousands of đồng (saturating at 2^31 - 1), and [`OUTBOUND`] for money that left.
    amount: u32,
    other: AccountKey,
}

impl Event {
    fn outbound(&self) -> bool {
        self.amount & OUTBOUND != 0
    }

    fn dong(&self) -> f64 {
        f64::from(self.amount & !OUTBOUND) * 1000.0
    }
}

#[derive(Debug, Default)]
struct Account {
    first_seen: u32,
    /// Unix seconds when it was last flagged; 0 when never.
    flagged_at: u32,
    /// Unix seconds of the last transfer to a flagged account; 0 when never.
    fed_flagged_at: u32,
    /// Unix seconds of the last transfer into it that was warned about (or worse); 0 when never.
    warned_at: u32,
    /// Start of the period `received_from_flagged` and `sent_to_flagged` count over.
    counters_since: u32,
    received_from_flagged: u16,
    sent_to_flagged: u16,
    /// Both directions, in time order.
    events: Vec<Event>,
}

impl Account {
    fn new(at: u32) -> Self {
        Account { first_seen: at, counters_since: at, ..Account::default() }
    }

    /// Drops what fell out of the day's window, and starts a new counting period when one is over.
    fn age(&mut self, now: u32) {
        let horizon = now.saturating_sub(DAY_SECONDS);
        let stale = self.events.iter().take_while(|e| e.at < horizon).count();
        if stale > 0 {
            self.events.drain(..stale);
        }
        if now.saturating_sub(self.counters_since) > COUNTER_PERIOD_SECONDS {
            self.counters_since = now;
            self.received_from_flagged = 0;
            self.sent_to_flagged = 0;
        }
    }

    fn flagged(&self, now: u32) -> bool {
        self.flagged_at != 0 && now.saturating_sub(self.flagged_at) <= FLAG_DAYS * DAY_SECONDS
    }

    fn push(&mut self, event: Event) {
        let outbound = event.outbound();
        if self.events.iter().filter(|e| e.outbound() == outbound).count() >= MAX_EVENTS
            && let Some(oldest) = self.events.iter().position(|e| e.outbound() == outbound)
        {
            self.events.remove(oldest);
        }
        // Transfers come nearly in time order; one that comes late is put in its place so windows stay sorted.
        let position = self.events.iter().rposition(|e| e.at <= event.at).map_or(0, |p| p + 1);
        self.events.insert(position, event);
    }

    fn payer_view(&self, now: u32) -> PayerView {
        PayerView {
            flagged: self.flagged(now),
            sent_24h: self.events.iter().filter(|e| e.outbound()).map(Event::dong).sum(),
        }
    }

    fn payee_view(&self, payer: AccountKey, now: u32, pair_first: bool) -> PayeeView {
        let hour_ago = now.saturating_sub(HOUR_SECONDS);
        let mut inbound_amount = 0.0;
        let (mut inbound, mut outbound, mut pair_count) = (0u32, 0u32, 0u32);
        // Money out within PASS_THROUGH_SECONDS of money in: one walk over the time-ordered list.
        let mut passed = 0.0;
        let mut latest_in: Option<u32> = None;
        for event in &self.events {
            if event.outbound() {
                outbound += 1;
                if latest_in.is_some_and(|at| event.at - at <= PASS_THROUGH_SECONDS) {
                    passed += event.dong();
                }
            } else {
                inbound += 1;
                inbound_amount += event.dong();
                latest_in = Some(event.at);
                if event.other == payer {
                    pair_count += 1;
                }
            }
        }
        PayeeView {
            known: true,
            age_days: f64::from(now.saturating_sub(self.first_seen)) / f64::from(DAY_SECONDS),
            flagged: self.flagged(now),
            days_since_flagged: days_since(self.flagged_at, now),
            days_since_fed_flagged: days_since(self.fed_flagged_at, now),
            days_since_warned: days_since(self.warned_at, now),
            distinct_payers_1h: distinct(self.events.iter().filter(|e| !e.outbound() && e.at >= hour_ago)),
            distinct_payers_24h: distinct(self.events.iter().filter(|e| !e.outbound())),
            inbound_24h: inbound,
            inbound_amount_24h: inbound_amount,
            outbound_24h: outbound,
            distinct_payees_24h: distinct(self.events.iter().filter(|e| e.outbound())),
            pass_through: if inbound_amount > 0.0 { (passed / inbound_amount).min(1.0) } else { 0.0 },
            received_from_flagged: u32::from(self.received_from_flagged),
            sent_to_flagged: u32::from(self.sent_to_flagged),
            pair_first,
            pair_count_24h: pair_count,
        }
    }
}

/// Days from `since` (Unix seconds, 0 for never) to `now`; -1 for never.
fn days_since(since: u32, now: u32) -> f64 {
    if since == 0 { -1.0 } else { f64::from(now.saturating_sub(since)) / f64::from(DAY_SECONDS) }
}

/// Distinct counterparts among at most [`MAX_EVENTS`] events, on the stack: this runs for every transfer.
fn distinct<'a>(events: impl Iterator<Item = &'a Event>) -> u32 {
    let mut buffer = [0u64; MAX_EVENTS];
    let mut length = 0;
    for event in events.take(MAX_EVENTS) {
        buffer[length] = event.other.0;
        length += 1;
    }
    let keys = &mut buffer[..length];
    keys.sort_unstable();
    let mut count = 0;
    for i in 0..keys.len() {
        if i == 0 || keys[i] != keys[i - 1] {
            count += 1;
        }
    }
    count
}

#[derive(Default)]
struct Shard {
    accounts: HashMap<u64, Account, KeyBuild>,
    /// This generation's pairs and the previous one's.
    pairs: [HashSet<u64, KeyBuild>; 2],
    generation_started: u32,
}

impl Shard {
    /// Whether the pair is new (not seen in this generation or the last), remembering it.
    fn first_pair(&mut self, pair: u64, now: u32) -> bool {
        if self.generation_started == 0 {
            self.generation_started = now;
        } else {
            let elapsed = now.saturating_sub(self.generation_started);
            if elapsed > 2 * PAIR_GENERATION_SECONDS {
                self.pairs = Default::default();
                self.generation_started = now;
            } else if elapsed > PAIR_GENERATION_SECONDS {
                self.pairs[1] = std::mem::take(&mut self.pairs[0]);
                self.generation_started = now;
            }
        }
        self.pairs[0].insert(pair) && !self.pairs[1].contains(&pair)
    }
}

/// What the engine reads about a payee (and the pair) before deciding.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PayeeView {
    pub known: bool,
    pub age_days: f64,
    pub flagged: bool,
    /// -1 when never.
    pub days_since_flagged: f64,
    /// -1 when never.
    pub days_since_fed_flagged: f64,
    /// -1 when never.
    pub days_since_warned: f64,
    pub distinct_payers_1h: u32,
    pub distinct_payers_24h: u32,
    pub inbound_24h: u32,
    pub inbound_amount_24h: f64,
    pub outbound_24h: u32,
    pub distinct_payees_24h: u32,
    pub pass_through: f64,
    pub received_from_flagged: u32,
    pub sent_to_flagged: u32,
    pub pair_first: bool,
    pub pair_count_24h: u32,
}

impl PayeeView {
    fn unknown(pair_first: bool) -> PayeeView {
        PayeeView {
            pair_first,
            days_since_flagged: -1.0,
            days_since_fed_flagged: -1.0,
            days_since_warned: -1.0,
            ..PayeeView::default()
        }
    }
}

/// What the engine reads about a payer.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PayerView {
    /// Flagged in the last [`FLAG_DAYS`], or listed (the caller says so).
    pub flagged: bool,
    /// Đồng sent in the last 24 hours, before this transfer.
    pub sent_24h: f64,
}

/// What was decided about a transfer, for the windows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordedOutcome {
    /// The transfer was warned about, held or blocked.
    pub warned: bool,
    /// The evidence was strong enough to flag the payee: others' transfers to and from it become signals.
    pub flag_payee: bool,
}

/// Every account's recent behaviour.
pub struct Behaviour {
    shards: Box<[Mutex<Shard>]>,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour::new()
    }
}

impl std::fmt::Debug for Behaviour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Behaviour").field("accounts", &self.accounts()).finish()
    }
}

/// Seconds since the Unix epoch as the windows count them (u32 lasts until 2106).
pub fn seconds(at_ms: i64) -> u32 {
    (at_ms.div_euclid(1000)).clamp(0, i64::from(u32::MAX)) as u32
}

/// The payer's and the payee's shards, locked in a fixed order (one lock when they share a shard).
enum Locked<'a> {
    One(MutexGuard<'a, Shard>),
    Two { payer: MutexGuard<'a, Shard>, payee: MutexGuard<'a, Shard> },
}

impl Behaviour {
    pub fn new() -> Self {
        Behaviour { shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect() }
    }

    fn shard(&self, key: AccountKey) -> MutexGuard<'_, Shard> {
        self.shards[key.shard()].lock()
    }

    fn lock_both(&self, payer: AccountKey, payee: AccountKey) -> Locked<'_> {
        let (a, b) = (payer.shard(), payee.shard());
        if a == b {
            return Locked::One(self.shards[a].lock());
        }
        // Always the lower shard first: two transfers in opposite directions cannot deadlock.
        if a < b {
            let payer = self.shards[a].lock();
            Locked::Two { payer, payee: self.shards[b].lock() }
        } else {
            let payee = self.shards[b].lock();
            Locked::Two { payer: self.shards[a].lock(), payee }
        }
    }

    /// One transfer: reads the payee's and the payer's windows at `at` (Unix seconds), lets `decide` choose
    /// from them (it runs under the two accounts' locks: keep it short), and records the transfer with what was
    /// decided. `payer_listed`: the reputation index counts the payer as flagged.
    pub fn transfer<R>(
        &self,
        payer: AccountKey,
        payee: AccountKey,
        at: u32,
        amount: u64,
        payer_listed: bool,
        decide: impl FnOnce(&PayeeView, &PayerView) -> (R, RecordedOutcome),
    ) -> R {
        let amount_thousands = u32::try_from(amount / 1000).unwrap_or(u32::MAX).min(OUTBOUND - 1);
        let mut locked = self.lock_both(payer, payee);
        let (payee_shard, payer_shard): (&mut Shard, Option<&mut Shard>) = match &mut locked {
            Locked::One(shard) => (&mut **shard, None),
            Locked::Two { payer, payee } => (&mut **payee, Some(&mut **payer)),
        };
        let pair_first = payee_shard.first_pair(AccountKey::pair(payer, payee), at);
        let payee_known = payee_shard.accounts.contains_key(&payee.0);
        let (result, newly_flagged_feeders) = {
            // Both accounts, created if new; the same map when they share a shard.
            let (payee_account, payer_account): (&mut Account, &mut Account) = match payer_shard {
                Some(payer_shard) => (
                    payee_shard.accounts.entry(payee.0).or_insert_with(|| Account::new(at)),
                    payer_shard.accounts.entry(payer.0).or_insert_with(|| Account::new(at)),
                ),
                None if payer == payee => {
                    // Money to oneself: nothing to learn about a pair of accounts.
                    let account = payee_shard.accounts.entry(payee.0).or_insert_with(|| Account::new(at));
                    account.age(at);
                    let view = account.payee_view(payer, at, pair_first);
                    let payer_view =
                        PayerView { flagged: account.flagged(at) || payer_listed, ..account.payer_view(at) };
                    return decide(&view, &payer_view).0;
                }
                None => {
                    payee_shard.accounts.entry(payee.0).or_insert_with(|| Account::new(at));
                    payee_shard.accounts.entry(payer.0).or_insert_with(|| Account::new(at));
                    let [Some(payee_account), Some(payer_account)] =
                        payee_shard.accounts.get_disjoint_mut([&payee.0, &payer.0])
                    else {
                        unreachable!("both accounts were just inserted, and they differ")
                    };
                    (payee_account, payer_account)
                }
            };
            payee_account.age(at);
            payer_account.age(at);
            let payee_view = if payee_known {
                payee_account.payee_view(payer, at, pair_first)
            } else {
                PayeeView::unknown(pair_first)
            };
            let mut payer_view = payer_account.payer_view(at);
            payer_view.flagged |= payer_listed;
            let (result, outcome) = decide(&payee_view, &payer_view);

            payee_account.push(Event { at, amount: amount_thousands, other: payer });
            if payer_view.flagged {
                payee_account.received_from_flagged = payee_account.received_from_flagged.saturating_add(1);
            }
            if outcome.warned {
                payee_account.warned_at = at.max(1);
            }
            let mut feeders = Vec::new();
            if outcome.flag_payee {
                if !payee_account.flagged(at) {
                    // Those who paid it in the last day fed a flagged account: count it against them too.
                    feeders.extend(
                        payee_account.events.iter().filter(|e| !e.outbound() && e.other != payer).map(|e| e.other),
                    );
                    feeders.sort_unstable();
                    feeders.dedup();
                }
                payee_account.flagged_at = at.max(1);
            }
            payer_account.push(Event { at, amount: amount_thousands | OUTBOUND, other: payee });
            if payee_account.flagged(at) {
                payer_account.sent_to_flagged = payer_account.sent_to_flagged.saturating_add(1);
                payer_account.fed_flagged_at = at.max(1);
            }
            (result, feeders)
        };
        drop(locked);
        for feeder in newly_flagged_feeders {
            if let Some(account) = self.shard(feeder).accounts.get_mut(&feeder.0) {
                account.sent_to_flagged = account.sent_to_flagged.saturating_add(1);
                account.fed_flagged_at = account.fed_flagged_at.max(at);
            }
        }
        result
    }

    /// The payee's windows at `now` (Unix seconds), and whether `payer` paid it before; records nothing (the
    /// windows are aged to `now`).
    pub fn payee_view(&self, payee: AccountKey, payer: AccountKey, now: u32) -> PayeeView {
        let mut shard = self.shard(payee);
        let pair = AccountKey::pair(payer, payee);
        let pair_first = !shard.pairs.iter().any(|generation| generation.contains(&pair));
        match shard.accounts.get_mut(&payee.0) {
            Some(account) => {
                account.age(now);
                account.payee_view(payer, now, pair_first)
            }
            None => PayeeView::unknown(pair_first),
        }
    }

    /// The payer's windows at `now`; records nothing (the windows are aged to `now`).
    pub fn payer_view(&self, payer: AccountKey, now: u32) -> PayerView {
        let mut shard = self.shard(payer);
        let Some(account) = shard.accounts.get_mut(&payer.0) else { return PayerView::default() };
        account.age(now);
        account.payer_view(now)
    }

    /// Flags an account (a confirmed fraud, or a listing) without a transfer.
    pub fn flag(&self, key: AccountKey, at: u32) {
        let mut shard = self.shard(key);
        let account = shard.accounts.entry(key.0).or_insert_with(|| Account::new(at));
        account.flagged_at = account.flagged_at.max(at.max(1));
    }

    /// Accounts tracked.
    pub fn accounts(&self) -> usize {
        self.shards.iter().map(|s| s.lock().accounts.len()).sum()
    }

    /// Pairs (payer, payee) remembered.
    pub fn pairs(&self) -> usize {
        self.shards.iter().map(|s| s.lock().pairs.iter().map(HashSet::len).sum::<usize>()).sum()
    }

    /// Heap bytes held: tables (at their capacity) and event lists (at theirs).
    pub fn heap_bytes(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| {
                let shard = shard.lock();
                let table = shard.accounts.capacity() * (size_of::<(u64, Account)>() + 1);
                let events: usize = shard.accounts.values().map(|a| a.events.capacity() * size_of::<Event>()).sum();
                let pairs: usize = shard.pairs.iter().map(|p| p.capacity() * (size_of::<u64>() + 1)).sum();
                table + events + pairs
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: u32 = 1_764_468_900;

    fn key(n: u32) -> AccountKey {
        AccountKey::of(&format!("bank:970436:{n:010}"))
    }

    fn record(
        behaviour: &Behaviour,
        payer: AccountKey,
        payee: AccountKey,
        at: u32,
        amount: u64,
        outcome: RecordedOutcome,
    ) {
        behaviour.transfer(payer, payee, at, amount, false, |_, _| ((), outcome));
    }

    #[test]
    fn windows_count_distinct_payers_and_forget_after_a_day() {
        let behaviour = Behaviour::new();
        let mule = key(1);
        for (n, offset) in [(2, 0), (3, 600), (3, 700), (4, 5000)] {
            record(&behaviour, key(n), mule, T + offset, 5_000_000, RecordedOutcome::default());
        }
        let view = behaviour.payee_view(mule, key(9), T + 5000);
        assert_eq!((view.distinct_payers_1h, view.distinct_payers_24h, view.inbound_24h), (1, 3, 4));
        assert_eq!(view.inbound_amount_24h, 20_000_000.0);
        assert!(view.known && view.pair_first);
        assert_eq!(behaviour.payee_view(mule, key(3), T + 5000).pair_count_24h, 2);
        // The next transfer ages the window first: a day later the old transfers are gone, the pair is not.
        let seen = behaviour
            .transfer(key(3), mule, T + 2 * DAY_SECONDS, 1000, false, |view, _| (*view, RecordedOutcome::default()));
        assert_eq!((seen.distinct_payers_24h, seen.pair_count_24h), (0, 0));
        assert!(!seen.pair_first, "a pair is remembered beyond the window");
        assert!(seen.age_days >= 2.0);
    }

    #[test]
    fn the_decision_sees_the_windows_before_its_own_transfer() {
        let behaviour = Behaviour::new();
        let (payer, payee) = (key(1), key(2));
        let first = behaviour.transfer(payer, payee, T, 1_000_000, false, |view, payer_view| {
            ((*view, *payer_view), RecordedOutcome::default())
        });
        assert!(!first.0.known && first.0.pair_first && first.1.sent_24h == 0.0);
        let second = behaviour.transfer(payer, payee, T + 60, 2_000_000, false, |view, payer_view| {
            ((*view, *payer_view), RecordedOutcome::default())
        });
        assert!(second.0.known && !second.0.pair_first);
        assert_eq!((second.0.pair_count_24h, second.1.sent_24h), (1, 1_000_000.0));
        // Money to oneself is decided but teaches nothing.
        let own = behaviour
            .transfer(payer, payer, T + 120, 5_000, false, |view, _| (view.pair_first, RecordedOutcome::default()));
        assert!(own);
    }

    #[test]
    fn pass_through_is_the_share_sent_on_within_half_an_hour() {
        let behaviour = Behaviour::new();
        let mule = key(1);
        let none = RecordedOutcome::default();
        record(&behaviour, key(2), mule, T, 10_000_000, none);
        record(&behaviour, mule, key(3), T + 600, 9_000_000, none);
        record(&behaviour, key(4), mule, T + 10_000, 10_000_000, none);
        record(&behaviour, mule, key(5), T + 10_000 + 3_600, 5_000_000, none);
        let view = behaviour.payee_view(mule, key(9), T + 20_000);
        assert!((view.pass_through - 0.45).abs() < 1e-9, "{}", view.pass_through);
        assert_eq!((view.outbound_24h, view.distinct_payees_24h), (2, 2));
    }

    #[test]
    fn flagging_a_payee_counts_against_those_who_fed_it_and_expires() {
        let behaviour = Behaviour::new();
        let mule = key(1);
        record(&behaviour, key(2), mule, T, 1_000_000, RecordedOutcome::default());
        record(&behaviour, key(3), mule, T + 60, 1_000_000, RecordedOutcome { warned: true, flag_payee: true });
        assert!(behaviour.payee_view(mule, key(9), T + 61).flagged);
        assert_eq!(behaviour.payee_view(key(2), key(9), T + 61).sent_to_flagged, 1);
        assert_eq!(behaviour.payee_view(key(3), key(9), T + 61).sent_to_flagged, 1);
        record(&behaviour, mule, key(4), T + 120, 500_000, RecordedOutcome::default());
        assert_eq!(behaviour.payee_view(key(4), key(9), T + 121).received_from_flagged, 1);
        assert!(behaviour.payer_view(mule, T + 121).flagged);
        assert_eq!(behaviour.payer_view(mule, T + 121).sent_24h, 500_000.0);
        // A listed payer counts as flagged though the windows never flagged it.
        behaviour.transfer(key(7), key(4), T + 130, 1000, true, |_, _| ((), RecordedOutcome::default()));
        assert_eq!(behaviour.payee_view(key(4), key(9), T + 131).received_from_flagged, 2);
        // Flags last FLAG_DAYS; the counts start again with a new period.
        let later = T + (FLAG_DAYS + 1) * DAY_SECONDS;
        assert!(!behaviour.payer_view(mule, later).flagged);
        let counted = behaviour.transfer(key(8), key(4), later, 1000, false, |view, _| {
            (view.received_from_flagged, RecordedOutcome::default())
        });
        assert_eq!(counted, 0);
    }

    #[test]
    fn a_busy_account_keeps_its_latest_events_in_time_order() {
        let behaviour = Behaviour::new();
        let merchant = key(1);
        for n in 0..(MAX_EVENTS as u32 + 50) {
            record(&behaviour, key(1000 + n), merchant, T + n, 100_000, RecordedOutcome::default());
        }
        // One late arrival lands in its place.
        record(&behaviour, key(7), merchant, T + 100, 100_000, RecordedOutcome::default());
        let view = behaviour.payee_view(merchant, key(9), T + 400);
        assert_eq!(view.inbound_24h as usize, MAX_EVENTS);
        assert_eq!(behaviour.accounts(), MAX_EVENTS + 50 + 2);
    }

    #[test]
    fn pairs_are_forgotten_after_two_generations() {
        let behaviour = Behaviour::new();
        let (payer, payee) = (key(1), key(2));
        record(&behaviour, payer, payee, T, 1000, RecordedOutcome::default());
        let first = |at| {
            behaviour.transfer(payer, payee, at, 1000, false, |view, _| (view.pair_first, RecordedOutcome::default()))
        };
        assert!(!first(T + 100 * DAY_SECONDS), "the previous generation still knows the pair");
        assert!(!first(T + 200 * DAY_SECONDS), "seen again in the last generation");
        assert!(first(T + 500 * DAY_SECONDS), "two generations without it: a first transfer again");
    }
}
