//! The SSRF guard's decision, pure: may the broker connect to this address
//! (or URL) on a team's behalf? Only public unicast addresses, unless the
//! operator's allowlist (`treaty serve --webhook-allow CIDR`) says
//! otherwise. A URL is read as browsers read it (WHATWG, the `url` crate),
//! so `http://2130706433/` and `http://0177.0.0.1/` are 127.0.0.1 here as
//! they would be to any HTTP client.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use url::{Host, Url};

/// Longest webhook URL, in bytes.
pub const MAX_URL: usize = 2048;

/// Why an address is refused: the kind of range it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// 0.0.0.0/8, `::`.
    Unspecified,
    /// 127.0.0.0/8, `::1`.
    Loopback,
    /// 10/8, 172.16/12, 192.168/16; IPv6 unique local fc00::/7.
    Private,
    /// 100.64/10, carrier-grade NAT.
    SharedAddressSpace,
    /// 169.254/16 (cloud metadata services live there), fe80::/10.
    LinkLocal,
    /// 224/4, ff00::/8.
    Multicast,
    /// 255.255.255.255 and the rest of 240/4.
    Reserved,
    /// 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20.
    Documentation,
    /// 198.18/15.
    Benchmarking,
    /// Protocol assignments and other special-purpose ranges (192.0.0/24,
    /// 192.88.99/24, Teredo, ORCHID, discard, local NAT64, site-local...):
    /// nothing a webhook receiver is reachable at.
    SpecialPurpose,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refused::Unspecified => "an unspecified address",
            Refused::Loopback => "a loopback address",
            Refused::Private => "a private address",
            Refused::SharedAddressSpace => "a carrier-grade NAT address (100.64.0.0/10)",
            Refused::LinkLocal => "a link-local address (cloud metadata services live there)",
            Refused::Multicast => "a multicast address",
            Refused::Reserved => "a reserved or broadcast address",
            Refused::Documentation => "a documentation address",
            Refused::Benchmarking => "a benchmarking address",
            Refused::SpecialPurpose => "a special-purpose address",
        })
    }
}

/// Whether the broker may connect to `ip`: yes when the allowlist holds it,
/// else only when it is public. An IPv6 address that carries an IPv4 one
/// (IPv4-mapped, IPv4-compatible, NAT64 64:ff9b::/96, 6to4) is judged by
/// the IPv4 address it reaches.
pub fn judge(ip: IpAddr, allow: &[IpNet]) -> Result<(), Refused> {
    if allow.iter().any(|net| net.contains(&ip)) {
        return Ok(());
    }
    match ip {
        IpAddr::V4(v4) => judge_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => judge(IpAddr::V4(v4), allow),
            None => judge_v6(v6),
        },
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u8) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn judge_v4(ip: Ipv4Addr) -> Result<(), Refused> {
    const RANGES: &[([u8; 4], u8, Refused)] = &[
        ([0, 0, 0, 0], 8, Refused::Unspecified),
        ([127, 0, 0, 0], 8, Refused::Loopback),
        ([10, 0, 0, 0], 8, Refused::Private),
        ([172, 16, 0, 0], 12, Refused::Private),
        ([192, 168, 0, 0], 16, Refused::Private),
        ([100, 64, 0, 0], 10, Refused::SharedAddressSpace),
        ([169, 254, 0, 0], 16, Refused::LinkLocal),
        ([192, 0, 0, 0], 24, Refused::SpecialPurpose),
        ([192, 88, 99, 0], 24, Refused::SpecialPurpose),
        ([192, 0, 2, 0], 24, Refused::Documentation),
        ([198, 51, 100, 0], 24, Refused::Documentation),
        ([203, 0, 113, 0], 24, Refused::Documentation),
        ([198, 18, 0, 0], 15, Refused::Benchmarking),
        ([224, 0, 0, 0], 4, Refused::Multicast),
        ([240, 0, 0, 0], 4, Refused::Reserved),
    ];
    match RANGES
        .iter()
        .find(|(net, prefix, _)| in_v4(ip, *net, *prefix))
    {
        Some((_, _, why)) => Err(*why),
        None => Ok(()),
    }
}

