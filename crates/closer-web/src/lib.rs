//! Closer's edge: the JSON API (with its OpenAPI document) over the use cases of `app`.

pub mod api;
pub mod app;
pub mod ui;

pub use api::{AppState, router};
