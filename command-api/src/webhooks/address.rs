//! Which addresses a webhook may reach: public unicast addresses only, unless the operator
//! allows a network (`HOTLINE_WEBHOOK_ALLOWED_NETWORKS`, for receivers on an on-premise LAN).
//! Otherwise a tenant administrator could make the server POST to its own loopback, the LAN
//! or a cloud metadata service (169.254.169.254).
//!
//! The check runs twice: when an endpoint is registered or updated (an IP literal, or a name
//! that resolves only to refused addresses, is refused with `webhook.address_not_allowed`),
//! and on every delivery, where the HTTP client resolves names through [`GuardedResolver`],
//! which drops refused addresses, so a name that resolved to a public address at registration
//! cannot be pointed at an internal one later (DNS rebinding).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// How long a registration waits for DNS before accepting the name unchecked (the delivery
/// checks it again).
const REGISTRATION_LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// IPv4 ranges no delivery may reach, with the name an error gives them. The broadcast
/// address comes before the reserved block that holds it, so it is named for what it is.
const REFUSED_V4: [(Ipv4Net, &str); 16] = [
    (v4(0, 0, 0, 0, 8), "\"this network\" (0.0.0.0/8)"),
    (v4(10, 0, 0, 0, 8), "private (RFC 1918)"),
    (v4(100, 64, 0, 0, 10), "carrier-grade NAT"),
    (v4(127, 0, 0, 0, 8), "loopback"),
    (v4(169, 254, 0, 0, 16), "link-local"),
    (v4(172, 16, 0, 0, 12), "private (RFC 1918)"),
    (v4(192, 0, 0, 0, 24), "IETF protocol assignment"),
    (v4(192, 0, 2, 0, 24), "documentation"),
    (v4(192, 88, 99, 0, 24), "6to4 relay"),
    (v4(192, 168, 0, 0, 16), "private (RFC 1918)"),
    (v4(198, 18, 0, 0, 15), "benchmarking"),
    (v4(198, 51, 100, 0, 24), "documentation"),
    (v4(203, 0, 113, 0, 24), "documentation"),
    (v4(224, 0, 0, 0, 4), "multicast"),
    (v4(255, 255, 255, 255, 32), "broadcast"),
    (v4(240, 0, 0, 0, 4), "reserved"),
];

/// IPv6 ranges no delivery may reach. The forms that embed an IPv4 address (mapped, NAT64,
/// 6to4) are judged by that address in [`refused_range`] instead.
const REFUSED_V6: [(Ipv6Net, &str); 11] = [
    (v6([0, 0, 0, 0, 0, 0, 0, 0], 128), "unspecified"),
    (v6([0, 0, 0, 0, 0, 0, 0, 1], 128), "loopback"),
    (v6([0, 0, 0, 0, 0, 0, 0, 0], 96), "IPv4-compatible (deprecated)"),
    (v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48), "local NAT64"),
    (v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64), "discard-only"),
    (v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), "documentation"),
    (v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20), "documentation"),
    (v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7), "unique local"),
    (v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10), "link-local"),
    (v6([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10), "site-local (deprecated)"),
    (v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8), "multicast"),
];
const NAT64: Ipv6Net = v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96);
const SIX_TO_FOUR: Ipv6Net = v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16);

const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8) -> Ipv4Net {
    Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), prefix)
}

const fn v6(segments: [u16; 8], prefix: u8) -> Ipv6Net {
    let [a, b, c, d, e, f, g, h] = segments;
    Ipv6Net::new_assert(Ipv6Addr::new(a, b, c, d, e, f, g, h), prefix)
}

/// The range that keeps a delivery from this address, or `None` for a public unicast one.
pub fn refused_range(address: IpAddr) -> Option<&'static str> {
    match address {
        IpAddr::V4(address) => REFUSED_V4.iter().find(|(network, _)| network.contains(&address)).map(|(_, name)| *name),
        IpAddr::V6(address) => {
            if let Some(embedded) = embedded_v4(address) {
                return refused_range(IpAddr::V4(embedded));
            }
            REFUSED_V6.iter().find(|(network, _)| network.contains(&address)).map(|(_, name)| *name)
        }
    }
}

