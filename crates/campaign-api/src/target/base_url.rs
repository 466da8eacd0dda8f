//! Base URLs: the one check every host given by a variable or a flag passes, and the labels
//! messages and file names use for it. Kept apart from the variables so a flag (`--host`) and
//! the simulator's own address go through exactly the same check.

use super::ConfigError;
use reqwest::Url;

/// Parses and checks a base URL given by `var` (a variable or flag name, for the message): http
/// or https, no user name or password (credentials have their own variables), no query or
/// fragment (the templates own those).
///
/// ```
/// use campaign_api::{ConfigError, parse_base_url};
///
/// let url = parse_base_url("KORE_BASE_URL", "https://kore.example/prefix").unwrap();
/// assert_eq!(url.path(), "/prefix");
/// let e = parse_base_url("--host", "ftp://kore.example").unwrap_err();
/// assert!(matches!(e, ConfigError::BadScheme { .. }));
/// ```
pub fn parse_base_url(var: &str, raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw.trim()).map_err(|source| ConfigError::NotAUrl {
        var: var.into(),
        source,
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::BadScheme {
            var: var.into(),
            scheme: url.scheme().into(),
        });
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::UrlWithCredentials { var: var.into() });
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::UrlWithQuery { var: var.into() });
    }
    Ok(url)
}

/// True when `url` names this machine (a loopback address or `localhost`).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

/// `host:port` of a URL, for messages.
pub(crate) fn host_label(url: &Url) -> String {
    match (url.host_str(), url.port_or_known_default()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => "<no host>".into(),
    }
}

/// `host:port` as a file-name part: ASCII letters and digits, `.` and `-` kept (lower-cased),
/// anything else a `-` (`sandbox.example:443` → `sandbox.example-443`). Journals and host
/// records are named with it.
pub(crate) fn host_slug(host: &str) -> String {
    host.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}
