//! STUB: to be replaced.
use crate::error::{Error, ErrorCode, Result};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BankAccount {
    canonical: String,
}

impl BankAccount {
    pub fn parse(input: &str) -> Result<Self> {
        let _ = input;
        Err(Error::new(ErrorCode::InvalidBankAccount, "not yet implemented"))
    }
    pub fn canonical(&self) -> &str {
        &self.canonical
    }
    pub fn display(&self) -> String {
        self.canonical.clone()
    }
    pub(crate) fn details(&self, map: &mut Map<String, Value>) {
        let _ = map;
    }
}
pub struct Bank;
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CardNumber { canonical: String }
impl CardNumber {
    pub fn parse(input: &str) -> Result<Self> { let _ = input; Err(Error::new(ErrorCode::InvalidCard, "")) }
    pub fn canonical(&self) -> &str { &self.canonical }
    pub fn display(&self) -> String { self.canonical.clone() }
    pub(crate) fn details(&self, map: &mut Map<String, Value>) { let _ = map; }
}
pub fn bank_by_bin(_bin: &str) -> Option<&'static Bank> { None }
pub fn bank_by_name(_name: &str) -> Option<&'static Bank> { None }
pub fn banks() -> &'static [Bank] { &[] }
