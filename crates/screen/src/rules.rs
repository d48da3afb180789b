//! Screening rules, declared in a TOML file: each rule a condition over the signals, a weight, Vietnamese
//! and English texts and an optional scam type; score thresholds for the levels; policies per organisation;
//! shadow rules that are evaluated and recorded but never act.
//!
//! A file is checked whole before it replaces the rules in use: a mistake anywhere refuses the file with
//! the rule and the position, and the old rules stay.

use crate::expression::Expression;
use crate::signals::{Signal, Signals};
use canhgiac_core::{Error, ErrorCode, ScamType};
use serde::Deserialize;
use std::collections::HashMap;

/// The rules shipped with the platform (`data/rules.toml`), used when the data directory holds none.
pub const SHIPPED_RULES: &str = include_str!("../data/rules.toml");

/// An instance's own rules, in its data directory; without it the shipped rules apply.
pub const RULES_FILE: &str = "screening_rules.toml";

/// What a bank does with a level 3 decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyMode {
    /// Only warn: the customer decides (levels 1-3 all `warn`).
    WarnOnly,
    /// Hold at level 3 and ask the payee's bank to freeze.
    Hold,
}

/// An organisation's policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub mode: PolicyMode,
    /// A level 3 transfer for which this holds is blocked outright rather than held (never with `warn_only`).
    pub block_when: Option<Expression>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    mode: PolicyMode,
    #[serde(default)]
    block_when: Option<String>,
}

/// Score thresholds of levels 1, 2 and 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Levels {
    pub warn: u8,
    pub strong_warn: u8,
    pub hold: u8,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    version: String,
    levels: Levels,
    #[serde(default)]
    policies: HashMap<String, PolicyFile>,
    #[serde(rename = "rules")]
    rules: Vec<RuleFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    code: String,
    when: String,
    weight: i32,
    #[serde(default)]
    scam_type: Option<String>,
    vi: String,
    en: String,
    #[serde(default)]
    shadow: bool,
    #[serde(default)]
    from_flags: bool,
}

/// A text with `{signal}` placeholders, checked when the file is loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    parts: Vec<TemplatePart>,
}

#[derive(Debug, Clone, PartialEq)]
enum TemplatePart {
    Literal(String),
    Signal(Signal),
}

/// Signals shown as money in texts.
fn is_money(signal: Signal) -> bool {
    matches!(signal, Signal::Amount | Signal::PayerDailyTotal | Signal::PayeeInboundAmount24h)
}

/// Groups the digits of a whole number: `1.250.000` in Vietnamese, `1,250,000` in English.
pub fn group_digits(value: u64, separator: char) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(separator);
        }
        grouped.push(digit);
    }
    grouped
}

impl Template {
    fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(TemplatePart::Literal(rest[..open].to_string()));
            }
            let Some(close) = rest[open..].find('}') else { return Err("a '{' is not closed".into()) };
            let name = rest[open + 1..open + close].trim();
            let signal = Signal::by_name(name).ok_or_else(|| format!("unknown signal '{{{name}}}'"))?;
            parts.push(TemplatePart::Signal(signal));
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            parts.push(TemplatePart::Literal(rest.to_string()));
        }
        Ok(Template { parts })
    }

    /// The text with the signals' values; `vietnamese` chooses the number style.
    pub fn render(&self, signals: &Signals, vietnamese: bool) -> String {
        let mut text = String::new();
        for part in &self.parts {
            match part {
                TemplatePart::Literal(literal) => text.push_str(literal),
                TemplatePart::Signal(signal) => text.push_str(&format_value(*signal, signals.get(*signal), vietnamese)),
            }
        }
        text
    }
}

/// A signal's value as a person reads it.
pub fn format_value(signal: Signal, value: f64, vietnamese: bool) -> String {
    if is_money(signal) {
        let whole = value.max(0.0).round() as u64;
        return if vietnamese {
            format!("{} ₫", group_digits(whole, '.'))
        } else {
            format!("{} VND", group_digits(whole, ','))
        };
    }
    if signal == Signal::PayeePassThrough {
        let mut text = rounded(value * 100.0);
        text.push('%');
        return text;
    }
    if value.fract() == 0.0 { rounded(value) } else { format!("{value:.1}") }
}

