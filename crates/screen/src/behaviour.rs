//! What each account has been doing: kept in memory over sliding windows, fed by every screened transfer and
//! by the transfer feeds banks post.
//!
//! Accounts are keyed by a 64-bit hash of their canonical form (two accounts would need to collide in 64 bits
//! to be mixed up: about one chance in 10^5 at 10 million accounts) and spread over shards, each behind its
//! own lock, so that concurrent screenings rarely wait on each other. Each account keeps its inbound and
//! outbound transfers of the last 24 hours (at most [`MAX_EVENTS`] each; a busier account keeps its latest),
//! a few counters, and the pairs (payer, payee) ever seen are kept in a set for "first transfer to this payee".

use parking_lot::Mutex;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

pub const DAY_SECONDS: u32 = 24 * 3600;
pub const HOUR_SECONDS: u32 = 3600;
/// Money counts as passed through when it leaves within this long after money came in.
pub const PASS_THROUGH_SECONDS: u32 = 30 * 60;
/// Events kept per direction per account: enough to count a busy mule's distinct payers, bounded so that a
/// merchant's thousands of daily payments cost neither memory nor time.
pub const MAX_EVENTS: usize = 256;
const SHARDS: usize = 256;

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
    /// Thousands of đồng, saturating.
    amount_thousands: u32,
    other: AccountKey,
}

#[derive(Debug, Default)]
struct Account {
    first_seen: u32,
    /// Unix seconds when it was flagged; 0 when never.
    flagged_at: u32,
    received_from_flagged: u32,
    sent_to_flagged: u32,
    /// Unix seconds of the last transfer to a flagged account; 0 when never.
    fed_flagged_at: u32,
    /// Unix seconds of the last transfer into it that was warned about (or worse); 0 when never.
    warned_at: u32,
    inbound: Vec<Event>,
    outbound: Vec<Event>,
}

impl Account {
    fn new(at: u32) -> Self {
        Account { first_seen: at, ..Account::default() }
    }

    fn prune(&mut self, now: u32) {
        let horizon = now.saturating_sub(DAY_SECONDS);
        for events in [&mut self.inbound, &mut self.outbound] {
            let stale = events.iter().take_while(|e| e.at < horizon).count();
            if stale > 0 {
                events.drain(..stale);
            }
        }
    }
}

fn push_event(events: &mut Vec<Event>, event: Event) {
    if events.len() >= MAX_EVENTS {
        events.remove(0);
    }
    // Transfers come nearly in time order; one that comes late is put in its place so windows stay sorted.
    let position = events.iter().rposition(|e| e.at <= event.at).map_or(0, |p| p + 1);
    events.insert(position, event);
}

#[derive(Default)]
struct Shard {
    accounts: HashMap<u64, Account, KeyBuild>,
    pairs: HashSet<u64, KeyBuild>,
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

/// What was known and decided about a recorded transfer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordedOutcome {
    /// The payer was flagged when it paid.
    pub payer_flagged: bool,
    /// The transfer was warned about, held or blocked.
    pub warned: bool,
    /// The evidence was strong enough to flag the payee: others' transfers to and from it become signals.
    pub flag_payee: bool,
}

/// What the engine reads about a payer.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PayerView {
    pub flagged: bool,
    /// Đồng sent in the last 24 hours, before this transfer.
    pub sent_24h: f64,
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

