//! kycore's HTTP integration tests: one binary, a real server on loopback per test, over a
//! real database (SQLite always, PostgreSQL too when `KYCORE_TEST_DATABASE_URL` is set).
//!
//! `helpers` holds the harness; `browser` drives the hosted pages in headless Chromium; every
//! other module covers one feature of the API.

// clippy.toml allows `unwrap` inside `#[test]` functions only; in a test binary the helpers
// unwrap too, as their way of asserting.
#![allow(clippy::unwrap_used)]

mod abuse;
mod applicants;
mod audit;
mod auth;
mod blob_store;
mod branding;
mod browser;
mod cases;
mod concurrency;
mod console;
mod console_admin;
mod decisions;
mod deployment;
mod dialect_caliza;
mod dialect_link;
mod dialect_provide;
mod dialect_rebilly;
mod dialect_vove;
mod document_reading;
mod documents;
mod encryption;
mod expiry;
mod helpers;
mod idempotency;
mod links;
mod metrics;
mod monitoring;
mod openapi;
mod pagination;
mod portal;
mod portal_mail;
mod processing;
mod redaction;
mod sandbox;
mod screenings;
mod smtp_sink;
mod tenancy;
mod uploads_hardening;
mod validation;
mod webhooks;
