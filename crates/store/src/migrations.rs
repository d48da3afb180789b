//! Numbered migrations, one SQL file per backend and number, compiled into the binary.
//!
//! Applied in order at start-up (and by `canhgiac migrate`), each in its own transaction together with
//! its row in `schema_migrations`, so a migration is applied whole or not at all. Released migrations are
//! never edited: a change is a new number. A database whose version is newer than this binary knows is
//! refused rather than used.

use canhgiac_core::{Error, ErrorCode};

pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sqlite: include_str!("../migrations/sqlite/0001_initial.sql"),
        postgres: include_str!("../migrations/postgres/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "reputation_signals",
        sqlite: include_str!("../migrations/sqlite/0002_reputation_signals.sql"),
        postgres: include_str!("../migrations/postgres/0002_reputation_signals.sql"),
    },
    Migration {
        version: 3,
        name: "screening",
        sqlite: include_str!("../migrations/sqlite/0003_screening.sql"),
        postgres: include_str!("../migrations/postgres/0003_screening.sql"),
    },
    Migration {
        version: 4,
        name: "feed_entries_by_contact",
        sqlite: include_str!("../migrations/sqlite/0004_feed_entries_by_contact.sql"),
        postgres: include_str!("../migrations/postgres/0004_feed_entries_by_contact.sql"),
    },
];

/// The table that records what is applied (the same on both backends).
pub const SCHEMA_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)";

/// The newest version this binary knows.
pub fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Refuses a database migrated by a newer binary.
pub fn check_not_newer(applied: u32) -> Result<(), Error> {
    if applied > latest_version() {
        return Err(Error::new(
            ErrorCode::SchemaVersionMismatch,
            format!(
                "the database is at schema version {applied} but this canhgiac knows versions up to {}: run a newer canhgiac",
                latest_version()
            ),
        ));
    }
    Ok(())
}

pub(crate) fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_numbered_from_one_without_gaps() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version as usize, index + 1, "{}", migration.name);
        }
        assert!(check_not_newer(latest_version()).is_ok());
        assert_eq!(check_not_newer(latest_version() + 1).unwrap_err().code, ErrorCode::SchemaVersionMismatch);
    }
}
