//! API scenarios, each run against a real server on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used)]

mod access;
mod activity;
mod auth;
mod bad_input;
mod billing;
mod browser;
mod committee;
mod contracts;
mod cycle;
mod deals;
mod exports;
mod gates;
mod imports;
mod openapi;
mod pages;
mod parties;
mod pricing;
mod promotions;
mod protocol;
mod recommendations;
mod relationships;
mod support;
mod telemarketing;
