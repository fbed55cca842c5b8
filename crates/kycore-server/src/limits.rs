//! Limits against abuse, at the edge: a request rate per API key, and a budget of failed
//! authentications per client address after which that address is refused for a while.
//! Both answer `429 Too Many Requests` with `Retry-After` and count in the
//! `kycore_http_requests_refused` metric. They are kept in memory, per process: a bound on
//! what one server accepts, not an accounting.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderName, StatusCode};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::ApiError;

/// Keyed limiters forget idle keys once they hold this many.
const MAX_TRACKED: usize = 10_000;

/// The edge's abuse limits; `0` turns one off.
#[derive(Clone, Debug)]
pub struct RateLimits {
    /// Requests per second one API key may send (bursts up to twice as many).
    pub per_key_per_second: u32,
    /// Failed authentications one client address may make per minute before it is refused
    /// until the minute has passed.
    pub auth_failures_per_minute: u32,
    /// A header naming the client's address as a trusted reverse proxy sets it (its last
    /// entry counts, e.g. `X-Forwarded-For`); without it the connection's peer address is
    /// the client's.
    pub client_ip_header: Option<HeaderName>,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            per_key_per_second: 200,
            auth_failures_per_minute: 20,
            client_ip_header: None,
        }
    }
}

pub(crate) struct Limiter {
    per_key: Option<DefaultKeyedRateLimiter<String>>,
    failures: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Addresses refused until the instant given, after using up their failure budget.
    blocked: Mutex<HashMap<IpAddr, Instant>>,
    client_ip_header: Option<HeaderName>,
}

impl Limiter {
    pub(crate) fn new(limits: &RateLimits) -> Self {
        let per_key = NonZeroU32::new(limits.per_key_per_second).map(|rate| {
            let burst = NonZeroU32::new(rate.get().saturating_mul(2)).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        let failures = NonZeroU32::new(limits.auth_failures_per_minute)
            .map(|rate| RateLimiter::keyed(Quota::per_minute(rate)));
        Limiter {
            per_key,
            failures,
            blocked: Mutex::new(HashMap::new()),
            client_ip_header: limits.client_ip_header.clone(),
        }
    }

    /// Refuses a key over its rate; `None` lets the request through.
    pub(crate) fn check_key(&self, key_id: &str) -> Option<ApiError> {
        let limiter = self.per_key.as_ref()?;
        let refused = limiter
            .check_key(&key_id.to_owned())
            .err()
            .map(|not_until| {
                too_many(
                    "rate_limited",
                    "this key sent more requests than its rate allows; retry after the pause given",
                    not_until.wait_time_from(DefaultClock::default().now()),
                )
            });
        if limiter.len() > MAX_TRACKED {
            limiter.retain_recent();
        }
        refused
    }

    /// Refuses an address that used up its failure budget; `None` lets it try.
    pub(crate) fn check_address(&self, address: Option<IpAddr>) -> Option<ApiError> {
        let address = address?;
        let blocked = self.blocked.lock().unwrap_or_else(PoisonError::into_inner);
        let until = *blocked.get(&address)?;
        let now = Instant::now();
        (until > now).then(|| too_many_failures(until - now))
    }

    /// Counts a failed authentication from `address`; past the budget the address is refused
    /// until it has one again.
    pub(crate) fn record_failure(&self, address: Option<IpAddr>) {
        let (Some(address), Some(failures)) = (address, self.failures.as_ref()) else {
            return;
        };
        if let Err(not_until) = failures.check_key(&address) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let mut blocked = self.blocked.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            if blocked.len() > MAX_TRACKED {
                blocked.retain(|_, until| *until > now);
            }
            blocked.insert(address, now + wait);
        }
        if failures.len() > MAX_TRACKED {
            failures.retain_recent();
        }
    }

    /// The client's address: from the trusted proxy's header when one is configured, else
    /// the connection's peer.
    pub(crate) fn client_address(
        &self,
        headers: &HeaderMap,
        peer: Option<&ConnectInfo<SocketAddr>>,
    ) -> Option<IpAddr> {
        if let Some(name) = &self.client_ip_header {
            return headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|last| last.trim().parse().ok());
        }
        peer.map(|ConnectInfo(address)| address.ip())
    }
}

/// The answer to an address refused for its failures.
pub(crate) fn too_many_failures(wait: Duration) -> ApiError {
    too_many(
        "too_many_failed_authentications",
        "too many requests from this address failed authentication; retry after the pause given",
        wait,
    )
}

fn too_many(code: &'static str, message: &'static str, wait: Duration) -> ApiError {
    // Whole seconds, rounded up: a client that waits as told is let through.
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    ApiError {
        retry_after: Some(seconds.max(1)),
        ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, message)
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn address(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([192, 0, 2, last]))
    }

    #[test]
    fn an_address_is_refused_once_its_failures_are_used_up_and_others_are_not() {
        let limiter = Limiter::new(&RateLimits {
            auth_failures_per_minute: 3,
            ..RateLimits::default()
        });
        for _ in 0..3 {
            assert!(limiter.check_address(address(1)).is_none());
            limiter.record_failure(address(1));
        }
        assert!(
            limiter.check_address(address(1)).is_none(),
            "three are allowed"
        );
        limiter.record_failure(address(1));
        let refused = limiter.check_address(address(1)).unwrap();
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        let wait = refused.retry_after.unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(limiter.check_address(address(2)).is_none());
    }

    #[test]
    fn a_key_is_limited_to_its_rate_with_a_burst() {
        let limiter = Limiter::new(&RateLimits {
            per_key_per_second: 5,
            ..RateLimits::default()
        });
        let allowed = (0..20)
            .filter(|_| limiter.check_key("key_a").is_none())
            .count();
        assert_eq!(allowed, 10, "a burst of twice the rate");
        assert!(limiter.check_key("key_b").is_none());
        let off = Limiter::new(&RateLimits {
            per_key_per_second: 0,
            ..RateLimits::default()
        });
        assert!((0..1000).all(|_| off.check_key("key_a").is_none()));
    }

    #[test]
    fn the_client_address_comes_from_the_trusted_header_only_when_configured() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.9, 198.51.100.7"),
        );
        let peer = ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 4000)));
        let direct = Limiter::new(&RateLimits::default());
        assert_eq!(
            direct.client_address(&headers, Some(&peer)),
            Some(IpAddr::from([127, 0, 0, 1]))
        );
        let proxied = Limiter::new(&RateLimits {
            client_ip_header: Some(HeaderName::from_static("x-forwarded-for")),
            ..RateLimits::default()
        });
        assert_eq!(
            proxied.client_address(&headers, Some(&peer)),
            Some(IpAddr::from([198, 51, 100, 7]))
        );
    }
}