/// `format!("{value:.0}")`, through the integer formatter where it gives the same text: float formatting
/// with a precision takes a slow exact path, and reasons quote counts, days and scores. `{:.0}` rounds half
/// to even, as `round_ties_even` does; a negative value that rounds to 0 is printed "-0", which is left to it.
fn rounded(value: f64) -> String {
    let whole = value.round_ties_even();
    if whole.abs() < 1e15 && !(whole == 0.0 && value.is_sign_negative()) {
        (whole as i64).to_string()
    } else {
        format!("{value:.0}")
    }
}

/// One rule, compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub code: String,
    pub condition: Expression,
    pub weight: i32,
    pub scam_type: Option<ScamType>,
    pub vi: Template,
    pub en: Template,
    pub shadow: bool,
    /// The rule's evidence is other accounts' flags (or the payee's own earlier flag): it counts toward the
    /// decision but never flags the payee by itself, so that flags cannot spread from account to account.
    pub from_flags: bool,
}

/// A checked rules file.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSet {
    pub version: String,
    pub levels: Levels,
    pub policies: HashMap<String, Policy>,
    pub rules: Vec<Rule>,
}

/// The policy for organisations the file does not name, unless it has a `default`.
pub const DEFAULT_POLICY: Policy = Policy { mode: PolicyMode::Hold, block_when: None };

/// What the rules say of one transfer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    /// 0-100.
    pub score: u8,
    /// Positions in [`RuleSet::rules`] of the acting rules that fired.
    pub fired: Vec<usize>,
    /// Positions of the shadow rules that fired.
    pub shadow_fired: Vec<usize>,
    /// The score had the shadow rules acted too.
    pub shadow_score: u8,
    /// The score of the acting rules whose evidence is the payee's own (not [`Rule::from_flags`]): what may flag it.
    pub own_score: u8,
}

fn invalid(message: impl Into<String>, field: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidRules, message).with_field(field)
}

fn clamp_score(total: i32) -> u8 {
    total.clamp(0, 100) as u8
}

impl RuleSet {
    /// The shipped rules.
    pub fn shipped() -> RuleSet {
        // A test keeps the shipped file valid.
        RuleSet::parse(SHIPPED_RULES).expect("the shipped screening rules are valid")
    }