/// The IPv4 address an IPv6 one stands for, where it carries one.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        // ::ffff:a.b.c.d, mapped.
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(low),
        // ::a.b.c.d, the deprecated compatible form (`::` and `::1` are
        // judged as themselves).
        [0, 0, 0, 0, 0, 0, hi, lo] if hi != 0 || lo > 1 => Some(low),
        // 64:ff9b::a.b.c.d, the well-known NAT64 prefix.
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low),
        // 2002:AABB:CCDD::/48, 6to4.
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::new(
            (hi >> 8) as u8,
            hi as u8,
            (lo >> 8) as u8,
            lo as u8,
        )),
        _ => None,
    }
}

fn judge_v6(ip: Ipv6Addr) -> Result<(), Refused> {
    let s = ip.segments();
    if ip.is_unspecified() {
        return Err(Refused::Unspecified);
    }
    if ip.is_loopback() {
        return Err(Refused::Loopback);
    }
    if s[0] & 0xff00 == 0xff00 {
        return Err(Refused::Multicast);
    }
    if s[0] & 0xfe00 == 0xfc00 {
        return Err(Refused::Private);
    }
    if s[0] & 0xffc0 == 0xfe80 {
        return Err(Refused::LinkLocal);
    }
    if (s[0] == 0x2001 && s[1] == 0x0db8) || s[0] & 0xfff0 == 0x3ff0 {
        return Err(Refused::Documentation);
    }
    // Global unicast is 2000::/3; inside it, 2001::/23 holds the protocol
    // assignments (Teredo, ORCHID, benchmarking...). Anything outside
    // 2000::/3 (site-local, discard-only, local-use NAT64...) is no
    // receiver's address either.
    if s[0] & 0xe000 != 0x2000 || (s[0] == 0x2001 && s[1] < 0x0200) {
        return Err(Refused::SpecialPurpose);
    }
    Ok(())
}

/// Why a webhook URL is refused: the rest of a sentence whose subject is
/// the field that holds it ("`url` is not a URL: ...").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadUrl(pub String);

