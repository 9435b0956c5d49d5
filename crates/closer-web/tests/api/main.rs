//! API scenarios, each run against a real server on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used)]

mod activity;
mod deals;
mod openapi;
mod parties;
mod protocol;
mod support;
