//! Webhook formats: how an event looks on a receiver's wire. Each is one
//! [`WebhookFormat`](kycore_services::webhooks::format::WebhookFormat) — the native Standard
//! Webhooks one here, each vendor's with its dialect (`dialects/<name>/webhook.rs`) — installed into the services when the
//! app is built. A format renders and signs; it never reads storage or sends anything
//! (delivery, in the services, does both the same way for every format).

mod native;

use std::sync::Arc;

use kycore_services::webhooks::format::{Formats, WebhookFormat};

/// Every format an endpoint may name.
pub fn formats() -> Formats {
    let formats: Vec<Arc<dyn WebhookFormat>> = vec![
        Arc::new(native::Native),
        Arc::new(crate::dialects::vove::webhook::VoveFormat),
        Arc::new(crate::dialects::caliza::webhook::CalizaFormat),
        Arc::new(crate::dialects::link::webhook::LinkFormat),
        Arc::new(crate::dialects::provide::webhook::ProvideFormat),
        Arc::new(crate::dialects::rebilly::webhook::RebillyFormat),
    ];
    Formats::new(formats)
}
