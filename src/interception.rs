//! Known TLS-intercepting products: antivirus web shields and filtering proxies that re-sign
//! every site with their own root. The list is data: to add a product, add a row. A pattern
//! matches, without regard to case, inside a certificate's issuer or subject common name or
//! organisation, or the name of the root a chain verified against.

/// One product that intercepts TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interceptor {
    /// The product as users know it.
    pub product: &'static str,
    /// Substrings of the names its CAs carry.
    pub patterns: &'static [&'static str],
    /// Where its HTTPS scanning is switched off or an exclusion is added.
    pub setting: &'static str,
}

/// The products, most common first.
pub const KNOWN: &[Interceptor] = &[
    Interceptor {
        product: "Kaspersky",
        patterns: &["Kaspersky Anti-Virus Personal Root", "Kaspersky"],
        setting: "Settings > Network settings > Encrypted connections scanning",
    },
    Interceptor {
        product: "Avast/AVG Web Shield",
        patterns: &[
            "Web/Mail Shield Root",
            "Avast Web",
            "AVG Web",
            "Avast trusted CA",
        ],
        setting: "Menu > Settings > Protection > Core Shields > Web Shield > Enable HTTPS scanning",
    },
    Interceptor {
        product: "ESET",
        patterns: &["ESET SSL Filter CA", "ESET SSL Filter"],
        setting: "Setup > Advanced setup > Web and email > SSL/TLS",
    },
    Interceptor {
        product: "Bitdefender",
        patterns: &["Bitdefender"],
        setting: "Protection > Online Threat Prevention > Settings > Encrypted web scan",
    },
    Interceptor {
        product: "Norton",
        patterns: &["Norton Security", "Norton Web", "Norton"],
        setting: "Settings > Firewall / Safe Web: HTTPS scanning",
    },
    Interceptor {
        product: "Sophos",
        patterns: &["Sophos"],
        setting: "the Sophos web policy's HTTPS decryption rules",
    },
    Interceptor {
        product: "Fortinet FortiGate",
        patterns: &["FortiGate", "Fortinet"],
        setting: "the FortiGate SSL/SSH inspection profile (exempt the host)",
    },
    Interceptor {
        product: "Zscaler",
        patterns: &["Zscaler"],
        setting: "the Zscaler SSL inspection policy (add a bypass for the host)",
    },
    Interceptor {
        product: "Cisco Umbrella",
        patterns: &["Cisco Umbrella"],
        setting: "the Umbrella HTTPS inspection policy (selective decryption list)",
    },
    Interceptor {
        product: "Blue Coat (Symantec ProxySG)",
        patterns: &["Blue Coat", "BlueCoat", "ProxySG"],
        setting: "the ProxySG SSL interception policy",
    },
    Interceptor {
        product: "Forcepoint",
        patterns: &["Forcepoint", "Websense"],
        setting: "the Forcepoint SSL decryption bypass list",
    },
    Interceptor {
        product: "McAfee Web Gateway",
        patterns: &["McAfee Web Gateway", "McAfee"],
        setting: "the Web Gateway SSL scanner rule set",
    },
    Interceptor {
        product: "Trend Micro",
        patterns: &["Trend Micro", "TrendMicro", "IWSVA"],
        setting: "the HTTPS decryption settings of the Trend Micro product",
    },
    Interceptor {
        product: "SonicWall",
        patterns: &["SonicWall", "SonicWALL"],
        setting: "DPI-SSL > Client SSL (exclude the host)",
    },
    Interceptor {
        product: "Smoothwall",
        patterns: &["Smoothwall"],
        setting: "the Smoothwall HTTPS decryption policy",
    },
    Interceptor {
        product: "Cyberoam",
        patterns: &["Cyberoam"],
        setting: "the Cyberoam HTTPS scanning policy",
    },
    Interceptor {
        product: "ContentKeeper",
        patterns: &["ContentKeeper"],
        setting: "the ContentKeeper SSL inspection bypass list",
    },
    Interceptor {
        product: "NetSpark",
        patterns: &["NetSpark"],
        setting: "the NetSpark filter's settings",
    },
    Interceptor {
        product: "Netskope",
        patterns: &["Netskope"],
        setting: "the Netskope SSL decryption policy (do-not-decrypt list)",
    },
    Interceptor {
        product: "Palo Alto Networks",
        patterns: &["Palo Alto Networks"],
        setting: "the firewall's decryption policy (no-decrypt rule)",
    },
    Interceptor {
        product: "Check Point",
        patterns: &["Check Point"],
        setting: "the HTTPS inspection policy (bypass rule)",
    },
    Interceptor {
        product: "Barracuda",
        patterns: &["Barracuda"],
        setting: "the SSL inspection exemptions",
    },
    Interceptor {
        product: "Dr.Web",
        patterns: &["Dr.Web"],
        setting: "SpIDer Gate > encrypted traffic checking",
    },
    Interceptor {
        product: "mitmproxy",
        patterns: &["mitmproxy"],
        setting: "stop mitmproxy or unset the proxy",
    },
    Interceptor {
        product: "Fiddler",
        patterns: &["DO_NOT_TRUST_FiddlerRoot", "Fiddler"],
        setting: "Fiddler > Tools > Options > HTTPS > Decrypt HTTPS traffic",
    },
    Interceptor {
        product: "Charles Proxy",
        patterns: &["Charles Proxy"],
        setting: "Charles > Proxy > SSL Proxying Settings",
    },
    Interceptor {
        product: "Burp Suite",
        patterns: &["PortSwigger"],
        setting: "stop Burp or unset the proxy",
    },
];

