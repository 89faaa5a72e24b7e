//! The account host: allow-listed vendor domains, HTTPS (plain HTTP only on loopback), and the
//! check every followed `_links.next` link passes.

use synkro_core::error::ConfigError;
use url::{Host, Url};

/// The registrable domains amoCRM and Kommo accounts live under.
pub const ALLOWED_DOMAINS: [&str; 3] = ["amocrm.ru", "kommo.com", "amocrm.com"];

/// The API prefix every read stays under.
pub(crate) const API_PREFIX: &str = "/api/v4/";

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Whether `host` is an account host of an allow-listed domain (`acme.amocrm.ru`), not a shared
/// host such as `www.kommo.com`.
#[must_use]
pub fn is_account_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    ALLOWED_DOMAINS.iter().any(|d| {
        host.strip_suffix(d)
            .and_then(|rest| rest.strip_suffix('.'))
            .is_some_and(|sub| valid_subdomain(sub) && sub != "www")
    })
}

fn valid_subdomain(sub: &str) -> bool {
    !sub.is_empty()
        && sub.len() <= 63
        && sub
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !sub.starts_with('-')
        && !sub.ends_with('-')
}

/// The base URL of an account given as `subdomain` + `domain` (`acme` + `amocrm.ru`).
///
/// # Errors
/// [`ConfigError::Invalid`] when the subdomain is not a DNS label or the domain is not one of
/// [`ALLOWED_DOMAINS`].
pub fn account_url(subdomain: &str, domain: &str) -> Result<Url, ConfigError> {
    let sub = subdomain.trim().to_ascii_lowercase();
    if !valid_subdomain(&sub) || sub == "www" {
        return Err(ConfigError::invalid(
            "subdomain",
            format!(
                "`{subdomain}` is not an account subdomain; use the first part of your account \
                 address, e.g. `acme` for https://acme.amocrm.ru"
            ),
        ));
    }
    let domain = domain.trim().to_ascii_lowercase();
    if !ALLOWED_DOMAINS.contains(&domain.as_str()) {
        return Err(ConfigError::invalid(
            "domain",
            format!(
                "`{domain}` is not an amoCRM domain; use one of {}",
                ALLOWED_DOMAINS.join(", ")
            ),
        ));
    }
    checked_base(&format!("https://{sub}.{domain}"), true)
}

/// Validates and normalises a base URL to `scheme://host[:port]`.
///
/// `vendor_only` additionally requires an allow-listed account host (used for configuration;
/// the builder's explicit `base_url` skips it so tests can point at a local server).
///
/// # Errors
/// [`ConfigError::Invalid`] naming `base_url`: not a URL, not HTTPS on a non-loopback host,
/// credentials, query or a path in it, or a host outside the allow-list.
pub fn checked_base(raw: &str, vendor_only: bool) -> Result<Url, ConfigError> {
    let bad = |why: String| ConfigError::invalid("base_url", why);
    let url = Url::parse(raw.trim()).map_err(|e| {
        bad(format!(
            "not a URL ({e}); expected e.g. https://acme.amocrm.ru"
        ))
    })?;
    let loopback = is_loopback(&url);
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        other => {
            return Err(bad(format!(
                "scheme `{other}` is not allowed: amoCRM is reached over https only (plain http \
                 only on 127.0.0.1 / localhost for tests)"
            )));
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not contain credentials".into()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not contain a query or fragment".into()));
    }
    if !matches!(url.path(), "" | "/") {
        return Err(bad(format!(
            "must be the account address without a path (got path `{}`), e.g. \
             https://acme.amocrm.ru",
            url.path()
        )));
    }
    let host = url.host_str().unwrap_or_default().to_owned();
    if host.is_empty() {
        return Err(bad("has no host".into()));
    }
    if vendor_only && !loopback && !is_account_host(&host) {
        return Err(bad(format!(
            "`{host}` is not an account host of {}; use your account's own address such as \
             https://acme.amocrm.ru (shared hosts like www.kommo.com are refused)",
            ALLOWED_DOMAINS.join(", ")
        )));
    }
    let mut base = url;
    base.set_path("");
    Ok(base)
}

