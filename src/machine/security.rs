//! Security and inspection agents for Linux: endpoint antivirus, EDR, secure web gateways, ZTNA
//! and VPN clients that filter traffic or intercept TLS. The list is data: to add a product,
//! add a row with its source. A product is running when a process carries one of its names
//! (`/proc/PID/comm`, or the base name of `argv[0]`) or one of its systemd units has a
//! control group; installed when one of its paths or unit files exists.

/// One product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product {
    /// The product as users know it.
    pub name: &'static str,
    pub vendor: &'static str,
    /// Its daemons' process names.
    pub processes: &'static [&'static str],
    /// Its systemd units.
    pub units: &'static [&'static str],
    /// Where it installs itself.
    pub paths: &'static [&'static str],
    /// It decrypts TLS with a root of its own (on this machine or in its cloud).
    pub intercepts_tls: bool,
    /// It can block or redirect traffic (firewall, web filter, network protection, tunnel).
    pub filters_traffic: bool,
    /// What it does to TLS, in a few words.
    pub does: &'static str,
    /// Where its HTTPS scanning is switched off or an exclusion is added.
    pub setting: &'static str,
}

/// The products, by vendor.
pub const PRODUCTS: &[Product] = &[
    // source: ESET Server Security for Linux / ESET Endpoint Antivirus for Linux online help
    // (help.eset.com: installation under /opt/eset/efs and /opt/eset/eea, services efs and
    // eea); ESET File Security for Linux 4.x guide (esets_daemon, /opt/eset/esets).
    Product {
        name: "ESET Server Security / Endpoint Antivirus for Linux",
        vendor: "ESET",
        processes: &["esets_daemon", "oaeventd"],
        units: &["efs.service", "eea.service", "esets.service"],
        paths: &["/opt/eset/efs", "/opt/eset/eea", "/opt/eset/esets"],
        intercepts_tls: false,
        filters_traffic: true,
        does: "scans files on access; its web access protection can block sites",
        setting: "ESET PROTECT policy or the local web interface: Setup > Web access protection (excluded addresses)",
    },
    // source: Sophos Protection for Linux help (docs.sophos.com: installed to /opt/sophos-spl,
    // service sophos-spl, processes sophos_managementagent, mcsrouter,
    // sophos_threat_detector).
    Product {
        name: "Sophos Protection for Linux",
        vendor: "Sophos",
        processes: &[
            "sophos_managementagent",
            "mcsrouter",
            "sophos_threat_detector",
        ],
        units: &["sophos-spl.service"],
        paths: &["/opt/sophos-spl"],
        intercepts_tls: false,
        filters_traffic: false,
        does: "scans files on access (EDR); it does not decrypt TLS on Linux",
        setting: "Sophos Central: the server's threat protection policy (exclusions)",
    },
    // source: Sophos Anti-Virus for Linux 9/10 configuration guide (savd, savscand,
    // /opt/sophos-av, service sav-protect).
    Product {
        name: "Sophos Anti-Virus for Linux",
        vendor: "Sophos",
        processes: &["savd", "savscand"],
        units: &["sav-protect.service"],
        paths: &["/opt/sophos-av"],
        intercepts_tls: false,
        filters_traffic: false,
        does: "scans files on access",
        setting: "savconfig (or Sophos Central): exclusions",
    },
    // source: Kaspersky Endpoint Security for Linux help (support.kaspersky.com: service
    // kesl, /opt/kaspersky/kesl; Web Threat Protection with "Encrypted connections scan").
    Product {
        name: "Kaspersky Endpoint Security for Linux",
        vendor: "Kaspersky",
        processes: &["kesl", "wdserver"],
        units: &["kesl.service", "kesl-supervisor.service"],
        paths: &["/opt/kaspersky/kesl"],
        intercepts_tls: true,
        filters_traffic: true,
        does: "its Web Threat Protection decrypts HTTPS with a Kaspersky root (Encrypted connections scan)",
        setting: "kesl-control or Kaspersky Security Center: Encrypted connections scan settings (trusted addresses / exclusions)",
    },
    // source: Kaspersky Security Center Network Agent for Linux help (klnagent,
    // /opt/kaspersky/klnagent64, service klnagent64).
    Product {
        name: "Kaspersky Security Center Network Agent",
        vendor: "Kaspersky",
        processes: &["klnagent"],
        units: &["klnagent64.service", "klnagent.service"],
        paths: &["/opt/kaspersky/klnagent64", "/opt/kaspersky/klnagent"],
        intercepts_tls: false,
        filters_traffic: false,
        does: "manages Kaspersky products here; look for Kaspersky Endpoint Security beside it",
        setting: "Kaspersky Security Center: the policy of the managed product",
    },
    // source: Bitdefender GravityZone "Install security agents on Linux" (bdsec service,
    // bdsecd daemon, /opt/bitdefender-security-tools).
    Product {
        name: "Bitdefender GravityZone Endpoint Security Tools",
        vendor: "Bitdefender",
        processes: &["bdsecd"],
        units: &["bdsec.service"],
        paths: &["/opt/bitdefender-security-tools"],
        intercepts_tls: false,
        filters_traffic: true,
        does: "scans files on access; its network protection can block traffic",
        setting: "GravityZone Control Center: the policy's Network Protection (exclusions)",
    },
    // source: CrowdStrike Falcon sensor for Linux deployment guide (falcon-sensor service,
    // /opt/CrowdStrike, falconctl).
    Product {
        name: "CrowdStrike Falcon",
        vendor: "CrowdStrike",
        processes: &["falcon-sensor", "falcond"],
        units: &["falcon-sensor.service"],
        paths: &["/opt/CrowdStrike"],
        intercepts_tls: false,
        filters_traffic: true,
        does: "EDR: does not decrypt TLS, but can contain the host (block its network)",
        setting: "the Falcon console: host containment and prevention policies",
    },
    // source: SentinelOne Linux agent installation guide (sentinelctl, /opt/sentinelone,
    // service sentinelone, processes s1-agent, s1-orchestrator, s1-network).
    Product {
        name: "SentinelOne Singularity",
        vendor: "SentinelOne",
        processes: &["s1-agent", "s1-orchestrator", "s1-network", "s1-scanner"],
        units: &["sentinelone.service"],
        paths: &["/opt/sentinelone"],
        intercepts_tls: false,
        filters_traffic: true,
        does: "EDR: does not decrypt TLS, but its network quarantine and firewall control can block traffic",
        setting: "the SentinelOne console: Network Quarantine and Firewall Control",
    },
    // source: Microsoft Learn "Microsoft Defender for Endpoint on Linux" (mdatp service,
    // wdavdaemon, /opt/microsoft/mdatp; network protection for Linux).
    Product {
        name: "Microsoft Defender for Endpoint",
        vendor: "Microsoft",
        processes: &["wdavdaemon"],
        units: &["mdatp.service"],
        paths: &["/opt/microsoft/mdatp"],
        intercepts_tls: false,
        filters_traffic: true,
        does: "scans files on access; network protection blocks connections by reputation (it reads the SNI, it does not decrypt)",
        setting: "mdatp config network-protection enforcement-level, or the Defender portal's policy (indicators allow-list)",
    },
    // source: Trend Micro Deep Security Agent for Linux help (ds_agent service and process,
    // /opt/ds_agent).
    Product {
        name: "Trend Micro Deep Security Agent",
        vendor: "Trend Micro",
        processes: &["ds_agent"],
        units: &["ds_agent.service"],
        paths: &["/opt/ds_agent"],
        intercepts_tls: false,
        filters_traffic: true,
        does: "its firewall, intrusion prevention and web reputation modules can drop or reset connections",
        setting: "Deep Security / Cloud One console: the computer's policy (Firewall, Intrusion Prevention, Web Reputation exceptions)",
    },
    // source: Trellix (McAfee) Endpoint Security for Linux product guide (mfetpd threat
    // prevention daemon, mfeespd platform daemon, /opt/McAfee/ens).
    Product {
        name: "Trellix (McAfee) Endpoint Security for Linux",
        vendor: "Trellix",
        processes: &["mfetpd", "mfeespd"],
        units: &["mfetpd.service", "mfeespd.service"],
        paths: &["/opt/McAfee/ens"],
        intercepts_tls: false,
        filters_traffic: true,
        does: "scans files on access; its firewall module can block traffic",
        setting: "ePolicy Orchestrator / Trellix ePO: the Endpoint Security Firewall and exclusions policy",
    },
    // source: Zscaler Help "Zscaler Client Connector for Linux" (zsaservice, ZSTray,
    // /opt/zscaler); ZIA SSL inspection re-signs with the Zscaler root.
    Product {
        name: "Zscaler Client Connector",
        vendor: "Zscaler",
        processes: &["zsaservice", "ZSTray"],
        units: &["zsaservice.service"],
        paths: &["/opt/zscaler"],
        intercepts_tls: true,
        filters_traffic: true,
        does: "tunnels web traffic to Zscaler's cloud, whose SSL inspection re-signs it with the Zscaler root",
        setting: "ZIA admin portal: Policy > SSL Inspection (add the host to the bypass list); or the app profile's bypass for the VPN",
    },
    // source: Netskope Docs "Netskope Client for Linux" (stAgentSvc, /opt/netskope/stagent).
    Product {
        name: "Netskope Client",
        vendor: "Netskope",
        processes: &["stAgentSvc"],
        units: &["stagentd.service"],
        paths: &["/opt/netskope/stagent"],
        intercepts_tls: true,
        filters_traffic: true,
        does: "steers traffic to Netskope's proxy, whose SSL decryption re-signs it with the tenant's root",
        setting: "Netskope tenant: Settings > Security Cloud Platform > Steering Configuration (exceptions) and the SSL Decryption policy",
    },
    // source: Cisco Secure Client (AnyConnect) administrator guide, Linux: vpnagentd,
    // /opt/cisco/secureclient (5.x), /opt/cisco/anyconnect (4.x).
    Product {
        name: "Cisco Secure Client (AnyConnect)",
        vendor: "Cisco",
        processes: &["vpnagentd"],
        units: &["vpnagentd.service"],
        paths: &["/opt/cisco/secureclient", "/opt/cisco/anyconnect"],
        intercepts_tls: false,
        filters_traffic: true,
        does: "a VPN: routes and filters this machine's traffic while connected; a second VPN may fight it",
        setting: "the Secure Client profile (split tunnelling, always-on); disconnect it to test",
    },
    // source: Palo Alto Networks GlobalProtect app for Linux guide (PanGPS, PanGPA,
    // /opt/paloaltonetworks/globalprotect, service gpd).
    Product {
        name: "Palo Alto GlobalProtect",
        vendor: "Palo Alto Networks",
        processes: &["PanGPS", "PanGPA"],
        units: &["gpd.service"],
        paths: &["/opt/paloaltonetworks/globalprotect"],
        intercepts_tls: false,
        filters_traffic: true,
        does: "a VPN: routes this machine's traffic through the gateway, where decryption policies may apply",
        setting: "the GlobalProtect portal's split-tunnel settings, or the firewall's decryption policy exclusions",
    },
    // source: Broadcom Symantec Endpoint Protection for Linux (the 14.3 RU1+ agent: sisamdagent,
    // sisidsagent, sisipsagent, /usr/lib/symantec, /opt/Symantec).
    Product {
        name: "Symantec Endpoint Protection for Linux",
        vendor: "Broadcom",
        processes: &["sisamdagent", "sisidsagent", "sisipsagent"],
        units: &[
            "sisamdagent.service",
            "sisidsagent.service",
            "sisipsagent.service",
        ],
        paths: &["/usr/lib/symantec", "/opt/Symantec"],
        intercepts_tls: false,
        filters_traffic: true,
        does: "scans files on access; its intrusion prevention can drop connections",
        setting: "Symantec Endpoint Security console: the device's policy (IPS exceptions)",
    },
];

