//! STUB: to be replaced.
use crate::error::{Error, ErrorCode, Result};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CryptoAddress {
    canonical: String,
}

impl CryptoAddress {
    pub fn parse(input: &str) -> Result<Self> {
        let _ = input;
        Err(Error::new(ErrorCode::InvalidCrypto, "not yet implemented"))
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
pub enum Chain { Btc, Eth, Tron }