/// Checks a link the server returned (`_links.next.href`) before following it: same scheme, host
/// and port as `base`, under `/api/v4/`.
///
/// # Errors
/// [`ConfigError::Invalid`] naming `_links.next` with the reason; the link's query is never echoed.
pub fn checked_link(base: &Url, href: &str) -> Result<Url, ConfigError> {
    let bad = |why: &str| ConfigError::invalid("_links.next", why.to_owned());
    let url = base
        .join(href)
        .map_err(|_| bad("the next-page link is not a URL"))?;
    if url.scheme() != base.scheme()
        || url.host_str() != base.host_str()
        || url.port_or_known_default() != base.port_or_known_default()
    {
        return Err(bad(&format!(
            "the next-page link points to another host ({}); refusing to send the token there",
            url.host_str().unwrap_or("?")
        )));
    }
    if !url.path().starts_with(API_PREFIX) || url.path().contains("..") {
        return Err(bad("the next-page link leaves /api/v4/"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("the next-page link carries credentials"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_hosts_are_allowed_and_shared_or_foreign_hosts_refused() {
        for ok in [
            "https://acme.amocrm.ru",
            "https://acme.kommo.com/",
            "https://my-shop2.amocrm.com",
        ] {
            assert!(checked_base(ok, true).is_ok(), "{ok}");
        }
        for bad in [
            "https://www.kommo.com",
            "https://amocrm.ru",
            "https://acme.amocrm.ru.evil.example",
            "https://evil.example",
            "http://acme.amocrm.ru",
            "https://acme.amocrm.ru/api/v4",
            "https://user:pw@acme.amocrm.ru",
            "https://acme.amocrm.ru/?x=1",
            "ftp://acme.amocrm.ru",
            "not a url",
        ] {
            let err = checked_base(bad, true).unwrap_err().to_string();
            assert!(err.contains("base_url"), "{bad}: {err}");
            assert!(!err.contains("pw"), "{err}");
        }
    }

    #[test]
    fn loopback_may_use_plain_http_and_any_host_needs_https_with_an_explicit_url() {
        assert_eq!(
            checked_base("http://127.0.0.1:8080/", false)
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8080/"
        );
        assert!(checked_base("http://localhost:1", true).is_ok());
        assert!(checked_base("http://[::1]:9", false).is_ok());
        assert!(checked_base("https://crm.example.com", false).is_ok());
        assert!(checked_base("http://crm.example.com", false).is_err());
    }

    #[test]
    fn subdomain_and_domain_build_the_account_url() {
        assert_eq!(
            account_url("Acme", "kommo.com").unwrap().as_str(),
            "https://acme.kommo.com/"
        );
        assert!(account_url("www", "kommo.com").is_err());
        assert!(account_url("a.b", "amocrm.ru").is_err());
        assert!(account_url("acme", "example.com").is_err());
    }

    #[test]
    fn next_links_must_stay_on_the_host_and_under_the_api() {
        let base = checked_base("https://acme.amocrm.ru", true).unwrap();
        assert!(checked_link(&base, "https://acme.amocrm.ru/api/v4/leads?page=2").is_ok());
        assert!(checked_link(&base, "/api/v4/leads?page=2").is_ok());
        for bad in [
            "https://evil.example/api/v4/leads?page=2",
            "https://acme.amocrm.ru:8443/api/v4/leads",
            "http://acme.amocrm.ru/api/v4/leads",
            "https://acme.amocrm.ru/oauth2/access_token",
            "https://acme.amocrm.ru/api/v4/../../oauth2",
        ] {
            assert!(checked_link(&base, bad).is_err(), "{bad}");
        }
    }
}
