//! What each account has been doing: kept in memory over sliding windows, fed by every screened transfer and
//! by the transfer feeds banks post.
//!
//! Accounts are keyed by a 64-bit hash of their canonical form (two accounts would need to collide in 64 bits
//! to be mixed up: about one chance in 10^5 at 10 million accounts) and spread over shards, each behind its
//! own lock, so that concurrent screenings rarely wait on each other. A transfer locks the payer's and the
//! payee's shards once, reads both accounts, lets the caller decide, and records the transfer, all in one
//! visit: at millions of accounts each visit is a few cache misses, which is what a screening costs.
//!
//! So the tables are built for cache misses: each shard keeps its accounts in an open-addressing table of
//! 64-byte slots (one cache line per account: the key and the account's fields together, where a general hash
//! map reads its control bytes first and the entry second) and its pairs in a table of bare 64-bit keys; and a
//! transfer starts the reads of the pair's slot and of both accounts' slots together, then of both accounts'
//! event lists together, before it uses any of them, so that the misses overlap instead of following each other
//! (bench/RESULTS.md, issue 6).
//!
//! Each account keeps its transfers of the last 24 hours in one list, in time order (at most
//! [`MAX_EVENTS`] each way; a busier account keeps its latest), and a few times and counters. Flags last
//! [`FLAG_DAYS`] (90); the counts of transfers to and from flagged accounts run over 90-day periods; the pairs (payer,
//! payee) seen are remembered for 90 to 180 days (two generations of a set), for "first transfer to this payee".

