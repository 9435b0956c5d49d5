//! API scenarios, each run against a real server on SQLite and on PostgreSQL.

mod activity;
mod deals;
mod openapi;
mod parties;
mod protocol;
mod support;