/// A team's webhook URL, checked and normalised: at most [`MAX_URL`]
/// bytes, absolute, `http` or `https`, with a host; a host written as an
/// address must pass [`judge`] (a name is judged when it is resolved, at
/// each delivery).
pub fn check_url(text: &str, allow: &[IpNet]) -> Result<Url, BadUrl> {
    if text.len() > MAX_URL {
        return Err(BadUrl(format!("is over {MAX_URL} bytes")));
    }
    let url = Url::parse(text).map_err(|e| BadUrl(format!("is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(BadUrl(format!(
            "must be an http or https URL, not `{}:`",
            url.scheme()
        )));
    }
    let ip = match url.host() {
        None => return Err(BadUrl("has no host".into())),
        Some(Host::Domain(_)) => None,
        Some(Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
        Some(Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
    };
    if let Some(ip) = ip {
        judge(ip, allow).map_err(|why| {
            BadUrl(format!(
                "names {ip}, {why}: the broker does not send notifications there (an operator can allow it with `treaty serve --webhook-allow`)"
            ))
        })?;
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(ip: &str) -> Option<Refused> {
        let ip: IpAddr = ip.parse().ok()?;
        judge(ip, &[]).err()
    }

    #[test]
    fn non_public_ipv4_is_refused_with_its_reason() {
        use Refused::*;
        for (ip, why) in [
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", Unspecified),
            ("127.0.0.1", Loopback),
            ("127.255.255.254", Loopback),
            ("10.0.0.1", Private),
            ("10.255.255.255", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.1.1", Private),
            ("100.64.0.1", SharedAddressSpace),
            ("100.127.255.255", SharedAddressSpace),
            ("169.254.169.254", LinkLocal),
            ("192.0.0.8", SpecialPurpose),
            ("192.0.2.1", Documentation),
            ("198.51.100.7", Documentation),
            ("203.0.113.9", Documentation),
            ("198.18.0.1", Benchmarking),
            ("198.19.255.255", Benchmarking),
            ("224.0.0.1", Multicast),
            ("239.255.255.250", Multicast),
            ("240.0.0.1", Reserved),
            ("255.255.255.255", Reserved),
        ] {
            assert_eq!(refused(ip), Some(why), "{ip}");
        }
    }

    #[test]
    fn public_addresses_pass_even_beside_refused_ranges() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "172.15.255.255",
            "172.32.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "169.253.255.255",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "11.0.0.0",
            "2606:4700:4700::1111",
            "2a00:1450:4001::200e",
            "2002:0808:0808::1",
            "64:ff9b::808:808",
        ] {
            assert_eq!(refused(ip), None, "{ip}");
        }
    }

    #[test]
    fn ipv6_is_judged_and_embedded_ipv4_by_what_it_reaches() {
        use Refused::*;
        for (ip, why) in [
            ("::", Unspecified),
            ("::1", Loopback),
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:7f00:1", Loopback),
            ("::ffff:10.1.2.3", Private),
            ("::ffff:169.254.169.254", LinkLocal),
            ("::127.0.0.1", Loopback),
            ("64:ff9b::127.0.0.1", Loopback),
            ("64:ff9b::a9fe:a9fe", LinkLocal),
            ("2002:7f00:1::1", Loopback),
            ("2002:c0a8:101::1", Private),
            ("fc00::1", Private),
            ("fd12:3456::1", Private),
            ("fe80::1", LinkLocal),
            ("febf::1", LinkLocal),
            ("ff02::1", Multicast),
            ("2001:db8::1", Documentation),
            ("3fff::1", Documentation),
            ("2001::1", SpecialPurpose),
            ("2001:10::1", SpecialPurpose),
            ("64:ff9b:1::1", SpecialPurpose),
            ("100::1", SpecialPurpose),
            ("fec0::1", SpecialPurpose),
        ] {
            assert_eq!(refused(ip), Some(why), "{ip}");
        }
    }

    #[test]
    fn the_allowlist_lets_through_what_it_holds_and_nothing_else() {
        let allow: Vec<IpNet> = vec!["127.0.0.1/32".parse().unwrap_or_else(|e| panic!("{e}"))];
        let ok = |ip: &str| judge(ip.parse().unwrap_or_else(|e| panic!("{e}")), &allow);
        assert_eq!(ok("127.0.0.1"), Ok(()));
        assert_eq!(ok("::ffff:127.0.0.1"), Ok(()));
        assert_eq!(ok("127.0.0.2"), Err(Refused::Loopback));
        assert_eq!(ok("::1"), Err(Refused::Loopback));
        assert_eq!(ok("10.0.0.1"), Err(Refused::Private));
    }

    #[test]
    fn urls_are_read_as_browsers_read_them() {
        for text in [
            "http://127.0.0.1/hook",
            "http://2130706433/",
            "http://0177.0.0.1/",
            "http://0x7f.0.0.1/",
            "http://127.1/",
            "http://[::1]:8080/",
            "http://[::ffff:127.0.0.1]/",
            "https://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/",
            "http://0/",
        ] {
            let err = check_url(text, &[]).err();
            assert!(
                err.as_ref().is_some_and(|e| e.0.contains("names")),
                "{text}: {err:?}"
            );
        }
        let url = check_url("https://hooks.slack.com/services/T0/B0/x", &[]);
        assert_eq!(
            url.map(|u| u.to_string()).ok().as_deref(),
            Some("https://hooks.slack.com/services/T0/B0/x")
        );
        assert!(check_url("ftp://example.com/", &[]).is_err());
        assert!(check_url("file:///etc/passwd", &[]).is_err());
        assert!(check_url("not a url", &[]).is_err());
        assert!(check_url(&format!("https://e.com/{}", "a".repeat(MAX_URL)), &[]).is_err());
        let allow: Vec<IpNet> = vec!["127.0.0.1/32".parse().unwrap_or_else(|e| panic!("{e}"))];
        assert!(check_url("http://2130706433:9000/", &allow).is_ok());
    }
}
