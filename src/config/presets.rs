//! Presets: named sets of targets for `--preset NAME`, kept as data in `presets.toml` and read
//! through the config's own `[[targets]]` rules, so a preset cannot hold what a config could
//! not.

use std::path::Path;

use crate::config::{Config, ConfigError, HostPort, Target};

/// The presets file, compiled in.
pub const PRESETS: &str = include_str!("presets.toml");

fn table() -> toml::Table {
    PRESETS.parse().expect("presets.toml parses")
}

/// Every preset's name and description, in file order.
pub fn list() -> Vec<(String, String)> {
    table()
        .into_iter()
        .map(|(name, v)| {
            let d = v
                .get("description")
                .and_then(toml::Value::as_str)
                .unwrap_or("")
                .to_string();
            (name, d)
        })
        .collect()
}

/// The targets of `--preset SPEC`: `NAME`, or `NAME=HOST` to point the preset's server
/// targets at HOST.
pub fn targets(spec: &str) -> Result<Vec<Target>, ConfigError> {
    let (name, server) = match spec.split_once('=') {
        Some((n, h)) => (n, Some(h)),
        None => (spec, None),
    };
    if let Some(host) = server {
        let hp: HostPort = host
            .parse()
            .map_err(|e| ConfigError(format!("--preset {spec:?}: {e}")))?;
        if hp.port.is_some() {
            return Err(ConfigError(format!(
                "--preset {spec:?}: give the server's host without a port (the probes have theirs)"
            )));
        }
    }
    let mut all = table();
    let Some(preset) = all.remove(name) else {
        let names: Vec<String> = list().into_iter().map(|(n, _)| n).collect();
        return Err(ConfigError(format!(
            "unknown preset {name:?}: use one of {}",
            names.join(", ")
        )));
    };
    let mut entries = preset
        .get("targets")
        .and_then(toml::Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut has_server = false;
    for entry in &mut entries {
        let Some(t) = entry.as_table_mut() else {
            continue;
        };
        let is_server = t
            .remove("server")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        has_server |= is_server;
        if let (true, Some(host)) = (is_server, server) {
            t.insert("host".to_string(), toml::Value::String(host.to_string()));
        }
    }
    if server.is_some() && !has_server {
        return Err(ConfigError(format!(
            "--preset {spec:?}: the preset {name:?} has no server to point elsewhere; use --preset {name}"
        )));
    }
    let mut doc = toml::Table::new();
    doc.insert("targets".to_string(), toml::Value::Array(entries));
    let text = toml::to_string(&doc).map_err(|e| ConfigError(format!("preset {name:?}: {e}")))?;
    let origin = format!("<preset {name}>");
    Ok(Config::from_toml(&text, Path::new(&origin))?.targets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProbeSpec;

    #[test]
    fn every_preset_is_valid() {
        for (name, description) in list() {
            assert!(!description.is_empty(), "{name}");
            assert!(!targets(&name).unwrap().is_empty(), "{name}");
        }
    }

    #[test]
    fn nordvpn_has_its_api_host_and_the_three_vpn_probes() {
        let t = targets("nordvpn").unwrap();
        assert_eq!(t[0].host, "api.nordvpn.com");
        assert_eq!(t[0].probes, vec![ProbeSpec::Tls]);
        assert_eq!(
            t[1].probes,
            vec![
                ProbeSpec::OpenvpnUdp(1194),
                ProbeSpec::OpenvpnTcp(443),
                ProbeSpec::Wireguard(51820)
            ]
        );
        assert!(!t[1].alternatives.is_empty());
        let mine = targets("nordvpn=de777.nordvpn.com").unwrap();
        assert_eq!(mine[1].host, "de777.nordvpn.com");
        assert_eq!(mine[0].host, "api.nordvpn.com");
    }

    #[test]
    fn bad_presets_say_what_exists() {
        let e = targets("expressvpn").unwrap_err().0;
        assert!(e.contains("\"expressvpn\"") && e.contains("nordvpn"), "{e}");
        let e = targets("nordvpn=a b").unwrap_err().0;
        assert!(e.contains("a b"), "{e}");
        let e = targets("nordvpn=x.example:443").unwrap_err().0;
        assert!(e.contains("without a port"), "{e}");
    }
}
