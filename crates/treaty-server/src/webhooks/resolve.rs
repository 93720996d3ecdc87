//! The SSRF guard's resolver: names are resolved here, each address judged
//! by [`super::address::judge`], and only the addresses that pass are
//! handed to the HTTP client, which connects to exactly those (there is no
//! second resolution a name could answer differently).

use std::net::SocketAddr;
use std::sync::Arc;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::address::judge;

/// A resolver that drops every address the broker may not connect to.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    /// Ranges the operator allows although they are not public.
    pub allow: Arc<Vec<IpNet>>,
}

/// A name none of whose addresses may be connected to.
#[derive(Debug, thiserror::Error)]
#[error("refused: `{name}` resolves only to addresses the broker does not send to ({reasons})")]
struct AllRefused {
    name: String,
    reasons: String,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            // The port is the URL's: the client sets it on what we return.
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let (ok, refused): (Vec<SocketAddr>, Vec<SocketAddr>) = found
                .into_iter()
                .partition(|a| judge(a.ip(), &allow).is_ok());
            if ok.is_empty() {
                let reasons = refused
                    .iter()
                    .filter_map(|a| {
                        judge(a.ip(), &allow)
                            .err()
                            .map(|why| format!("{} is {why}", a.ip()))
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                return Err(Box::new(AllRefused {
                    name: host,
                    reasons,
                }) as _);
            }
            let addrs: Addrs = Box::new(ok.into_iter());
            Ok(addrs)
        })
    }
}
