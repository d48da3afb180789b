use super::Identifier;
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found { pub identifier: Identifier, pub span: (usize, usize) }
pub fn extract(_text: &str) -> Vec<Found> { Vec::new() }
