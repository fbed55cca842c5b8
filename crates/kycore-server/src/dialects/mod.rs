//! The vendor dialects: each one translates a vendor's API onto kycore's services — its
//! routes, credentials, shapes, statuses and errors — and decides nothing itself. One module
//! per vendor.

pub mod vove;
