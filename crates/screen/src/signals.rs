//! The signals rules are written over: one number each, named, documented, in one table.
//!
//! Every transfer is turned into a [`Signals`] array (booleans are 0 or 1) before any rule runs, so that a
//! rule is a pure expression over numbers, and "the rules that fired with their inputs" can quote the
//! values each rule read.

/// What a signal holds, for the expression checker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalType {
    Number,
    Bool,
    /// The channel, compared with its names (`channel == "qr"`).
    Channel,
}

macro_rules! signals {
    ($( $variant:ident => $name:literal, $type:ident, $doc:literal; )+) => {
        /// Every signal, in a fixed order (its position in [`Signals`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Signal { $( #[doc = $doc] $variant ),+ }

        impl Signal {
            pub const ALL: &'static [Signal] = &[$(Signal::$variant),+];

            /// The name rules use.
            pub fn name(self) -> &'static str {
                match self { $(Signal::$variant => $name),+ }
            }

            pub fn signal_type(self) -> SignalType {
                match self { $(Signal::$variant => SignalType::$type),+ }
            }

            pub fn description(self) -> &'static str {
                match self { $(Signal::$variant => $doc),+ }
            }

            pub fn by_name(name: &str) -> Option<Signal> {
                match name { $($name => Some(Signal::$variant),)+ _ => None }
            }
        }
    };
}

signals! {
    Amount => "amount", Number, "the amount in đồng (VND)";
    Channel => "channel", Channel, "mobile, internet, counter, atm or qr";
    Hour => "hour", Number, "the hour of the transfer in Vietnam (UTC+7), 0-23";
    Night => "night", Bool, "the transfer is made between 23:00 and 05:00 in Vietnam";
    JustUnderBiometric => "just_under_biometric", Bool,
        "the amount is just under a biometric threshold: 9-10 million or 18-20 million đồng";
    PayerDailyTotal => "payer_daily_total", Number, "what the payer sent in the last 24 hours, this transfer included";
    PayerAgeDays => "payer_age_days", Number, "days since the payer became a customer (-1 when not given)";
    PayerNewDevice => "payer_new_device", Bool, "the payer uses a device new to the bank";
    PayerBiometricPassed => "payer_biometric_passed", Bool, "the payer passed a biometric check for this transfer";
    PayerFlagged => "payer_flagged", Bool,
        "the payer is flagged (in the last 90 days: strongly warned about as a payee, confirmed fraud) or suspicious in the reputation index";
    PayeeVerdict => "payee_verdict", Number,
        "the payee account's verdict: -1 official, 0 no data, 1 reported, 2 suspicious, 3 high risk, 4 confirmed scam";
    PayeeScore => "payee_score", Number, "the payee account's reputation score, 0-100";
    PayeeRelatedVerdict => "payee_related_verdict", Number,
        "the worst verdict of the phones and e-wallets reported together with the payee account (same scale)";
    PayeeReports => "payee_reports", Number, "citizen reports naming the payee account";
    PayeeKnown => "payee_known", Bool, "the payee has been seen in a transfer before";
    PayeeAgeDays => "payee_age_days", Number, "days since the payee was first seen in a transfer (0 when new)";
    PayeeFlagged => "payee_flagged", Bool,
        "the payee is flagged (in the last 90 days): a transfer into it was strongly warned about or held, or it was confirmed fraud";
    PayeeDaysSinceFlagged => "payee_days_since_flagged", Number, "days since the payee was flagged (-1 when never)";
    PayeeDistinctPayers1h => "payee_distinct_payers_1h", Number, "distinct accounts that paid the payee in the last hour";
    PayeeDistinctPayers24h => "payee_distinct_payers_24h", Number,
        "distinct accounts that paid the payee in the last 24 hours";
    PayeeInbound24h => "payee_inbound_24h", Number, "transfers into the payee in the last 24 hours";
    PayeeInboundAmount24h => "payee_inbound_amount_24h", Number, "đồng received by the payee in the last 24 hours";
    PayeeOutbound24h => "payee_outbound_24h", Number, "transfers out of the payee in the last 24 hours";
    PayeeDistinctPayees24h => "payee_distinct_payees_24h", Number,
        "distinct accounts the payee paid in the last 24 hours (fan-out)";
    PayeePassThrough => "payee_pass_through", Number,
        "share (0-1) of the money the payee received in the last 24 hours that it sent on within 30 minutes";
    PayeeReceivedFromFlagged => "payee_received_from_flagged", Number,
        "transfers the payee received from flagged accounts (in the current 90-day period)";
    PayeeSentToFlagged => "payee_sent_to_flagged", Number,
        "transfers the payee sent to accounts flagged then or within a day after (in the current 90-day period)";
    PayeeDaysSinceFedFlagged => "payee_days_since_fed_flagged", Number,
        "days since the payee last sent money to a flagged account (-1 when never)";
    PayeeDaysSinceWarned => "payee_days_since_warned", Number,
        "days since a transfer into the payee was last warned about, held or blocked (-1 when never)";
    PairFirst => "pair_first", Bool, "the payer has never paid this payee before";
    PairCount24h => "pair_count_24h", Number, "earlier transfers from this payer to this payee in the last 24 hours";
    RemarkScamProbability => "remark_scam_probability", Number,
        "the message analyzer's scam probability of the remark and declared purpose (0 when both are empty)";
    RemarkPhrase => "remark_phrase", Bool,
        "the remark or purpose names a scam's pretext (a verification fee, bail, a loan disbursement fee...)";
    RemarkRedFlags => "remark_red_flags", Number, "the analyzer's red flags in the remark and purpose";
}

/// The number of signals.
pub const SIGNAL_COUNT: usize = Signal::ALL.len();

/// One transfer's signals, by [`Signal`] position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Signals(pub [f64; SIGNAL_COUNT]);

impl Default for Signals {
    fn default() -> Self {
        Signals([0.0; SIGNAL_COUNT])
    }
}

impl Signals {
    pub fn get(&self, signal: Signal) -> f64 {
        self.0[signal as usize]
    }

    pub fn set(&mut self, signal: Signal, value: f64) {
        self.0[signal as usize] = value;
    }

    pub fn set_bool(&mut self, signal: Signal, value: bool) {
        self.0[signal as usize] = if value { 1.0 } else { 0.0 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found_again() {
        let mut names: Vec<&str> = Signal::ALL.iter().map(|s| s.name()).collect();
        for signal in Signal::ALL {
            assert_eq!(Signal::by_name(signal.name()), Some(*signal));
            assert!(!signal.description().is_empty());
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), SIGNAL_COUNT);
    }
}

#[cfg(test)]
mod documentation {
    use super::*;

    #[test]
    fn every_signal_is_documented_in_docs_screening() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/screening.md");
        let text = std::fs::read_to_string(path).expect("docs/screening.md is in the repository");
        for signal in Signal::ALL {
            assert!(text.contains(&format!("| `{}` |", signal.name())), "docs/screening.md lacks {}", signal.name());
        }
    }
}
