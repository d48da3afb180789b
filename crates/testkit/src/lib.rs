//! Test support for canhgiac's test suites: free loopback ports and throwaway PostgreSQL servers.
//!
//! Used by tests only (`[dev-dependencies]`). Nothing here talks to the outside network: every server
//! listens on 127.0.0.1 and lives in a temporary directory.
//!
//! # PostgreSQL
//!
//! Tests that need PostgreSQL call [`require_postgres_database`] (or [`postgres_database`]) and get a
//! fresh, empty database of their own. Where that database lives:
//!
//! * If `CANHGIAC_TEST_POSTGRES_URL` is set (the admin URL of a running server; `./scripts/test` sets
//!   it after starting one throwaway cluster with `scripts/throwaway-postgres`), the database is
//!   created on that server.
//! * Otherwise the process starts its own [`PostgresCluster`] the first time a test asks for one
//!   (`initdb` + `pg_ctl` from Debian's `postgresql` package) and shares it among all its tests.
//!
//! Why one cluster per process and not per test: cargo-nextest runs *each test in its own process*,
//! so "per process" is already "per test" there, and a cluster costs 1 to 3 seconds to create. One
//! server for the whole run (the environment variable) is what makes the suite fast; the per-process
//! cluster is the fallback that lets `cargo test -p canhgiac-store` work on a developer's machine
//! without any setup. Databases (`CREATE DATABASE`, a fraction of a second) keep tests apart.
//!
//! A cluster must never outlive the test process that started it, whatever way that process ends:
//! [`PostgresCluster`]'s `Drop` stops it; the per-process cluster lives in a `static` that is never
//! dropped, so it is stopped by an `atexit` handler; and every cluster has a watchdog (a tiny `sh`
//! reading a pipe only the test process can write to) that stops the server and removes its
//! directory when the test process dies without running either (a panic across `abort`, `SIGKILL`
//! from nextest's timeout).
//!
//! When no server can be had (no environment variable, no PostgreSQL binaries), tests *fail* with a
//! message saying how to get one: CI must run them, never skip them silently.

mod database;
mod port;
mod postgres;

pub use database::{
    POSTGRES_URL_ENV, TestDatabase, postgres_available, postgres_database, psql, require_postgres_database,
    shared_cluster,
};
pub use port::free_loopback_port;
pub use postgres::{PG_BIN_ENV, PgBinaries, PostgresCluster, process_alive};