    /// Parses and checks a whole rules file.
    pub fn parse(text: &str) -> Result<RuleSet, Error> {
        let file: RulesFile = toml::from_str(text).map_err(|error| {
            let place = error
                .span()
                .map(|span| {
                    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                    format!(" (line {line})")
                })
                .unwrap_or_default();
            invalid(format!("the rules file is not valid TOML{place}: {}", error.message()), "rules")
        })?;
        let version = file.version.trim().to_string();
        if version.is_empty() || version.len() > 64 {
            return Err(invalid("the version is 1 to 64 characters", "version"));
        }
        let levels = file.levels;
        if !(1..=100).contains(&levels.warn)
            || levels.warn > levels.strong_warn
            || levels.strong_warn > levels.hold
            || levels.hold > 100
        {
            return Err(invalid("levels must rise: 1 ≤ warn ≤ strong_warn ≤ hold ≤ 100", "levels"));
        }
        let mut policies = HashMap::new();
        for (name, policy) in file.policies {
            let block_when = match policy.block_when.as_deref() {
                Some(source) => Some(
                    Expression::condition(source)
                        .map_err(|e| invalid(format!("policy '{name}': {e}"), format!("policies.{name}.block_when")))?,
                ),
                None => None,
            };
            policies.insert(name, Policy { mode: policy.mode, block_when });
        }
        if file.rules.is_empty() {
            return Err(invalid("the file has no rules", "rules"));
        }
        let mut rules = Vec::with_capacity(file.rules.len());
        for (position, rule) in file.rules.into_iter().enumerate() {
            let field = |name: &str| format!("rules[{position}].{name}");
            let code = rule.code.trim().to_string();
            if code.is_empty()
                || code.len() > 64
                || !code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(invalid("a rule's code is 1 to 64 characters of a-z, 0-9 and _", field("code")));
            }
            if rules.iter().any(|r: &Rule| r.code == code) {
                return Err(invalid(format!("two rules have the code '{code}'"), field("code")));
            }
            let condition =
                Expression::condition(&rule.when).map_err(|e| invalid(format!("rule '{code}': {e}"), field("when")))?;
            if !(-100..=100).contains(&rule.weight) {
                return Err(invalid(format!("rule '{code}': a weight is -100 to 100"), field("weight")));
            }
            let scam_type = match rule.scam_type.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                Some(text) => Some(
                    ScamType::parse(text)
                        .map_err(|e| invalid(format!("rule '{code}': {}", e.message), field("scam_type")))?,
                ),
                None => None,
            };
            let mut texts = Vec::new();
            for (name, text) in [("vi", &rule.vi), ("en", &rule.en)] {
                if text.trim().is_empty() {
                    return Err(invalid(format!("rule '{code}' needs a text"), field(name)));
                }
                texts.push(
                    Template::parse(text.trim()).map_err(|e| invalid(format!("rule '{code}': {e}"), field(name)))?,
                );
            }
            let en = texts.pop().unwrap_or(Template { parts: Vec::new() });
            let vi = texts.pop().unwrap_or(Template { parts: Vec::new() });
            rules.push(Rule {
                code,
                condition,
                weight: rule.weight,
                scam_type,
                vi,
                en,
                shadow: rule.shadow,
                from_flags: rule.from_flags,
            });
        }
        Ok(RuleSet { version, levels, policies, rules })
    }

    /// Runs every rule.
    pub fn evaluate(&self, signals: &Signals) -> Evaluation {
        let mut evaluation = Evaluation::default();
        let (mut total, mut shadow_total, mut own_total) = (0i32, 0i32, 0i32);
        for (position, rule) in self.rules.iter().enumerate() {
            if rule.condition.holds(signals) {
                shadow_total += rule.weight;
                if rule.shadow {
                    evaluation.shadow_fired.push(position);
                } else {
                    total += rule.weight;
                    if !rule.from_flags {
                        own_total += rule.weight;
                    }
                    evaluation.fired.push(position);
                }
            }
        }
        evaluation.score = clamp_score(total);
        evaluation.shadow_score = clamp_score(shadow_total);
        evaluation.own_score = clamp_score(own_total);
        evaluation
    }

    /// The level (0-3) of a score.
    pub fn level(&self, score: u8) -> u8 {
        let levels = &self.levels;
        if score >= levels.hold {
            3
        } else if score >= levels.strong_warn {
            2
        } else if score >= levels.warn {
            1
        } else {
            0
        }
    }

    /// The policy of an organisation, by its name or id; else the file's `default`; else [`DEFAULT_POLICY`].
    pub fn policy(&self, names: &[&str]) -> &Policy {
        names
            .iter()
            .find_map(|name| self.policy_named(name))
            .or_else(|| self.policy_named("default"))
            .unwrap_or(&DEFAULT_POLICY)
    }

    /// A file names a few policies: comparing a name with theirs is quicker than hashing it (this runs for
    /// every transfer, once per name of the organisation).
    fn policy_named(&self, name: &str) -> Option<&Policy> {
        if self.policies.len() <= 8 {
            self.policies.iter().find(|(named, _)| named.as_str() == name).map(|(_, policy)| policy)
        } else {
            self.policies.get(name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_rules_load() {
        let rules = RuleSet::shipped();
        assert!(rules.rules.len() >= 15);
        assert!(rules.rules.iter().any(|r| r.shadow), "the shipped file shows a shadow rule");
    }

    const SMALL: &str = r#"
version = "test-1"
[levels]
warn = 40
strong_warn = 60
hold = 80
[policies.default]
mode = "hold"
block_when = "payee_verdict >= 4"
[policies."Warn Bank"]
mode = "warn_only"
[[rules]]
code = "fan_in"
when = "payee_distinct_payers_24h >= 5"
weight = 45
scam_type = "task_scam"
vi = "Nhận tiền từ {payee_distinct_payers_24h} người, tổng {payee_inbound_amount_24h}"
en = "paid by {payee_distinct_payers_24h} accounts, {payee_inbound_amount_24h} in all"
[[rules]]
code = "night"
when = "night"
weight = 20
vi = "Ban đêm"
en = "At night"
[[rules]]
code = "trial"
when = "amount > 1000"
weight = 50
vi = "Thử"
en = "Trial"
shadow = true
"#;

    #[test]
    fn rules_score_level_and_render_their_inputs() {
        let rules = RuleSet::parse(SMALL).unwrap();
        let mut signals = Signals::default();
        signals.set(Signal::PayeeDistinctPayers24h, 7.0);
        signals.set(Signal::PayeeInboundAmount24h, 125_000_000.0);
        signals.set(Signal::Amount, 2_000.0);
        let evaluation = rules.evaluate(&signals);
        assert_eq!(
            (evaluation.score, evaluation.fired.clone(), evaluation.shadow_fired.clone()),
            (45, vec![0], vec![2])
        );
        assert_eq!(evaluation.shadow_score, 95);
        assert_eq!(rules.level(45), 1);
        assert_eq!(rules.level(80), 3);
        assert_eq!(rules.rules[0].vi.render(&signals, true), "Nhận tiền từ 7 người, tổng 125.000.000 ₫");
        assert_eq!(rules.rules[0].en.render(&signals, false), "paid by 7 accounts, 125,000,000 VND in all");
        assert_eq!(rules.policy(&["Warn Bank"]).mode, PolicyMode::WarnOnly);
        let mut confirmed = Signals::default();
        confirmed.set(Signal::PayeeVerdict, 4.0);
        assert!(rules.policy(&["Other"]).block_when.as_ref().unwrap().holds(&confirmed));
    }

    #[test]
    fn mistakes_refuse_the_file_and_name_the_place() {
        for (change, field, message) in [
            (
                SMALL.replace("payee_distinct_payers_24h >= 5", "payee_distinct_payers >= 5"),
                "rules[0].when",
                "unknown signal",
            ),
            (SMALL.replace("weight = 45", "weight = 450"), "rules[0].weight", "-100 to 100"),
            (SMALL.replace("code = \"night\"", "code = \"fan_in\""), "rules[1].code", "two rules"),
            (SMALL.replace("\"task_scam\"", "\"tax_scam\""), "rules[0].scam_type", "scam type"),
            (SMALL.replace("{payee_inbound_amount_24h} in all", "{payees} in all"), "rules[0].en", "unknown signal"),
            (SMALL.replace("strong_warn = 60", "strong_warn = 90"), "levels", "must rise"),
            (SMALL.replace("mode = \"warn_only\"", "mode = \"pray\""), "rules", "line 11"),
            (SMALL.replace("weight = 20", "weight = 20\ncolour = \"red\""), "rules", "colour"),
            (SMALL.replace("payee_verdict >= 4", "payee_verdict >="), "policies.default.block_when", "ends too early"),
            (
                "version = \"x\"\nrules = []\n[levels]\nwarn = 1\nstrong_warn = 2\nhold = 3".to_string(),
                "rules",
                "no rules",
            ),
        ] {
            let error = RuleSet::parse(&change).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidRules);
            assert_eq!(error.field.as_deref(), Some(field), "{error:?}");
            assert!(error.message.contains(message), "{error:?}");
        }
    }

    #[test]
    fn values_read_as_float_formatting_writes_them() {
        let mut values = vec![0.0f64, -0.0, 1.0, -3.0, 7.0, 42.0, 999_999_999_999_999.0, 1e15, 1e20, -1e16, 2.5, -0.25];
        values.extend([0.05, 0.005, 0.125, 0.845, 0.995, 0.9999, 1.0 / 3.0, -0.004, -0.006, f64::NAN, f64::INFINITY]);
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push((x % 1_000_000) as f64 / 1_000_000.0);
            values.push((x % 4000) as f64 / 8.0 - 100.0);
        }
        for value in values {
            let expected = if value.fract() == 0.0 { format!("{value:.0}") } else { format!("{value:.1}") };
            assert_eq!(format_value(Signal::PayeeReports, value, true), expected, "{value}");
            assert_eq!(
                format_value(Signal::PayeePassThrough, value, true),
                format!("{:.0}%", value * 100.0),
                "{value}"
            );
        }
    }

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group_digits(0, '.'), "0");
        assert_eq!(group_digits(1_250_000, '.'), "1.250.000");
        assert_eq!(group_digits(999, ','), "999");
        assert_eq!(group_digits(1000, ','), "1,000");
    }
}
