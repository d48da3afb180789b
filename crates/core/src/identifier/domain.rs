//! STUB: to be replaced.
use crate::error::{Error, ErrorCode, Result};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Domain {
    canonical: String,
}

impl Domain {
    pub fn parse(input: &str) -> Result<Self> {
        let _ = input;
        Err(Error::new(ErrorCode::InvalidDomain, "not yet implemented"))
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
