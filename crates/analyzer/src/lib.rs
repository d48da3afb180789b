//! The message analyzer: is this SMS, chat message, email or call transcript a scam, what kind, and which
//! words give it away. Pure: no I/O; the lexicon and the model weights are compiled in from `data/`.

pub mod normalise;
pub mod red_flags;

pub use normalise::{NormalisedMessage, Span, Token, normalise};
pub use red_flags::{RedFlag, red_flags, red_flags_of_text};
