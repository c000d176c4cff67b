//! `engine.cluster`: where the distributed engine's Ballista scheduler
//! listens, and whether it answers.

use std::fmt;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// A Ballista scheduler address, `df://host:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterAddress {
    /// Host name or IP address.
    pub host: String,
    /// The scheduler's gRPC port (Ballista's default: 50050).
    pub port: u16,
}

impl ClusterAddress {
    /// Parses `engine.cluster`: `df://host:port` (`df://host` means port
    /// 50050). Empty: `Ok(None)`, no cluster.
    pub fn parse(text: &str) -> Result<Option<Self>, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let bad = |why: &str| format!("`{text}` is not a cluster address ({why}); expected df://host:port");
        let rest = text.strip_prefix("df://").ok_or_else(|| bad("it must start with df://"))?;
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            // An IPv6 literal without a port (`[::1]`) has colons inside brackets.
            Some((h, p)) if !p.contains(']') => (
                h,
                p.parse::<u16>().map_err(|_| bad(&format!("port `{p}` is not a number from 0 to 65535")))?,
            ),
            _ => (rest, 50050),
        };
        if host.is_empty() || host.contains('/') {
            return Err(bad("no host"));
        }
        Ok(Some(Self { host: host.to_owned(), port }))
    }

    /// The URL Ballista's client takes.
    pub fn url(&self) -> String {
        format!("df://{}:{}", self.host, self.port)
    }

    /// Whether the scheduler accepts a TCP connection within `timeout`:
    /// `Err` says why not (no such host, refused, timed out).
    pub fn probe(&self, timeout: Duration) -> Result<(), String> {
        let host = self.host.trim_start_matches('[').trim_end_matches(']');
        let addrs: Vec<_> = (host, self.port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve `{}`: {e}", self.host))?
            .collect();
        let mut last = format!("`{}` resolves to no address", self.host);
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, timeout) {
                Ok(_) => return Ok(()),
                Err(e) => last = format!("{addr}: {e}"),
            }
        }
        Err(last)
    }
}

impl fmt::Display for ClusterAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url())
    }
}

#[cfg(test)]
mod tests {
    use super::ClusterAddress;

    #[test]
    fn addresses_parse() {
        assert_eq!(ClusterAddress::parse("").unwrap(), None);
        let a = ClusterAddress::parse("df://127.0.0.1:50050").unwrap().unwrap();
        assert_eq!((a.host.as_str(), a.port), ("127.0.0.1", 50050));
        assert_eq!(ClusterAddress::parse("df://sched").unwrap().unwrap().port, 50050);
        assert_eq!(ClusterAddress::parse("df://[::1]:7").unwrap().unwrap().host, "[::1]");
        assert!(ClusterAddress::parse("http://x:1").unwrap_err().contains("df://"));
        assert!(ClusterAddress::parse("df://x:port").unwrap_err().contains("`port`"));
        assert!(ClusterAddress::parse("df://:50050").unwrap_err().contains("no host"));
    }

    #[test]
    fn a_closed_port_is_unreachable() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let open = ClusterAddress { host: "127.0.0.1".into(), port };
        assert!(open.probe(std::time::Duration::from_millis(500)).is_ok());
        drop(listener);
        assert!(open.probe(std::time::Duration::from_millis(500)).is_err());
    }
}
