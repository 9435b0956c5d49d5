//! Closer's storage: one API over SQLite (the embedded default) and PostgreSQL (for scale-out).
//!
//! Statements are built once with sea-query and rendered for the backend at hand; this crate is
//! the only place that writes SQL. Every tenant-owned table leads with `workspace_id`.

pub mod access;
pub mod access_defaults;
pub mod approvals;
pub mod audit;
pub mod billing;
pub mod call_campaigns;
pub mod call_registers;
pub mod contracts;
mod db;
pub mod deal_health;
pub mod deal_team;
pub mod deals;
pub mod employments;
pub mod endorsements;
pub mod idempotency;
pub mod imports;
pub mod interactions;
pub mod intro_requests;
pub mod jobs;
pub mod meetings;
pub mod merges;
pub mod notes;
pub mod parties;
pub mod party_keys;
pub mod playbooks;
pub mod products;
pub mod promotions;
pub mod quotes;
pub mod recommendations;
pub mod records;
mod schema;
pub mod sessions;
mod sqlite_writer;
pub mod stakeholders;
pub mod tasks;
pub mod teams;
pub mod throttle;
pub mod tokens;
pub mod users;
pub mod workspaces;

pub use db::{
    AnyRow, Backend, Conn, Db, DbConn, SqliteDb, SqliteSettings, StoreError, Tx, check_sqlite_file, redact_url,
};
pub use records::{Page, PageRequest};
pub use sqlite_writer::WriteTx;
