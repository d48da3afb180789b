//! The message analyzer: is this SMS, chat message, email or call transcript a scam, what kind, and which
//! words give it away. Pure: no I/O; the lexicon and the model weights are compiled in from `data/`.

pub mod analyze;
pub mod corpus;
pub mod eval;
pub mod features;
pub mod model;
pub mod normalise;
pub mod red_flags;
pub mod sender;
pub mod syllable;
pub mod train;

pub use analyze::{Analysis, Analyzer, Channel, Message, MessageVerdict};
pub use normalise::{NormalisedMessage, Span, Token, normalise};
pub use red_flags::{RedFlag, red_flags, red_flags_of_text};