/// The longest name `/proc/PID/comm` keeps (TASK_COMM_LEN is 16, with the terminating NUL).
pub const COMM_MAX: usize = 15;

impl Product {
    /// The process name of this product that `comm` (as the kernel cut it) or `argv0` (the
    /// base name of `argv[0]`) is, if any.
    pub fn process_named(&self, comm: &str, argv0: &str) -> Option<&'static str> {
        self.processes.iter().copied().find(|p| {
            *p == argv0
                || *p == comm
                || (p.len() > COMM_MAX && comm.len() == COMM_MAX && p.starts_with(comm))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_rows_complete() {
        let mut names = Vec::new();
        for p in PRODUCTS {
            assert!(!p.processes.is_empty() || !p.units.is_empty(), "{}", p.name);
            assert!(!p.paths.is_empty() && !p.setting.is_empty(), "{}", p.name);
            for n in p.processes {
                assert!(!names.contains(n), "{n} twice");
                names.push(n);
            }
            for u in p.units {
                assert!(u.ends_with(".service"), "{u}");
            }
        }
    }

    #[test]
    fn a_process_is_found_by_comm_or_argv0() {
        let sophos = PRODUCTS.iter().find(|p| p.vendor == "Sophos").unwrap();
        // The kernel keeps 15 bytes of "sophos_threat_detector".
        assert_eq!(
            sophos.process_named("sophos_threat_d", "sophos_threat_detector"),
            Some("sophos_threat_detector")
        );
        assert_eq!(
            sophos.process_named("sophos_threat_d", ""),
            Some("sophos_threat_detector")
        );
        assert_eq!(
            sophos.process_named("sleep", "mcsrouter"),
            Some("mcsrouter")
        );
        assert_eq!(sophos.process_named("sleep", "sleep"), None);
        assert_eq!(sophos.process_named("mcsroute", ""), None);
    }
}
