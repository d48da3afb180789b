use super::{Identifier};
use crate::error::Result;
pub fn detect(input: &str) -> Result<Identifier> { super::IdentifierKind::Phone.parse(input) }
