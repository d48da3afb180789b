//! Vietnamese normalisation with spans back into the original text.
