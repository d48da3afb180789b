//! Transfer screening for banks and e-wallets: allow, warn, hold or block a transfer in microseconds, with
//! reasons, from the payee's reputation, the remark and the accounts' recent behaviour (mule patterns).
//!
//! - [`transfer`]: the request a bank sends and its checked form.
//! - [`signals`]: the named numbers rules read. [`expression`]: the rules' condition language.
//! - [`rules`]: the declarative rules file (levels, policies, shadow rules), checked whole before use.
//! - [`behaviour`]: per-account sliding windows in memory.
//! - [`remark`]: scam pretexts in remarks, and the message analyzer's view of them.
//! - [`engine`]: [`Screener`], the decision. [`replay`]: a CSV of transfers through the same engine.

pub mod behaviour;
pub mod engine;
pub mod expression;
pub mod remark;
pub mod replay;
pub mod rules;
pub mod signals;
pub mod transfer;

pub use engine::{Asker, Decision, DecisionKind, DecisionReason, Screener};
pub use rules::RuleSet;
pub use transfer::{Transfer, TransferRequest};