/// Distinct keys among at most [`MAX_EVENTS`], on the stack: this runs for every screened transfer.
fn distinct(keys: impl Iterator<Item = AccountKey>) -> u32 {
    let mut buffer = [0u64; MAX_EVENTS];
    let mut length = 0;
    for key in keys.take(MAX_EVENTS) {
        buffer[length] = key.0;
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

/// Days from `since` (Unix seconds, 0 for never) to `now`; -1 for never.
fn days_since(since: u32, now: u32) -> f64 {
    if since == 0 { -1.0 } else { f64::from(now.saturating_sub(since)) / f64::from(DAY_SECONDS) }
}

/// Seconds since the Unix epoch as the windows count them (u32 lasts until 2106).
pub fn seconds(at_ms: i64) -> u32 {
    (at_ms.div_euclid(1000)).clamp(0, i64::from(u32::MAX)) as u32
}

impl Behaviour {
    pub fn new() -> Self {
        Behaviour { shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect() }
    }

    fn shard(&self, key: AccountKey) -> parking_lot::MutexGuard<'_, Shard> {
        self.shards[key.shard()].lock()
    }

    /// The payee's windows at `now` (Unix seconds), and whether `payer` paid it before.
    pub fn payee_view(&self, payee: AccountKey, payer: AccountKey, now: u32) -> PayeeView {
        let mut shard = self.shard(payee);
        let pair_first = !shard.pairs.contains(&AccountKey::pair(payer, payee));
        let Some(account) = shard.accounts.get_mut(&payee.0) else {
            return PayeeView {
                pair_first,
                days_since_flagged: -1.0,
                days_since_fed_flagged: -1.0,
                days_since_warned: -1.0,
                ..PayeeView::default()
            };
        };
        account.prune(now);
        let hour_ago = now.saturating_sub(HOUR_SECONDS);
        let inbound = &account.inbound;
        let outbound = &account.outbound;
        let inbound_amount: f64 = inbound.iter().map(|e| f64::from(e.amount_thousands) * 1000.0).sum();
        // Money out within PASS_THROUGH_SECONDS of money in: walk both sorted lists once.
        let mut passed = 0.0;
        let mut latest_in = None;
        let mut next_in = 0;
        for out in outbound {
            while next_in < inbound.len() && inbound[next_in].at <= out.at {
                latest_in = Some(inbound[next_in].at);
                next_in += 1;
            }
            if latest_in.is_some_and(|at| out.at - at <= PASS_THROUGH_SECONDS) {
                passed += f64::from(out.amount_thousands) * 1000.0;
            }
        }
        PayeeView {
            known: true,
            age_days: f64::from(now.saturating_sub(account.first_seen)) / f64::from(DAY_SECONDS),
            flagged: account.flagged_at != 0,
            days_since_flagged: days_since(account.flagged_at, now),
            days_since_fed_flagged: days_since(account.fed_flagged_at, now),
            days_since_warned: days_since(account.warned_at, now),
            distinct_payers_1h: distinct(inbound.iter().filter(|e| e.at >= hour_ago).map(|e| e.other)),
            distinct_payers_24h: distinct(inbound.iter().map(|e| e.other)),
            inbound_24h: inbound.len() as u32,
            inbound_amount_24h: inbound_amount,
            outbound_24h: outbound.len() as u32,
            distinct_payees_24h: distinct(outbound.iter().map(|e| e.other)),
            pass_through: if inbound_amount > 0.0 { (passed / inbound_amount).min(1.0) } else { 0.0 },
            received_from_flagged: account.received_from_flagged,
            sent_to_flagged: account.sent_to_flagged,
            pair_first,
            pair_count_24h: inbound.iter().filter(|e| e.other == payer).count() as u32,
        }
    }

    pub fn payer_view(&self, payer: AccountKey, now: u32) -> PayerView {
        let mut shard = self.shard(payer);
        let Some(account) = shard.accounts.get_mut(&payer.0) else { return PayerView::default() };
        account.prune(now);
        PayerView {
            flagged: account.flagged_at != 0,
            sent_24h: account.outbound.iter().map(|e| f64::from(e.amount_thousands) * 1000.0).sum(),
        }
    }

    /// Records a transfer and what was decided about it.
    pub fn record(&self, payer: AccountKey, payee: AccountKey, at: u32, amount: u64, outcome: RecordedOutcome) {
        let amount_thousands = u32::try_from(amount / 1000).unwrap_or(u32::MAX);
        let (payee_flagged, newly_flagged_feeders) = {
            let mut shard = self.shard(payee);
            shard.pairs.insert(AccountKey::pair(payer, payee));
            let account = shard.accounts.entry(payee.0).or_insert_with(|| Account::new(at));
            account.prune(at);
            push_event(&mut account.inbound, Event { at, amount_thousands, other: payer });
            if outcome.payer_flagged {
                account.received_from_flagged += 1;
            }
            if outcome.warned {
                account.warned_at = at.max(1);
            }
            let mut feeders = Vec::new();
            if outcome.flag_payee && account.flagged_at == 0 {
                account.flagged_at = at.max(1);
                // Those who paid it in the last day fed a flagged account: count it against them too.
                feeders.extend(account.inbound.iter().map(|e| e.other).filter(|other| *other != payer));
                feeders.sort_unstable();
                feeders.dedup();
            }
            (account.flagged_at != 0, feeders)
        };
        {
            let mut shard = self.shard(payer);
            let account = shard.accounts.entry(payer.0).or_insert_with(|| Account::new(at));
            account.prune(at);
            push_event(&mut account.outbound, Event { at, amount_thousands, other: payee });
            if payee_flagged {
                account.sent_to_flagged += 1;
                account.fed_flagged_at = at.max(1);
            }
        }
        for feeder in newly_flagged_feeders {
            if let Some(account) = self.shard(feeder).accounts.get_mut(&feeder.0) {
                account.sent_to_flagged += 1;
                account.fed_flagged_at = account.fed_flagged_at.max(at);
            }
        }
    }

    /// Flags an account (a confirmed fraud, or a listing) without a transfer.
    pub fn flag(&self, key: AccountKey, at: u32) {
        let mut shard = self.shard(key);
        let account = shard.accounts.entry(key.0).or_insert_with(|| Account::new(at));
        if account.flagged_at == 0 {
            account.flagged_at = at.max(1);
        }
    }

    /// Accounts tracked.
    pub fn accounts(&self) -> usize {
        self.shards.iter().map(|s| s.lock().accounts.len()).sum()
    }

    /// Pairs (payer, payee) remembered.
    pub fn pairs(&self) -> usize {
        self.shards.iter().map(|s| s.lock().pairs.len()).sum()
    }

    /// Heap bytes held: tables (at their capacity) and event lists (at theirs).
    pub fn heap_bytes(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| {
                let shard = shard.lock();
                let table = shard.accounts.capacity() * (size_of::<(u64, Account)>() + 1);
                let events: usize = shard
                    .accounts
                    .values()
                    .map(|a| (a.inbound.capacity() + a.outbound.capacity()) * size_of::<Event>())
                    .sum();
                table + events + shard.pairs.capacity() * (size_of::<u64>() + 1)
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

    #[test]
    fn windows_count_distinct_payers_and_forget_after_a_day() {
        let behaviour = Behaviour::new();
        let mule = key(1);
        for (n, offset) in [(2, 0), (3, 600), (3, 700), (4, 5000)] {
            behaviour.record(key(n), mule, T + offset, 5_000_000, RecordedOutcome::default());
        }
        let view = behaviour.payee_view(mule, key(9), T + 5000);
        assert_eq!((view.distinct_payers_1h, view.distinct_payers_24h, view.inbound_24h), (1, 3, 4));
        assert_eq!(view.inbound_amount_24h, 20_000_000.0);
        assert!(view.known && view.pair_first);
        assert_eq!(behaviour.payee_view(mule, key(3), T + 5000).pair_count_24h, 2);
        let later = behaviour.payee_view(mule, key(3), T + 2 * DAY_SECONDS);
        assert_eq!((later.distinct_payers_24h, later.pair_count_24h), (0, 0));
        assert!(!later.pair_first, "a pair is remembered beyond the window");
        assert!(later.age_days >= 2.0);
    }

    #[test]
    fn pass_through_is_the_share_sent_on_within_half_an_hour() {
        let behaviour = Behaviour::new();
        let mule = key(1);
        behaviour.record(key(2), mule, T, 10_000_000, RecordedOutcome::default());
        behaviour.record(mule, key(3), T + 600, 9_000_000, RecordedOutcome::default());
        behaviour.record(key(4), mule, T + 10_000, 10_000_000, RecordedOutcome::default());
        behaviour.record(mule, key(5), T + 10_000 + 3_600, 5_000_000, RecordedOutcome::default());
        let view = behaviour.payee_view(mule, key(9), T + 20_000);
        assert!((view.pass_through - 0.45).abs() < 1e-9, "{}", view.pass_through);
        assert_eq!((view.outbound_24h, view.distinct_payees_24h), (2, 2));
    }

    #[test]
    fn flagging_a_payee_counts_against_those_who_fed_it() {
        let behaviour = Behaviour::new();
        let mule = key(1);
        behaviour.record(key(2), mule, T, 1_000_000, RecordedOutcome::default());
        behaviour.record(
            key(3),
            mule,
            T + 60,
            1_000_000,
            RecordedOutcome { warned: true, flag_payee: true, ..Default::default() },
        );
        assert!(behaviour.payee_view(mule, key(9), T + 61).flagged);
        assert_eq!(behaviour.payee_view(key(2), key(9), T + 61).sent_to_flagged, 1);
        assert_eq!(behaviour.payee_view(key(3), key(9), T + 61).sent_to_flagged, 1);
        behaviour.record(mule, key(4), T + 120, 500_000, RecordedOutcome { payer_flagged: true, ..Default::default() });
        assert_eq!(behaviour.payee_view(key(4), key(9), T + 121).received_from_flagged, 1);
        assert!(behaviour.payer_view(mule, T + 121).flagged);
        assert_eq!(behaviour.payer_view(mule, T + 121).sent_24h, 500_000.0);
    }

    #[test]
    fn a_busy_account_keeps_its_latest_events_in_time_order() {
        let behaviour = Behaviour::new();
        let merchant = key(1);
        for n in 0..(MAX_EVENTS as u32 + 50) {
            behaviour.record(key(1000 + n), merchant, T + n, 100_000, RecordedOutcome::default());
        }
        // One late arrival lands in its place.
        behaviour.record(key(7), merchant, T + 100, 100_000, RecordedOutcome::default());
        let view = behaviour.payee_view(merchant, key(9), T + 400);
        assert_eq!(view.inbound_24h as usize, MAX_EVENTS);
        assert_eq!(behaviour.accounts(), MAX_EVENTS + 50 + 2);
    }
}
