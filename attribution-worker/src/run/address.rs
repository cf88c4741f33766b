//! Which network addresses a URI from the chain may reach. Anyone can put a URI on chain (a dataset's, a model's
//! adapter), so by default the worker fetches only from the public internet: never from its own host, its
//! validator's private network or a cloud metadata service (`--allow-private-uris` lifts this for development).
//! Names are checked after resolution (a public name may resolve to a private address) and every redirect is
//! checked again.

use std::{
	net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
	sync::Arc,
};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// A URI that points at an address the worker does not fetch from.
#[derive(Debug, thiserror::Error)]
#[error("{host} is a loopback, private, link-local or otherwise non-public address (refused; --allow-private-uris permits it)")]
pub struct PrivateAddress {
	pub host: String,
}

/// Whether `ip` is a public unicast address.
pub fn is_public(ip: IpAddr) -> bool {
	match ip {
		IpAddr::V4(v4) => is_public_v4(v4),
		IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
			Some(v4) => is_public_v4(v4),
			None => is_public_v6(v6),
		},
	}
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
	let [a, b, ..] = ip.octets();
	!(ip.is_unspecified()
		|| ip.is_loopback()
		|| ip.is_private()
		|| ip.is_link_local() // 169.254/16, including the cloud metadata service 169.254.169.254
		|| ip.is_broadcast()
		|| ip.is_multicast()
		|| ip.is_documentation()
		|| a == 0 // "this network"
		|| (a == 100 && (64..128).contains(&b)) // shared address space (carrier-grade NAT), 100.64/10
		|| (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments, 192.0.0/24
		|| (a == 198 && (b == 18 || b == 19)) // benchmarking, 198.18/15
		|| a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
	let first = ip.segments()[0];
	!(ip.is_unspecified()
		|| ip.is_loopback()
		|| ip.is_multicast()
		|| (first & 0xfe00) == 0xfc00 // unique local, fc00::/7
		|| (first & 0xffc0) == 0xfe80 // link-local, fe80::/10
		|| (first & 0xffc0) == 0xfec0 // site-local (deprecated), fec0::/10
		|| first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation, 2001:db8::/32
		|| first == 0x0064 && ip.segments()[1] == 0xff9b) // NAT64, 64:ff9b::/96 embeds IPv4
}

/// Refuses `url` if its host is a literal non-public address (names are checked by [`PublicResolver`]).
pub fn check_literal_host(url: &reqwest::Url) -> Result<(), PrivateAddress> {
	// The URL parser normalises literal addresses (`http://2130706433/` is 127.0.0.1); IPv6 ones are bracketed.
	let host = url.host_str().unwrap_or_default();
	let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() else {
		return if host.is_empty() { Err(PrivateAddress { host: String::new() }) } else { Ok(()) };
	};
	if is_public(ip) {
		Ok(())
	} else {
		Err(PrivateAddress { host: ip.to_string() })
	}
}

/// Resolves names with the system resolver and keeps only public addresses; a name with none is refused.
#[derive(Debug, Default)]
pub struct PublicResolver;

impl Resolve for PublicResolver {
	fn resolve(&self, name: Name) -> Resolving {
		Box::pin(async move {
			let host = name.as_str().to_owned();
			let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
			let public: Vec<SocketAddr> = resolved.into_iter().filter(|addr| is_public(addr.ip())).collect();
			if public.is_empty() {
				return Err(Box::new(PrivateAddress { host }) as Box<dyn std::error::Error + Send + Sync>);
			}
			Ok(Box::new(public.into_iter()) as Addrs)
		})
	}
}

/// The resolver as reqwest takes it.
pub fn public_resolver() -> Arc<PublicResolver> {
	Arc::new(PublicResolver)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn only_public_unicast_addresses_are_public() {
		for private in [
			"127.0.0.1",
			"10.1.2.3",
			"172.16.0.1",
			"192.168.1.1",
			"169.254.169.254",
			"100.64.0.1",
			"0.0.0.0",
			"255.255.255.255",
			"224.0.0.1",
			"::1",
			"::",
			"fd00::1",
			"fe80::1",
			"::ffff:127.0.0.1",
			"::ffff:10.0.0.1",
			"64:ff9b::a00:1",
		] {
			assert!(!is_public(private.parse().unwrap()), "{private} is not public");
		}
		for public in ["1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"] {
			assert!(is_public(public.parse().unwrap()), "{public} is public");
		}
	}

	#[test]
	fn literal_hosts_are_checked_and_names_left_to_the_resolver() {
		let check = |uri: &str| check_literal_host(&reqwest::Url::parse(uri).unwrap());
		assert!(check("http://127.0.0.1:8080/x").is_err());
		assert!(check("http://[::1]/x").is_err());
		assert!(check("http://2130706433/x").is_err(), "127.0.0.1 written as a number");
		assert!(check("http://169.254.169.254/latest/meta-data").is_err());
		assert!(check("https://8.8.8.8/x").is_ok());
		assert!(check("https://example.org/x").is_ok());
	}

	#[tokio::test]
	async fn a_name_that_resolves_only_to_loopback_is_refused() {
		let error = PublicResolver.resolve("localhost".parse().unwrap()).await.err().unwrap();
		assert!(error.downcast_ref::<PrivateAddress>().is_some(), "{error}");
	}
}
