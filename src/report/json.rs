//! The JSON report.

use serde_json::{Value, json};

use crate::app::Model;
use crate::diagnose::Judged;
use crate::probe::clock::NtpError;
use crate::probe::connect::{Dns, TcpAttempt, TcpError};
use crate::probe::reach::{CaptiveVerdict, ReachStatus};
use crate::probe::tls::TlsReport;
use crate::text::clean;

fn ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// The whole report as a JSON value.
pub fn report(model: &Model) -> Value {
    let c = &model.derived.clock.consensus;
    let servers: Vec<Value> = model
        .config()
        .clock
        .servers
        .iter()
        .zip(&model.obs.ntp)
        .map(|(server, slot)| match slot.value() {
            Some(Ok(r)) => json!({
                "server": server.to_string(), "status": "ok", "address": r.addr.to_string(),
                "offset_ms": r.offset.as_millis_f64(), "rtt_ms": ms(r.rtt), "stratum": r.stratum,
                "reference_id": r.reference_id.clone(), "leap": r.leap, "error": null,
            }),
            Some(Err(e)) => json!({
                "server": server.to_string(), "status": "error", "reason": e.status(),
                "offset_ms": null, "rtt_ms": null, "stratum": stratum_of(e), "error": e.to_string(),
            }),
            None => json!({
                "server": server.to_string(), "status": "error", "reason": "not-run",
                "offset_ms": null, "rtt_ms": null, "stratum": null, "error": "the check did not finish",
            }),
        })
        .collect();
    let sync = model
        .obs
        .sync
        .value()
        .map(|s| json!({ "active": s.active(), "summary": s.summary().clone() }));
    let targets: Vec<Value> = model
        .config()
        .targets
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            // An alternative server appears once the user has tried it.
            if model.untried_alternative(i) {
                return None;
            }
            let checks = &model.obs.targets[i];
            let dns = checks.dns.value().map(|d| match d {
                Dns::Skipped(ip) => json!({ "status": "skipped", "addresses": [ip.to_string()] }),
                Dns::Resolved { addrs, took } => json!({
                    "status": "ok", "addresses": addrs.iter().map(ToString::to_string).collect::<Vec<_>>(), "ms": ms(*took),
                }),
                Dns::Failed { error, took } => json!({ "status": "failed", "error": error, "ms": ms(*took) }),
                Dns::Timeout(d) => json!({ "status": "timeout", "error": format!("no answer within {d:?}"), "ms": ms(*d) }),
            });
            let mut reach: Vec<Value> = checks
                .connect
                .value()
                .map(|r| r.tcp.iter().map(tcp_entry).collect())
                .unwrap_or_default();
            if let Some(r) = model.obs.targets[i].reach.value() {
                reach.extend(r.results.iter().map(|x| {
                    json!({ "probe": x.probe.kind(), "port": x.port, "address": x.addr.to_string(),
                            "status": x.status.as_str(), "detail": x.detail.clone(),
                            "openvpn": x.is_openvpn, "signed": x.signed, "ms": ms(x.took),
                            "via": x.via.as_ref().map_or_else(|| "direct".to_string(), |p| format!("proxy {p}")) })
                }));
            }
            let dns_differences: Vec<String> = model.obs.targets[i].reach
                .value()
                .and_then(|r| r.dns_compare.as_ref())
                .map(crate::probe::reach::DnsComparison::differences)
                .unwrap_or_default();
            // The VPN's own handshake, where the target has the keys for one.
            let vpn = t.wg_keys.as_ref().map(|_| {
                let wg = model.obs.targets[i].reach.value().and_then(|r| {
                    r.results.iter().find(|x| matches!(x.probe, crate::config::ProbeSpec::Wireguard(_)))
                });
                let port = t.probes.iter().find_map(|p| match p {
                    crate::config::ProbeSpec::Wireguard(port) => Some(*port),
                    _ => None,
                });
                let (status, error) = match wg {
                    None => ("not-run", Some("the check did not finish".to_string())),
                    Some(x) if x.status == ReachStatus::Open => ("ok", None),
                    Some(x) if x.status == ReachStatus::NotRun => ("not-run", Some(x.detail.clone())),
                    Some(x) => ("failed", Some(x.detail.clone())),
                };
                json!({ "protocol": "wireguard", "port": port, "status": status, "error": error })
            });
            let vpn = vpn.or_else(|| openvpn_vpn(t, model.obs.targets[i].reach.value().map(|r| r.results.as_slice())));
            Some(json!({
                "name": t.name.clone(), "host": t.host.clone(), "port": t.port,
                "via": t.via(),
                "vpn": vpn,
                "alternative_of": t.alternative_of.map(|p| (model.config().targets[p].name).clone()),
                "dns": dns, "dns_differences": dns_differences,
                "tls": checks.tls.value().map(|r| tls_entry(r, model.derived.targets[i].chain.as_ref())),
                "reach": reach,
            }))
        })
        .collect();
    let findings: Vec<Value> = model
        .findings()
        .iter()
        .map(|f| {
            json!({
                "code": f.code, "severity": f.severity, "target": f.target.as_deref().map(clean),
                "summary": f.summary.clone(),
                "evidence": f.evidence,
                "fixes": f.fixes.iter().map(|x| json!({
                    "key": x.key.to_string(), "label": x.label, "command": x.command,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "schema": "tlsdoctor/report/v1",
        "verdict": super::verdict_word(model.findings()),
        "clock": {
            "consensus_offset_ms": c.offset.map(crate::probe::clock::Offset::as_millis_f64),
            "source": c.source,
            "servers": servers,
            "sync": sync,
        },
        "captive_portal": model.obs.captive.value().map(|c| json!({
            "url": c.url.clone(),
            "status": match &c.verdict {
                CaptiveVerdict::Open => "open",
                CaptiveVerdict::Captive(_) => "captive",
                CaptiveVerdict::Unknown(_) => "unknown",
            },
            "detail": match &c.verdict {
                CaptiveVerdict::Open => String::new(),
                CaptiveVerdict::Captive(w) | CaptiveVerdict::Unknown(w) => w.clone(),
            },
            "http_status": c.status,
            "location": c.location.as_deref().map(clean),
        })),
        "targets": targets,
        "machine": machine(model),
        "findings": findings,
        "limits": limits(model),
        "runs": runs(model),
    })
}

/// The fixes and re-runs of this session (a dashboard's export), oldest first: what ran,
/// when, its exit status, and each finding's fate.
fn runs(model: &Model) -> Value {
    let time = |t| json!(humantime::format_rfc3339_millis(t).to_string());
    model
        .runs
        .iter()
        .map(|r| {
            let changes: Vec<Value> = r
                .changes
                .iter()
                .map(|c| {
                    json!({ "code": c.key.code, "target": c.key.target.clone(),
                            "change": c.kind.word(), "before": c.before.clone(), "after": c.after.clone() })
                })
                .collect();
            let (status, error) = match &r.exit {
                Some(Ok(code)) => (json!(code), Value::Null),
                Some(Err(e)) => (Value::Null, json!(e)),
                None => (Value::Null, Value::Null),
            };
            json!({
                "what": r.what.label.clone(), "command": r.what.command.clone(),
                "began": time(r.began_at), "ended": time(r.ended_at), "took_ms": ms(r.took),
                "exit_status": status, "error": error, "summary": r.summary.clone(),
                "recovered": r.recovered.clone(), "changes": changes,
            })
        })
        .collect()
}

/// The machine check: security software found, the clients' versions, the OS; `null` until
/// it has run.
fn machine(model: &Model) -> Value {
    use crate::probe::machine::VersionAnswer;
    let (Some(m), Some(state)) = (model.obs.local.value(), &model.derived.machine) else {
        return Value::Null;
    };
    let security: Vec<Value> = m
        .security
        .found
        .iter()
        .map(|d| {
            json!({
                "product": d.product.name, "vendor": d.product.vendor, "running": d.is_running(),
                "evidence": d.evidence(), "intercepts_tls": d.product.intercepts_tls,
                "filters_traffic": d.product.filters_traffic, "setting": d.product.setting,
            })
        })
        .collect();
    let clients: Vec<Value> = m
        .clients
        .iter()
        .zip(&state.clients)
        .map(|(c, status)| {
            let detail = match &c.answer {
                VersionAnswer::Unknown(why) => Some(why.clone()),
                VersionAnswer::Found(f) => f
                    .other_product
                    .as_ref()
                    .map(|other| format!("{other}: not the program the minimum is for")),
                VersionAnswer::NotInstalled => None,
            };
            json!({
                "program": c.client.program, "version": c.version(), "minimum": c.client.minimum,
                "status": status.as_str(), "detail": detail,
            })
        })
        .collect();
    json!({
        "security_software": security,
        "security_scan": m.security.limited.clone().unwrap_or_else(|| "complete".to_string()),
        "clients": clients,
        "services": m.services.iter().map(|svc| json!({ "unit": svc.unit, "state": svc.state.clone() })).collect::<Vec<_>>(),
        "nordvpn_status": m.nordvpn_status.clone(),
        "firewall": firewall(&m.firewall),
        "os": match &m.os {
            Ok(os) => json!({ "id": os.id.clone(), "id_like": os.id_like.clone(), "name": os.name() }),
            Err(e) => json!({ "error": e.clone() }),
        },
        "trust_store": trust_store(&m.trust_store),
    })
}

/// `machine.trust_store`: the system store's bundle and age, and how it differs from
/// Mozilla's roots.
/// `machine.firewall`: `status` "read" when any source was, `rules` their total, `detail`
/// why none was; each source in `backends`, and ufw's state.
fn firewall(fw: &crate::probe::firewall::Firewall) -> Value {
    use crate::probe::firewall::Ufw;
    let read = !fw.is_unknown();
    let backends: Vec<Value> = fw
        .backends()
        .into_iter()
        .map(|(name, r)| match r {
            Ok(n) => json!({ "name": name, "status": "read", "rules": n, "detail": null }),
            Err(why) => json!({ "name": name, "status": "unknown", "rules": null, "detail": why }),
        })
        .collect();
    json!({
        "status": if read { "read" } else { "unknown" },
        "rules": read.then(|| fw.rule_count()),
        "detail": if read { None } else { Some(fw.describe()) },
        "backends": backends,
        "ufw": {
            "status": fw.ufw.status(),
            "rules": match &fw.ufw { Ufw::Active(rules) => Some(rules.len()), _ => None },
            "detail": match &fw.ufw { Ufw::Unknown(why) => Some(why.clone()), _ => None },
        },
    })
}

fn trust_store(store: &Result<crate::probe::trust::StoreSummary, String>) -> Value {
    match store {
        Ok(s) => {
            let modified = s
                .bundle
                .as_ref()
                .and_then(|b| b.modified)
                .map(|t| humantime::format_rfc3339_seconds(t).to_string());
            json!({
                "status": "read",
                "bundle": s.bundle.as_ref().map(|b| b.path.display().to_string()),
                "bundle_modified": modified,
                "bundle_age_days": s.bundle.as_ref().and_then(|b| b.age_days(std::time::SystemTime::now())),
                "dirs": s.dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>(),
                "system_roots": s.system_roots,
                "mozilla_roots": s.mozilla_roots,
                "mozilla_source": s.mozilla_file.as_ref().map_or_else(|| "compiled in".to_string(), |p| p.display().to_string()),
                "system_only": s.system_only,
                "installed_here": s.installed_here,
                "missing_from_system": s.missing,
                "problems": s.problems,
                "detail": null,
            })
        }
        Err(why) => json!({ "status": "unknown", "detail": why }),
    }
}

/// How many checks could wait at once, and why.
fn limits(model: &Model) -> Value {
    let wanted = model.config().network.concurrency;
    let open_files = model.obs.machine.open_files;
    let at_once = crate::limits::checks_at_once(wanted, open_files);
    json!({ "open_files": open_files, "concurrency": wanted, "checks_at_once": at_once })
}

/// Unix seconds as RFC 3339, or `null` when out of range.
fn rfc3339(secs: i64) -> Value {
    u64::try_from(secs)
        .ok()
        .and_then(|s| std::time::UNIX_EPOCH.checked_add(std::time::Duration::from_secs(s)))
        .map_or(Value::Null, |t| {
            json!(humantime::format_rfc3339_seconds(t).to_string())
        })
}

/// The `tls` object of a target, with its chain's verdicts at the local clock.
/// `targets[].vpn` for a target with an OpenVPN profile's CA: its first OpenVPN probe's
/// handshake, and under `all` every OpenVPN probe's (UDP and TCP), in the same shape.
fn openvpn_vpn(
    target: &crate::config::Target,
    results: Option<&[crate::probe::reach::ReachResult]>,
) -> Option<Value> {
    use crate::config::ProbeSpec;
    target.ovpn_tls.as_ref()?;
    let all: Vec<Value> = target
        .probes
        .iter()
        .filter_map(|p| match p {
            ProbeSpec::OpenvpnUdp(port) => Some(("openvpn-udp", *p, *port)),
            ProbeSpec::OpenvpnTcp(port) => Some(("openvpn-tcp", *p, *port)),
            _ => None,
        })
        .map(|(protocol, spec, port)| {
            let result = results
                .unwrap_or_default()
                .iter()
                .find(|x| x.probe == spec && x.via.is_none());
            let Some(h) = result.and_then(|r| r.handshake.as_deref()) else {
                let error = result.map_or_else(
                    || "the check did not finish".to_string(),
                    |r| r.detail.clone(),
                );
                return json!({ "protocol": protocol, "port": port, "status": "not-run",
                               "error": error, "tls": null });
            };
            let rep = &h.report;
            let status = h.outcome().as_str();
            let n = rep.negotiated.as_ref();
            let chain: Vec<Value> = crate::probe::cert::parse_chain(&rep.chain)
                .iter()
                .map(|c| match &c.info {
                    Ok(i) => json!({
                        "subject": i.subject.clone(), "issuer": i.issuer.clone(),
                        "not_before": rfc3339(i.not_before), "not_after": rfc3339(i.not_after),
                    }),
                    Err(e) => json!({ "error": e.clone() }),
                })
                .collect();
            json!({
                "protocol": protocol, "port": port, "status": status,
                "error": (!h.ok()).then(|| h.summary()),
                "summary": h.summary(),
                "ms": ms(rep.timings.total),
                "packets": rep.packets.len() + rep.packets_not_logged,
                "tls": (rep.negotiated.is_some() || !rep.chain.is_empty()).then(|| json!({
                    "version": n.map(|n| n.version.clone()),
                    "cipher": n.map(|n| n.cipher.clone()),
                    "chain": chain,
                })),
            })
        })
        .collect();
    let first = all.first()?.clone();
    let mut first = first;
    first["all"] = Value::Array(all);
    Some(first)
}

fn tls_entry(r: &TlsReport, judged: Option<&Judged>) -> Value {
    let a = &r.attempt;
    let n = a.negotiated.as_ref();
    let chain: Vec<Value> = r
        .chain
        .iter()
        .map(|c| match &c.info {
            Ok(i) => json!({
                "subject": i.subject.clone(), "issuer": i.issuer.clone(),
                "sans": i.sans,
                "not_before": rfc3339(i.not_before), "not_after": rfc3339(i.not_after),
                "key": i.key.to_string(), "signature_algorithm": i.signature_algorithm,
                "sha256": i.sha256, "ca": i.ca,
            }),
            Err(e) => json!({ "error": e.clone() }),
        })
        .collect();
    let trust: Vec<Value> = judged
        .iter()
        .flat_map(|j| j.local.sources.iter())
        .map(|s| {
            json!({
                "source": s.source.key(),
                "trusted": s.path.is_ok(),
                "root": s.path.as_ref().ok().cloned(),
                "path_error": s.path.as_ref().err().map(std::string::ToString::to_string),
                "verdict": match &s.webpki { Ok(()) => "ok".to_string(), Err(e) => e.clone() },
            })
        })
        .collect();
    json!({
        "status": if a.failure.is_none() { "ok" } else { "failed" },
        "error": a.failure.as_ref().map(std::string::ToString::to_string),
        "version": n.map(|n| n.version.clone()),
        "cipher": n.map(|n| n.cipher.clone()),
        "group": n.and_then(|n| n.group.clone()),
        "post_quantum": n.map(|n| n.post_quantum),
        "alpn": n.and_then(|n| n.alpn.clone()),
        "sni": r.sni.as_deref().map(clean),
        "address": a.addr.map(|x| x.to_string()),
        "handshake_ms": a.handshake.map(ms),
        "http": r.http_attempt().and_then(|a| Some((a.http.as_ref()?, a))).map(|(h, a)| json!({
            "variant": a.variant.to_string(),
            "status_line": h.status_line.clone(),
            "date": h.date_raw.as_deref().map(clean),
            "date_offset_ms": h.date_offset().map(crate::probe::clock::Offset::as_millis_f64),
        })),
        "chain": chain,
        "chain_variant": r.chain_attempt().map(|a| a.variant.to_string()),
        "trust": trust,
        "variants": r.variants.iter().map(|v| json!({
            "variant": v.variant.to_string(), "result": v.summary().clone(),
        })).collect::<Vec<_>>(),
    })
}

fn tcp_entry(a: &TcpAttempt) -> Value {
    let (status, detail) = match &a.result {
        Ok(d) => ("open", format!("connected in {:.1} ms", ms(*d))),
        Err(TcpError::Refused) => ("closed", "connection refused".to_string()),
        Err(e @ TcpError::Timeout(_)) => ("filtered", e.to_string()),
        Err(e) => ("error", e.to_string()),
    };
    json!({ "probe": "tcp", "port": a.port, "address": a.addr.map(|x| x.to_string()),
            "status": status, "detail": detail.clone() })
}

fn stratum_of(e: &NtpError) -> Option<u8> {
    match e {
        NtpError::BadStratum(s) => Some(*s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;
    use std::time::{Duration, Instant, SystemTime};

    use super::*;
    use crate::app::Env;
    use crate::config::Config;
    use crate::diagnose::{Machine, Observations};
    use crate::machine::clients::{self, Found, OsRelease};
    use crate::machine::security::PRODUCTS;
    use crate::probe::machine::{
        ClientVersion, Detected, MachineReport, SecurityScan, VersionAnswer,
    };
    use crate::probe::{ProbeId, ProbeOutcome};

    /// A model whose machine check saw `report` (none: it has not run).
    fn model(report: Option<MachineReport>) -> Model {
        let config = Config::from_toml("targets = []\n", Path::new("test.toml")).unwrap();
        let mut obs = Observations::new(Arc::new(config), Machine::default());
        if let Some(r) = report {
            let now = Instant::now();
            obs.request(ProbeId::Machine, now);
            obs.record(
                ProbeId::Machine,
                ProbeOutcome::Machine(Box::new(r)),
                SystemTime::now(),
                Duration::from_millis(3),
                now,
            );
        }
        Model::from_observations(obs, Env::default(), Instant::now(), SystemTime::now())
    }

    #[test]
    fn the_machine_object() {
        assert_eq!(report(&model(None))["machine"], Value::Null);
        let zscaler = PRODUCTS.iter().find(|p| p.vendor == "Zscaler").unwrap();
        let version = |program, answer| ClientVersion {
            client: clients::client(program).unwrap(),
            answer,
        };
        let m = model(Some(MachineReport {
            security: SecurityScan {
                found: vec![Detected {
                    product: zscaler,
                    running: vec!["process zsaservice (pid 7)".to_string()],
                    installed: vec!["installed at /opt/zscaler".to_string()],
                }],
                limited: None,
            },
            clients: vec![
                version(
                    "openvpn",
                    VersionAnswer::Found(Found {
                        version: "2.3.10".to_string(),
                        other_product: None,
                    }),
                ),
                version("wg", VersionAnswer::NotInstalled),
                version(
                    "openssl",
                    VersionAnswer::Unknown("no answer within 2 s".to_string()),
                ),
            ],
            os: Ok(OsRelease::parse(
                "ID=debian\nPRETTY_NAME=\"Debian GNU/Linux 12\"\n",
            )),
            firewall: crate::probe::firewall::Firewall::unknown("not read"),
            services: Vec::new(),
            nordvpn_status: None,
            trust_store: Err("not read".to_string()),
        }));
        let machine = &report(&m)["machine"];
        assert_eq!(
            machine["security_software"],
            json!([{
                "product": "Zscaler Client Connector", "vendor": "Zscaler", "running": true,
                "evidence": ["process zsaservice (pid 7)", "installed at /opt/zscaler"],
                "intercepts_tls": true, "filters_traffic": true, "setting": zscaler.setting,
            }])
        );
        assert_eq!(machine["security_scan"], "complete");
        assert_eq!(
            machine["clients"],
            json!([
                { "program": "openvpn", "version": "2.3.10", "minimum": "2.4.0",
                  "status": "outdated", "detail": null },
                { "program": "wg", "version": null, "minimum": "1.0.20200206",
                  "status": "not-installed", "detail": null },
                { "program": "openssl", "version": null, "minimum": "1.1.1",
                  "status": "unknown", "detail": "no answer within 2 s" },
            ])
        );
        assert_eq!(machine["os"]["name"], "Debian GNU/Linux 12");
        let whole = report(&m);
        let codes: Vec<&str> = whole["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["client-outdated", "security-software"]);
        let text = super::super::text::report(&m);
        assert!(text.contains("\nThis machine\n"), "{text}");
        assert!(
            text.contains("version: openvpn 2.3.10 (minimum 2.4.0): outdated"),
            "{text}"
        );
    }
}