use parking_lot::{Mutex, MutexGuard};
use std::hint::black_box;

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

    /// Starts reading every cache line of the event list (see [`warm`]): the walks over it that follow would
    /// otherwise wait for its lines one or two at a time.
    #[inline]
    fn warm_events(&self) {
        // Four events to a 64-byte line: one read every four events touches each line the list spans.
        for event in self.events.iter().step_by(4) {
            warm(event.at);
        }
        warm(self.events.last().map(|e| e.at));
    }

    fn flagged(&self, now: u32) -> bool {
        self.flagged_at != 0 && now.saturating_sub(self.flagged_at) <= FLAG_DAYS * DAY_SECONDS
    }

    fn push(&mut self, event: Event) {
        let outbound = event.outbound();
        // Counting one direction's events is only needed once the list could hold MAX_EVENTS of them.
        if self.events.len() >= MAX_EVENTS
            && self.events.iter().filter(|e| e.outbound() == outbound).count() >= MAX_EVENTS
            && let Some(oldest) = self.events.iter().position(|e| e.outbound() == outbound)
        {
            self.events.remove(oldest);
        }
        // Transfers come nearly in time order; one that comes late is put in its place so windows stay sorted.
        let position = self.events.iter().rposition(|e| e.at <= event.at).map_or(0, |p| p + 1);
        self.events.insert(position, event);
    }

    fn payer_view(&self, now: u32) -> PayerView {
        let mut sent = 0.0;
        for event in &self.events {
            // Without a branch on the direction, which alternates at random (see `payee_view`).
            sent += if event.outbound() { event.dong() } else { 0.0 };
        }
        PayerView { flagged: self.flagged(now), sent_24h: sent }
    }

    fn payee_view(&self, payer: AccountKey, now: u32, pair_first: bool) -> PayeeView {
        let hour_ago = now.saturating_sub(HOUR_SECONDS);
        // The counterparts of each direction, gathered on the stack (a small buffer for the usual short list,
        // MAX_EVENTS for a busy account; one slot more, written and not counted) to count the distinct ones
        // without allocating.
        let (mut small_payers, mut small_payees) = ([0u64; SMALL_LIST + 1], [0u64; SMALL_LIST + 1]);
        let (mut large_payers, mut large_payees);
        let (payers, payees): (&mut [u64], &mut [u64]) = if self.events.len() <= SMALL_LIST {
            (&mut small_payers, &mut small_payees)
        } else {
            (large_payers, large_payees) = ([0u64; MAX_EVENTS + 1], [0u64; MAX_EVENTS + 1]);
            (&mut large_payers, &mut large_payees)
        };
        let (mut payer_count, mut payee_count) = (0usize, 0usize);
        let mut inbound_amount = 0.0;
        let (mut inbound_count, mut outbound_count, mut pair_count, mut inbound_last_hour) = (0u32, 0u32, 0u32, 0u32);
        // Money out within PASS_THROUGH_SECONDS of money in, on the same walk over the time-ordered list.
        let mut passed = 0.0;
        let (mut latest_in, mut any_in) = (0u32, false);
        // One walk, and no branch on an event's direction: the two directions interleave at random, and a
        // branch on it would be mispredicted about every other event. (Adding 0.0 leaves a sum as it is.)
        for event in &self.events {
            let outbound = event.outbound();
            let inbound = !outbound;
            let dong = event.dong();
            inbound_count += u32::from(inbound);
            outbound_count += u32::from(outbound);
            inbound_amount += if inbound { dong } else { 0.0 };
            let passes = outbound && any_in && event.at.wrapping_sub(latest_in) <= PASS_THROUGH_SECONDS;
            passed += if passes { dong } else { 0.0 };
            latest_in = if inbound { event.at } else { latest_in };
            any_in |= inbound;
            pair_count += u32::from(inbound && event.other == payer);
            inbound_last_hour += u32::from(inbound && event.at >= hour_ago);
            // At most MAX_EVENTS of each (never more are kept).
            payers[payer_count] = event.other.0;
            payer_count += usize::from(inbound && payer_count < MAX_EVENTS);
            payees[payee_count] = event.other.0;
            payee_count += usize::from(outbound && payee_count < MAX_EVENTS);
        }
        let payers = &mut payers[..payer_count];
        // Inbound in time order: the last hour's are the last `inbound_last_hour` of them.
        let last_hour = payers.len().saturating_sub(inbound_last_hour as usize);
        let distinct_payers_1h = distinct(&mut payers[last_hour..]);
        let distinct_payers_24h = distinct(payers);
        let distinct_payees_24h = distinct(&mut payees[..payee_count]);
        PayeeView {
            known: true,
            age_days: f64::from(now.saturating_sub(self.first_seen)) / f64::from(DAY_SECONDS),
            flagged: self.flagged(now),
            days_since_flagged: days_since(self.flagged_at, now),
            days_since_fed_flagged: days_since(self.fed_flagged_at, now),
            days_since_warned: days_since(self.warned_at, now),
            distinct_payers_1h,
            distinct_payers_24h,
            inbound_24h: inbound_count,
            inbound_amount_24h: inbound_amount,
            outbound_24h: outbound_count,
            distinct_payees_24h,
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

/// Event lists up to this long are counted in a small buffer.
const SMALL_LIST: usize = 32;

/// Distinct values among `keys` (reordered): a few compared with each other, more sorted.
fn distinct(keys: &mut [u64]) -> u32 {
    if keys.len() <= 16 {
        let mut count = 0;
        for i in 0..keys.len() {
            // Without an early exit: a branch per comparison would be mispredicted where a few more
            // comparisons cost nothing.
            let seen = keys[..i].iter().fold(false, |seen, &key| seen | (key == keys[i]));
            count += u32::from(!seen);
        }
        return count;
    }
    keys.sort_unstable();
    let mut count = 0;
    for i in 0..keys.len() {
        if i == 0 || keys[i] != keys[i - 1] {
            count += 1;
        }
    }
    count
}

/// Reads `value` now, and throws it away: a memory read started early, so that the cache misses of the reads a
/// transfer needs (a pair's slot, two accounts' slots, their event lists) are in flight together rather than
/// one after another. A hint only: it changes no result.
#[inline(always)]
fn warm<T>(value: T) {
    black_box(value);
}

/// One account in a shard's table: 64 bytes, one cache line (a `Vec<Slot>` is aligned to it).
#[derive(Debug, Default)]
#[repr(align(64))]
struct Slot {
    key: u64,
    /// Whether the slot holds an account (a key may be any 64-bit value, 0 included).
    used: bool,
    account: Account,
}

const _: () = assert!(size_of::<Slot>() == 64, "an account's slot is one cache line");

/// A shard's accounts: open addressing with linear probing over a power-of-two number of slots, at most 70 %
/// full (a search reads about two slots, usually in one or two adjacent cache lines). Accounts are never
/// removed, so there are no tombstones.
#[derive(Default)]
struct AccountTable {
    slots: Vec<Slot>,
    len: usize,
}

impl AccountTable {
    /// Starts reading the slot where the search for `key` begins.
    #[inline]
    fn warm(&self, key: u64) {
        if !self.slots.is_empty() {
            warm(self.slots[key as usize & (self.slots.len() - 1)].key);
        }
    }

    fn find(&self, key: u64) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = key as usize & mask;
        loop {
            let slot = &self.slots[i];
            if !slot.used {
                return None;
            }
            if slot.key == key {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
    }

    fn get_mut(&mut self, key: u64) -> Option<&mut Account> {
        let i = self.find(key)?;
        Some(&mut self.slots[i].account)
    }

    /// The account's slot, created (first seen at `at`) if it is new; and whether it was there before.
    fn find_or_insert(&mut self, key: u64, at: u32) -> (usize, bool) {
        if let Some(i) = self.find(key) {
            return (i, true);
        }
        if (self.len + 1) * 10 > self.slots.len() * 7 {
            self.grow();
        }
        let i = self.vacant(key);
        self.slots[i] = Slot { key, used: true, account: Account::new(at) };
        self.len += 1;
        (i, false)
    }

    /// The first free slot from `key`'s place.
    fn vacant(&self, key: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = key as usize & mask;
        while self.slots[i].used {
            i = (i + 1) & mask;
        }
        i
    }

    fn grow(&mut self) {
        let capacity = (self.slots.len() * 2).max(16);
        let old = std::mem::replace(&mut self.slots, (0..capacity).map(|_| Slot::default()).collect());
        for slot in old.into_iter().filter(|slot| slot.used) {
            let i = self.vacant(slot.key);
            self.slots[i] = slot;
        }
    }

    fn accounts(&self) -> impl Iterator<Item = &Account> {
        self.slots.iter().filter(|slot| slot.used).map(|slot| &slot.account)
    }
}

/// A set of pair keys: open addressing over bare 64-bit keys (eight to a cache line), [`FREE`] marking a free
/// slot and the key [`FREE`] itself kept aside; at most 70 % full.
#[derive(Default)]
struct PairSet {
    slots: Vec<u64>,
    len: usize,
    /// Whether the key [`FREE`] is in the set.
    free_key: bool,
}

/// A free slot of a [`PairSet`]. Not 0: a table filled with zeros is allocated as memory the system hands out
/// untouched, whose pages are then read (a zero page mapped) and later written (a second fault each); one
/// filled with this is written when it is made, one fault a page.
const FREE: u64 = u64::MAX;

impl PairSet {
    #[inline]
    fn warm(&self, pair: u64) {
        if !self.slots.is_empty() {
            warm(self.slots[pair as usize & (self.slots.len() - 1)]);
        }
    }

    fn contains(&self, pair: u64) -> bool {
        if pair == FREE {
            return self.free_key;
        }
        if self.slots.is_empty() {
            return false;
        }
        let mask = self.slots.len() - 1;
        let mut i = pair as usize & mask;
        loop {
            match self.slots[i] {
                FREE => return false,
                found if found == pair => return true,
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Adds the pair; whether it was new.
    fn insert(&mut self, pair: u64) -> bool {
        if pair == FREE {
            let new = !self.free_key;
            self.free_key = true;
            self.len += usize::from(new);
            return new;
        }
        if (self.len + 1) * 10 > self.slots.len() * 7 {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = pair as usize & mask;
        loop {
            match self.slots[i] {
                FREE => {
                    self.slots[i] = pair;
                    self.len += 1;
                    return true;
                }
                found if found == pair => return false,
                _ => i = (i + 1) & mask,
            }
        }
    }

    fn grow(&mut self) {
        let capacity = (self.slots.len() * 2).max(64);
        let old = std::mem::replace(&mut self.slots, vec![FREE; capacity]);
        let mask = capacity - 1;
        for pair in old.into_iter().filter(|&pair| pair != FREE) {
            let mut i = pair as usize & mask;
            while self.slots[i] != FREE {
                i = (i + 1) & mask;
            }
            self.slots[i] = pair;
        }
    }
}

#[derive(Default)]
struct Shard {
    accounts: AccountTable,
    /// This generation's pairs and the previous one's.
    pairs: [PairSet; 2],
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
        self.pairs[0].insert(pair) && !self.pairs[1].contains(pair)
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

/// One transfer in the two accounts' shards, locked (`payer_shard` is `None` when they share one): what
/// [`Behaviour::transfer`] does under its locks. Returns `decide`'s result and the accounts that just became
/// feeders of a flagged account (to be counted in their own shards).
#[allow(clippy::too_many_arguments)]
fn transfer_in<R>(
    payee_shard: &mut Shard,
    payer_shard: Option<&mut Shard>,
    payer: AccountKey,
    payee: AccountKey,
    at: u32,
    amount: u64,
    payer_listed: bool,
    decide: impl FnOnce(&PayeeView, &PayerView) -> (R, RecordedOutcome),
) -> (R, Vec<AccountKey>) {
    let amount_thousands = u32::try_from(amount / 1000).unwrap_or(u32::MAX).min(OUTBOUND - 1);
    let pair = AccountKey::pair(payer, payee);
    // The slots this transfer reads, all at once (see `warm`): the pair's in both generations, both accounts'.
    payee_shard.pairs[0].warm(pair);
    payee_shard.pairs[1].warm(pair);
    payee_shard.accounts.warm(payee.0);
    payer_shard.as_deref().unwrap_or(&*payee_shard).accounts.warm(payer.0);
    let pair_first = payee_shard.first_pair(pair, at);
    // Both accounts, created if new; the same table when they share a shard.
    let (payee_index, payee_known) = payee_shard.accounts.find_or_insert(payee.0, at);
    let (payee_account, payer_account): (&mut Account, &mut Account) = match payer_shard {
        Some(payer_shard) => {
            let (payer_index, _) = payer_shard.accounts.find_or_insert(payer.0, at);
            (&mut payee_shard.accounts.slots[payee_index].account, &mut payer_shard.accounts.slots[payer_index].account)
        }
        None if payer == payee => {
            // Money to oneself: nothing to learn about a pair of accounts.
            let account = &mut payee_shard.accounts.slots[payee_index].account;
            account.age(at);
            let view = account.payee_view(payer, at, pair_first);
            let payer_view = PayerView { flagged: account.flagged(at) || payer_listed, ..account.payer_view(at) };
            return (decide(&view, &payer_view).0, Vec::new());
        }
        None => {
            let (payer_index, _) = payee_shard.accounts.find_or_insert(payer.0, at);
            // The payer's insertion may have grown the table and moved the payee.
            let payee_index = payee_shard.accounts.find(payee.0).expect("the payee was just inserted");
            let Ok([payee_slot, payer_slot]) = payee_shard.accounts.slots.get_disjoint_mut([payee_index, payer_index])
            else {
                unreachable!("two different accounts have two different slots")
            };
            (&mut payee_slot.account, &mut payer_slot.account)
        }
    };
    // Both event lists, every cache line of them, at once.
    payee_account.warm_events();
    payer_account.warm_events();
    payee_account.age(at);
    payer_account.age(at);
    let payee_view =
        if payee_known { payee_account.payee_view(payer, at, pair_first) } else { PayeeView::unknown(pair_first) };
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
            feeders.extend(payee_account.events.iter().filter(|e| !e.outbound() && e.other != payer).map(|e| e.other));
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
}

/// Counts, against an account that paid a payee just flagged, that it fed a flagged account (`shard` is its).
fn fed_flagged(shard: &mut Shard, feeder: AccountKey, at: u32) {
    if let Some(account) = shard.accounts.get_mut(feeder.0) {
        account.sent_to_flagged = account.sent_to_flagged.saturating_add(1);
        account.fed_flagged_at = account.fed_flagged_at.max(at);
    }
}

/// Every shard of the windows, locked: [`Behaviour::lock_all`]. A replay screens transfers one after another
/// on one thread; holding the locks for a run of them spares a lock and an unlock per shard per transfer, and
/// lets the memory reads of the transfers to come start while one is decided ([`LockedWindows::warm`]): a
/// lock operation orders memory, so with a lock per transfer no read can start ahead of it. Screenings on
/// other threads wait meanwhile: hold it for a bounded run.
pub struct LockedWindows<'a> {
    shards: Vec<MutexGuard<'a, Shard>>,
}

impl std::fmt::Debug for LockedWindows<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LockedWindows").field("shards", &self.shards.len()).finish()
    }
}

impl LockedWindows<'_> {
    /// [`Behaviour::transfer`], under the locks held.
    pub fn transfer<R>(
        &mut self,
        payer: AccountKey,
        payee: AccountKey,
        at: u32,
        amount: u64,
        payer_listed: bool,
        decide: impl FnOnce(&PayeeView, &PayerView) -> (R, RecordedOutcome),
    ) -> R {
        let (a, b) = (payee.shard(), payer.shard());
        let (result, feeders) = if a == b {
            transfer_in(&mut self.shards[a], None, payer, payee, at, amount, payer_listed, decide)
        } else {
            let Ok([payee_shard, payer_shard]) = self.shards.get_disjoint_mut([a, b]) else {
                unreachable!("two different shards")
            };
            transfer_in(payee_shard, Some(&mut **payer_shard), payer, payee, at, amount, payer_listed, decide)
        };
        for feeder in feeders {
            fed_flagged(&mut self.shards[feeder.shard()], feeder, at);
        }
        result
    }

    /// Starts reading what a transfer between these accounts will read first (the pair's slots and both
    /// accounts' slots), for one to come. A hint: it changes nothing.
    pub fn warm(&self, payer: AccountKey, payee: AccountKey) {
        let payee_shard = &self.shards[payee.shard()];
        let pair = AccountKey::pair(payer, payee);
        payee_shard.pairs[0].warm(pair);
        payee_shard.pairs[1].warm(pair);
        payee_shard.accounts.warm(payee.0);
        self.shards[payer.shard()].accounts.warm(payer.0);
    }

    /// Starts reading both accounts' event lists, for a transfer a little ahead whose slots
    /// [`LockedWindows::warm`] asked for earlier. A hint: it changes nothing.
    pub fn warm_events(&self, payer: AccountKey, payee: AccountKey) {
        for key in [payee, payer] {
            let accounts = &self.shards[key.shard()].accounts;
            if let Some(i) = accounts.find(key.0) {
                accounts.slots[i].account.warm_events();
            }
        }
    }
}

/// The two ways to the windows, for code that serves both: a transfer at a time ([`Behaviour`], which locks
/// the two accounts' shards each time) and a run of them under locks held ([`LockedWindows`]).
pub trait Windows {
    /// [`Behaviour::transfer`].
    fn transfer<R>(
        &mut self,
        payer: AccountKey,
        payee: AccountKey,
        at: u32,
        amount: u64,
        payer_listed: bool,
        decide: impl FnOnce(&PayeeView, &PayerView) -> (R, RecordedOutcome),
    ) -> R;
}

impl Windows for &Behaviour {
    fn transfer<R>(
        &mut self,
        payer: AccountKey,
        payee: AccountKey,
        at: u32,
        amount: u64,
        payer_listed: bool,
        decide: impl FnOnce(&PayeeView, &PayerView) -> (R, RecordedOutcome),
    ) -> R {
        Behaviour::transfer(self, payer, payee, at, amount, payer_listed, decide)
    }
}

impl Windows for LockedWindows<'_> {
    fn transfer<R>(
        &mut self,
        payer: AccountKey,
        payee: AccountKey,
        at: u32,
        amount: u64,
        payer_listed: bool,
        decide: impl FnOnce(&PayeeView, &PayerView) -> (R, RecordedOutcome),
    ) -> R {
        LockedWindows::transfer(self, payer, payee, at, amount, payer_listed, decide)
    }
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
        let mut locked = self.lock_both(payer, payee);
        let (payee_shard, payer_shard): (&mut Shard, Option<&mut Shard>) = match &mut locked {
            Locked::One(shard) => (&mut **shard, None),
            Locked::Two { payer, payee } => (&mut **payee, Some(&mut **payer)),
        };
        let (result, feeders) = transfer_in(payee_shard, payer_shard, payer, payee, at, amount, payer_listed, decide);
        drop(locked);
        for feeder in feeders {
            fed_flagged(&mut self.shard(feeder), feeder, at);
        }
        result
    }

    /// Every shard, locked (in the order `transfer` locks two: no deadlock), for a run of transfers one after
    /// another without a lock operation each: see [`LockedWindows`].
    pub fn lock_all(&self) -> LockedWindows<'_> {
        LockedWindows { shards: self.shards.iter().map(|shard| shard.lock()).collect() }
    }

    /// The payee's windows at `now` (Unix seconds), and whether `payer` paid it before; records nothing (the
    /// windows are aged to `now`).
    pub fn payee_view(&self, payee: AccountKey, payer: AccountKey, now: u32) -> PayeeView {
        let mut shard = self.shard(payee);
        let pair = AccountKey::pair(payer, payee);
        let pair_first = !shard.pairs.iter().any(|generation| generation.contains(pair));
        match shard.accounts.get_mut(payee.0) {
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
        let Some(account) = shard.accounts.get_mut(payer.0) else { return PayerView::default() };
        account.age(now);
        account.payer_view(now)
    }

    /// Flags an account (a confirmed fraud, or a listing) without a transfer.
    pub fn flag(&self, key: AccountKey, at: u32) {
        let mut shard = self.shard(key);
        let (index, _) = shard.accounts.find_or_insert(key.0, at);
        let account = &mut shard.accounts.slots[index].account;
        account.flagged_at = account.flagged_at.max(at.max(1));
    }

    /// Accounts tracked.
    pub fn accounts(&self) -> usize {
        self.shards.iter().map(|s| s.lock().accounts.len).sum()
    }

    /// Pairs (payer, payee) remembered.
    pub fn pairs(&self) -> usize {
        self.shards.iter().map(|s| s.lock().pairs.iter().map(|p| p.len).sum::<usize>()).sum()
    }

    /// Heap bytes held: tables (at their capacity) and event lists (at theirs).
    pub fn heap_bytes(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| {
                let shard = shard.lock();
                let table = shard.accounts.slots.capacity() * size_of::<Slot>();
                let events: usize = shard.accounts.accounts().map(|a| a.events.capacity() * size_of::<Event>()).sum();
                let pairs: usize = shard.pairs.iter().map(|p| p.slots.capacity() * size_of::<u64>()).sum();
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
    fn the_tables_find_what_was_put_whatever_the_keys() {
        // Keys sharing their low bits (one probe sequence), the keys that mark free slots, and many more than
        // the first capacity: the tables grow, and agree with the standard library's.
        let mut keys: Vec<u64> = (0..2_000u64).map(|k| k << 20).collect();
        keys.extend([0, 1, FREE, FREE - 1, u64::MAX >> 1]);
        keys.extend((0..3_000u64).map(|k| k.wrapping_mul(0x9e37_79b9_7f4a_7c15)));
        let (mut accounts, mut pairs) = (AccountTable::default(), PairSet::default());
        let mut reference = std::collections::HashSet::new();
        for (n, &key) in keys.iter().chain(&keys).enumerate() {
            let new = reference.insert(key);
            let (index, known) = accounts.find_or_insert(key, n as u32 + 1);
            assert_eq!(known, !new, "{key:#x}");
            assert_eq!(accounts.slots[index].key, key);
            assert_eq!(pairs.contains(key), !new, "{key:#x}");
            assert_eq!(pairs.insert(key), new, "{key:#x}");
            assert!(pairs.contains(key));
        }
        assert_eq!((accounts.len, pairs.len), (reference.len(), reference.len()));
        for &key in &reference {
            let account = accounts.get_mut(key).expect("every key is found");
            assert!(account.first_seen >= 1);
        }
        assert!(accounts.find(12_345).is_none() && !pairs.contains(12_345));
        assert!(accounts.len * 10 <= accounts.slots.len() * 7 && pairs.len * 10 <= pairs.slots.len() * 7);
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