/// The IPv4 address inside an IPv4-mapped, NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address:
/// each reaches that IPv4 host, so it is judged as that host.
fn embedded_v4(address: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(mapped) = address.to_ipv4_mapped() {
        return Some(mapped);
    }
    let octets = address.octets();
    if NAT64.contains(&address) {
        return Some(Ipv4Addr::new(octets[12], octets[13], octets[14], octets[15]));
    }
    if SIX_TO_FOUR.contains(&address) {
        return Some(Ipv4Addr::new(octets[2], octets[3], octets[4], octets[5]));
    }
    None
}

/// A delivery or registration refused because of where it would connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressNotAllowed {
    /// The name that resolved to `address`; `None` for an IP literal.
    pub host: Option<String>,
    pub address: IpAddr,
    pub range: &'static str,
}

impl std::fmt::Display for AddressNotAllowed {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (address, range) = (self.address, self.range);
        match &self.host {
            Some(host) => write!(formatter, "{host} resolves to {address}, in the {range} range")?,
            None => write!(formatter, "{address} is in the {range} range")?,
        }
        formatter.write_str(
            ": webhooks reach only public addresses, unless the operator allows the network \
             (HOTLINE_WEBHOOK_ALLOWED_NETWORKS)",
        )
    }
}

impl std::error::Error for AddressNotAllowed {}

/// The public addresses plus the networks the operator allows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    allowed_networks: Vec<IpNet>,
}

impl AddressPolicy {
    pub fn allowing(allowed_networks: Vec<IpNet>) -> Self {
        Self { allowed_networks }
    }

    /// Parses a comma-separated list of CIDRs (`10.20.0.0/16,127.0.0.1/32`); a bare address is
    /// that one host.
    pub fn parse(text: &str) -> Result<Self, String> {
        let networks = text
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.parse::<IpNet>()
                    .map(|network| network.trunc())
                    .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!("the allowed webhook network {part:?} is not a CIDR like 10.20.0.0/16 or fd00::/8")
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self::allowing(networks))
    }

    pub fn allowed_networks(&self) -> &[IpNet] {
        &self.allowed_networks
    }

    /// Whether a delivery may connect to this address; the refused range if not.
    pub fn check(&self, address: IpAddr) -> Result<(), &'static str> {
        let canonical = address.to_canonical();
        let allowed =
            self.allowed_networks.iter().any(|network| network.contains(&address) || network.contains(&canonical));
        match refused_range(address) {
            Some(range) if !allowed => Err(range),
            _ => Ok(()),
        }
    }

    /// Refuses a URL whose host is an IP address in a refused range (names are left to the
    /// resolver). A URL that does not parse is let through: the HTTP client reports it.
    pub fn check_literal(&self, url: &str) -> Result<(), AddressNotAllowed> {
        match Url::parse(url) {
            Ok(parsed) => self.check_literal_host(&parsed),
            Err(_) => Ok(()),
        }
    }

    fn check_literal_host(&self, url: &Url) -> Result<(), AddressNotAllowed> {
        let Some(address) = literal_address(url) else { return Ok(()) };
        self.check(address).map_err(|range| AddressNotAllowed { host: None, address, range })
    }

    /// The registration check: an IP literal in a refused range, or a name whose every
    /// address is refused. A name that does not resolve (yet) is accepted; deliveries check
    /// again when they connect.
    pub async fn check_url(&self, url: &str) -> Result<(), AddressNotAllowed> {
        let Ok(parsed) = Url::parse(url) else { return Ok(()) };
        self.check_literal_host(&parsed)?;
        let Some(host) = parsed.host_str().filter(|_| literal_address(&parsed).is_none()) else { return Ok(()) };
        let port = parsed.port_or_known_default().unwrap_or(0);
        let lookup = tokio::net::lookup_host((host, port));
        let Ok(Ok(addresses)) = tokio::time::timeout(REGISTRATION_LOOKUP_TIMEOUT, lookup).await else {
            return Ok(());
        };
        self.keep_allowed(host, addresses.collect()).map(drop)
    }

    /// The allowed addresses of a name; an error naming the first refused one if none is.
    fn keep_allowed(&self, host: &str, addresses: Vec<SocketAddr>) -> Result<Vec<SocketAddr>, AddressNotAllowed> {
        let mut first_refused = None;
        let allowed: Vec<SocketAddr> = addresses
            .into_iter()
            .filter(|address| match self.check(address.ip()) {
                Ok(()) => true,
                Err(range) => {
                    first_refused.get_or_insert((address.ip(), range));
                    false
                }
            })
            .collect();
        match first_refused {
            Some((address, range)) if allowed.is_empty() => {
                Err(AddressNotAllowed { host: Some(host.to_owned()), address, range })
            }
            _ => Ok(allowed),
        }
    }
}

