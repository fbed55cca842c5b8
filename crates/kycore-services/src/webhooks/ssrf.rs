//! The SSRF guard: which webhook URLs kycore calls. A URL must be http(s), carry no
//! credentials and fit in 2 KB; its host must resolve only to public addresses — never
//! loopback, private, link-local, unique-local, CGNAT, cloud metadata, multicast or reserved
//! ones — unless the deployment allows private targets. The check runs when an endpoint is
//! saved and again at every delivery, inside the HTTP client's resolver ([`GuardedResolver`]),
//! because DNS answers change: the address checked is the address connected to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use kycore_domain::FieldError;
use url::{Host, Url};

/// The longest URL an endpoint may have.
pub const MAX_URL_BYTES: usize = 2048;

/// How long saving an endpoint waits for its host to resolve.
const DNS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

fn refusal(code: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: "url".to_owned(),
        code,
        message: message.into(),
    }
}

/// Checks a URL's form (scheme, credentials, length): the part that needs no DNS.
pub(crate) fn parse_url(raw: &str) -> Result<Url, FieldError> {
    if raw.len() > MAX_URL_BYTES {
        return Err(refusal(
            "url_too_long",
            format!("the URL is longer than {MAX_URL_BYTES} bytes"),
        ));
    }
    let url = Url::parse(raw).map_err(|e| refusal("invalid_url", format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refusal(
            "unsupported_scheme",
            "webhook URLs are http:// or https://",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refusal(
            "url_has_credentials",
            "the URL must not carry a user name or password; verify requests by their signature",
        ));
    }
    if url.host().is_none() {
        return Err(refusal("invalid_url", "the URL has no host"));
    }
    Ok(url)
}

/// Checks a URL fully: its form and, unless private targets are allowed, every address its
/// host resolves to now.
pub(crate) async fn check_url(raw: &str, allow_private: bool) -> Result<Url, FieldError> {
    let url = parse_url(raw)?;
    if allow_private {
        return Ok(url);
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let addresses: Vec<IpAddr> = match url.host() {
        Some(Host::Ipv4(ip)) => vec![IpAddr::V4(ip)],
        Some(Host::Ipv6(ip)) => vec![IpAddr::V6(ip)],
        Some(Host::Domain(name)) => {
            let lookup = tokio::time::timeout(DNS_TIMEOUT, tokio::net::lookup_host((name, port)));
            lookup
                .await
                .map_err(|_| {
                    refusal(
                        "unresolvable_host",
                        "the URL's host did not resolve in time",
                    )
                })?
                .map_err(|_| refusal("unresolvable_host", "the URL's host does not resolve"))?
                .map(|a| a.ip())
                .collect()
        }
        None => Vec::new(),
    };
    if addresses.is_empty() {
        return Err(refusal(
            "unresolvable_host",
            "the URL's host does not resolve",
        ));
    }
    if let Some(ip) = addresses.iter().find(|ip| !is_public(**ip)) {
        return Err(refusal(
            "private_address",
            format!(
                "the URL's host resolves to {ip}, which is not a public address \
                 (set allow_private_webhook_targets to allow it)"
            ),
        ));
    }
    Ok(url)
}

/// Whether `ip` is a public unicast address, reachable on the internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let refused = ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16, with the clouds' metadata address
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240; // reserved
    !refused
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let segments = ip.segments();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address it embeds.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [a, b] = segments[6].to_be_bytes();
        let [c, d] = segments[7].to_be_bytes();
        return is_public_v4(Ipv4Addr::new(a, b, c, d));
    }
    let refused = ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (segments[0] & 0xfe00) == 0xfc00 // unique local fc00::/7 (AWS metadata fd00:ec2::254)
        || (segments[0] & 0xffc0) == 0xfe80 // link local fe80::/10
        || (segments[0] & 0xffc0) == 0xfec0 // site local (deprecated) fec0::/10
        || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
        || segments[..6] == [0, 0, 0, 0, 0, 0]; // IPv4-compatible (deprecated)
    !refused
}

/// The delivery client's resolver: resolves with the system and refuses a name with any
/// non-public address, so the connection goes only where the check allowed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct GuardedResolver {
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addresses: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !allow_private && addresses.iter().any(|a| !is_public(a.ip())) {
                return Err(format!("{host} resolves to a non-public address; refused").into());
            }
            let addresses: reqwest::dns::Addrs = Box::new(addresses.into_iter());
            Ok(addresses)
        })
    }
}

/// A URL's literal IP host that is not public (the resolver never sees literals).
pub(crate) fn refused_literal(url: &Url, allow_private: bool) -> Option<IpAddr> {
    if allow_private {
        return None;
    }
    let ip = match url.host()? {
        Host::Ipv4(ip) => IpAddr::V4(ip),
        Host::Ipv6(ip) => IpAddr::V6(ip),
        Host::Domain(_) => return None,
    };
    (!is_public(ip)).then_some(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_pass() {
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.100.100.200",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
        ] {
            let ip: IpAddr = refused.parse().unwrap();
            assert!(!is_public(ip), "{refused} must be refused");
        }
        for allowed in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            let ip: IpAddr = allowed.parse().unwrap();
            assert!(is_public(ip), "{allowed} must be allowed");
        }
    }

    #[test]
    fn url_form_is_checked_with_stable_codes() {
        let code = |raw: &str| parse_url(raw).err().map(|e| e.code);
        assert_eq!(code("https://example.com/hook"), None);
        assert_eq!(code("ftp://example.com/"), Some("unsupported_scheme"));
        assert_eq!(code("file:///etc/passwd"), Some("unsupported_scheme"));
        assert_eq!(
            code("https://u:p@example.com/"),
            Some("url_has_credentials")
        );
        assert_eq!(code("https://u@example.com/"), Some("url_has_credentials"));
        assert_eq!(code("not a url"), Some("invalid_url"));
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_BYTES));
        assert_eq!(code(&long), Some("url_too_long"));
    }

    #[tokio::test]
    async fn literal_private_hosts_are_refused_unless_allowed() {
        let err = check_url("http://127.0.0.1:9/x", false).await.unwrap_err();
        assert_eq!(err.code, "private_address");
        let err = check_url("http://[::1]/x", false).await.unwrap_err();
        assert_eq!(err.code, "private_address");
        let err = check_url("http://169.254.169.254/latest", false)
            .await
            .unwrap_err();
        assert_eq!(err.code, "private_address");
        assert!(check_url("http://127.0.0.1:9/x", true).await.is_ok());
        let url = Url::parse("http://10.0.0.1/").unwrap();
        assert!(refused_literal(&url, false).is_some());
        assert!(refused_literal(&url, true).is_none());
    }
}