/// The product whose CA name `name` is, if any.
pub fn identify(name: &str) -> Option<&'static Interceptor> {
    let name = name.to_lowercase();
    KNOWN
        .iter()
        .find(|i| i.patterns.iter().any(|p| name.contains(&p.to_lowercase())))
}

/// Public hosts whose certificates come from a CA in Mozilla's program wherever they are
/// reached: the default targets and the VPN providers' API hosts. Signed by a root only this
/// machine trusts, they prove interception; any other public name could be an organisation's
/// own CA.
pub const PUBLIC_WITNESSES: &[&str] = &[
    "one.one.one.one",
    "www.google.com",
    "www.mozilla.org",
    "api.nordvpn.com",
];

/// Whether `host` is one of [`PUBLIC_WITNESSES`].
pub fn is_public_witness(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    PUBLIC_WITNESSES
        .iter()
        .any(|w| w.eq_ignore_ascii_case(host))
}

/// Suffixes of names that exist only inside a network: no public CA can sign them, so a root
/// installed on this machine that does is a private CA, not an interception.
const INTERNAL_SUFFIXES: &[&str] = &[
    ".local",
    ".internal",
    ".corp",
    ".lan",
    ".home.arpa",
    ".localhost",
    ".intranet",
];

/// Whether `name` (a host name or an address) is internal: a single label, an internal
/// suffix, or a private, loopback, link-local or shared address.
pub fn is_internal_name(name: &str) -> bool {
    use std::net::IpAddr;
    let name = name.trim_end_matches('.');
    if let Ok(ip) = name.trim_matches(['[', ']']).parse::<IpAddr>() {
        return match ip {
            IpAddr::V4(v4) => {
                let [a, b, ..] = v4.octets();
                v4.is_private()
                    || v4.is_loopback()
                    || v4.is_link_local()
                    || (a == 100 && (64..128).contains(&b))
            }
            IpAddr::V6(v6) => {
                let first = v6.segments()[0];
                v6.is_loopback() || first & 0xfe00 == 0xfc00 || first & 0xffc0 == 0xfe80
            }
        };
    }
    let name = name.to_ascii_lowercase();
    !name.contains('.') || INTERNAL_SUFFIXES.iter().any(|s| name.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::{identify, is_internal_name, is_public_witness};

    #[test]
    fn internal_names() {
        for n in [
            "wiki",
            "localhost",
            "nas.local",
            "git.corp",
            "printer.lan",
            "api.internal",
            "router.home.arpa",
            "10.1.2.3",
            "192.168.1.1",
            "172.20.0.5",
            "100.64.1.1",
            "fd00::1",
            "[fe80::1]",
        ] {
            assert!(is_internal_name(n), "{n}");
        }
        for n in [
            "www.example.com",
            "corp.example.com",
            "8.8.8.8",
            "2001:db8::1",
            "local.example.org",
        ] {
            assert!(!is_internal_name(n), "{n}");
        }
        assert!(is_public_witness("www.mozilla.org."));
        assert!(!is_public_witness("intranet.example.com"));
    }

    #[test]
    fn names_products() {
        let product = |n| identify(n).map(|i| i.product);
        assert_eq!(
            product("Kaspersky Anti-Virus Personal Root Certificate"),
            Some("Kaspersky")
        );
        assert_eq!(
            product("Avast Web/Mail Shield Root"),
            Some("Avast/AVG Web Shield")
        );
        assert_eq!(
            product("AVG Web/Mail Shield Root"),
            Some("Avast/AVG Web Shield")
        );
        assert_eq!(product("ESET SSL Filter CA"), Some("ESET"));
        assert_eq!(product("Zscaler Root CA"), Some("Zscaler"));
        assert_eq!(product("ISRG Root X1"), None);
        assert_eq!(product("DigiCert Global Root G2"), None);
    }

    #[test]
    fn no_mozilla_root_looks_like_an_interceptor() {
        for anchor in webpki_roots::TLS_SERVER_ROOTS {
            let name = crate::probe::trust::anchor_name(anchor);
            assert!(identify(&name).is_none(), "{name} matched");
        }
    }
}