/// The host of a URL when it is an IP address (the URL parser has already turned forms like
/// `0x7f.1` into `127.0.0.1`).
fn literal_address(url: &Url) -> Option<IpAddr> {
    let host = url.host_str()?;
    host.strip_prefix('[').and_then(|inner| inner.strip_suffix(']')).unwrap_or(host).parse().ok()
}

/// The webhook client's resolver: the system's, without the addresses the policy refuses.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    policy: AddressPolicy,
}

impl GuardedResolver {
    pub fn new(policy: AddressPolicy) -> Self {
        Self { policy }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str();
            // Port 0: the client puts in the URL's port.
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, 0)).await?.collect();
            let allowed = policy.keep_allowed(host, addresses)?;
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// Why a request failed when the guard refused it somewhere down the client's error chain.
pub fn refusal_in<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a AddressNotAllowed> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(refused) = error.downcast_ref::<AddressNotAllowed>() {
            return Some(refused);
        }
        current = error.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(address: &str) -> Option<&'static str> {
        refused_range(address.parse().unwrap())
    }

    #[test]
    fn internal_ipv4_ranges_are_refused() {
        for (address, expected) in [
            ("0.0.0.0", "\"this network\" (0.0.0.0/8)"),
            ("0.1.2.3", "\"this network\" (0.0.0.0/8)"),
            ("10.1.2.3", "private (RFC 1918)"),
            ("172.16.0.1", "private (RFC 1918)"),
            ("172.31.255.255", "private (RFC 1918)"),
            ("192.168.1.1", "private (RFC 1918)"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("100.127.255.254", "carrier-grade NAT"),
            ("127.0.0.1", "loopback"),
            ("127.255.0.9", "loopback"),
            ("169.254.169.254", "link-local"),
            ("192.0.2.7", "documentation"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.7", "documentation"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("255.255.255.255", "broadcast"),
            ("240.0.0.1", "reserved"),
            ("198.18.0.1", "benchmarking"),
        ] {
            assert_eq!(range(address), Some(expected), "{address}");
        }
    }

    #[test]
    fn public_ipv4_addresses_pass() {
        for address in
            ["8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1", "93.184.215.14"]
        {
            assert_eq!(range(address), None, "{address}");
        }
    }

    #[test]
    fn internal_ipv6_ranges_are_refused_and_public_ones_pass() {
        for (address, expected) in [
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("fe80::1", "link-local"),
            ("febf::1", "link-local"),
            ("fc00::1", "unique local"),
            ("fd12:3456::1", "unique local"),
            ("ff02::1", "multicast"),
            ("2001:db8::1", "documentation"),
            ("::7f00:1", "IPv4-compatible (deprecated)"),
        ] {
            assert_eq!(range(address), Some(expected), "{address}");
        }
        for address in ["2606:4700:4700::1111", "2a00:1450:4001::200e", "2001:4860::8888"] {
            assert_eq!(range(address), None, "{address}");
        }
    }

    #[test]
    fn ipv6_forms_of_ipv4_addresses_are_judged_as_the_ipv4_address() {
        assert_eq!(range("::ffff:127.0.0.1"), Some("loopback"));
        assert_eq!(range("::ffff:169.254.169.254"), Some("link-local"));
        assert_eq!(range("::ffff:10.0.0.1"), Some("private (RFC 1918)"));
        assert_eq!(range("64:ff9b::a9fe:a9fe"), Some("link-local"), "NAT64 of 169.254.169.254");
        assert_eq!(range("2002:7f00:1::"), Some("loopback"), "6to4 of 127.0.0.1");
        assert_eq!(range("::ffff:8.8.8.8"), None);
        assert_eq!(range("64:ff9b::808:808"), None);
    }

    #[test]
    fn the_allow_list_parses_cidrs_and_lets_their_addresses_through() {
        let policy = AddressPolicy::parse(" 10.20.0.0/16, 127.0.0.1 ,fd00::/8,10.30.1.9/24").unwrap();
        assert_eq!(
            policy.allowed_networks().iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["10.20.0.0/16", "127.0.0.1/32", "fd00::/8", "10.30.1.0/24"]
        );
        let check = |address: &str| policy.check(address.parse().unwrap());
        assert_eq!(check("10.20.3.4"), Ok(()));
        assert_eq!(check("10.30.1.200"), Ok(()));
        assert_eq!(check("127.0.0.1"), Ok(()));
        assert_eq!(check("::ffff:127.0.0.1"), Ok(()), "the mapped form of an allowed address");
        assert_eq!(check("fd00::5"), Ok(()));
        assert_eq!(check("127.0.0.2"), Err("loopback"));
        assert_eq!(check("10.21.0.1"), Err("private (RFC 1918)"));
        assert_eq!(check("169.254.169.254"), Err("link-local"));
        assert_eq!(check("8.8.8.8"), Ok(()));
        assert_eq!(AddressPolicy::parse("").unwrap(), AddressPolicy::default());
        for bad in ["10.0.0.0/33", "10.0.0/8", "localhost", "10.0.0.0/8;127.0.0.1/32"] {
            let error = AddressPolicy::parse(bad).unwrap_err();
            assert!(error.contains("is not a CIDR"), "{bad}: {error}");
        }
    }

    #[tokio::test]
    async fn registration_refuses_internal_literals_and_names_that_resolve_only_to_them() {
        let policy = AddressPolicy::default();
        let refused = policy.check_url("http://127.0.0.1:1/x").await.unwrap_err();
        assert!(refused.to_string().starts_with("127.0.0.1 is in the loopback range: "), "{refused}");
        assert_eq!((refused.host, refused.range), (None, "loopback"));
        assert_eq!(policy.check_url("http://169.254.169.254/").await.unwrap_err().range, "link-local");
        assert_eq!(policy.check_url("http://[::ffff:7f00:1]/").await.unwrap_err().range, "loopback");
        assert_eq!(policy.check_url("http://0x7f.1/").await.unwrap_err().range, "loopback", "URL host forms");
        let named = policy.check_url("http://localhost:1/x").await.unwrap_err();
        assert_eq!(named.host.as_deref(), Some("localhost"));
        assert!(named.to_string().starts_with("localhost resolves to "), "{named}");
        assert_eq!(policy.check_url("https://203.0.113.9/x").await.unwrap_err().range, "documentation");
        assert_eq!(policy.check_url("https://8.8.8.8/x").await, Ok(()));

        let lan = AddressPolicy::parse("127.0.0.0/8").unwrap();
        assert_eq!(lan.check_url("http://127.0.0.1:1/x").await, Ok(()));
        assert_eq!(lan.check_url("http://localhost:1/x").await, Ok(()), "one address of the name is allowed");
        assert_eq!(lan.check_url("http://169.254.169.254/").await.unwrap_err().range, "link-local");
    }

    #[tokio::test]
    async fn the_resolver_drops_refused_addresses() {
        let refusing = GuardedResolver::new(AddressPolicy::default());
        let error = refusing.resolve("localhost".parse().unwrap()).await.err().expect("localhost is refused");
        let refused = refusal_in(error.as_ref()).expect("the guard's own error");
        assert_eq!(refused.range, "loopback");

        let allowing = GuardedResolver::new(AddressPolicy::parse("127.0.0.0/8").unwrap());
        let addresses: Vec<SocketAddr> = allowing.resolve("localhost".parse().unwrap()).await.unwrap().collect();
        assert!(!addresses.is_empty());
        assert!(addresses.iter().all(|address| address.ip() == IpAddr::V4(Ipv4Addr::LOCALHOST)), "{addresses:?}");
    }
}
