//! The details of a target's reachability: every probe with what its status proves, the DNS
//! comparison, and the captive-portal check.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::app::Model;
use crate::probe::reach::{CaptiveVerdict, ReachReport, is_reach_probe, wants_reach};
use crate::text::human_duration;
use crate::ui::format::{format_dns, format_ms};
use crate::ui::handshakes::address;
use crate::ui::handshakes::details::{target_title, untried_words};
use crate::ui::window::{Doc, run_fields_of, slot_run};

/// One probe: its label, status and the facts of its run on the first line, then what the
/// status proves and the probe's own words, whole.
fn probe_entry(doc: &mut Doc, label: &str, status: &str, style: Style, facts: &[String]) {
    let theme = doc.theme;
    let mut spans = vec![
        Span::styled(format!("{label}  "), theme.heading()),
        Span::styled(status.to_string(), style),
    ];
    for f in facts {
        spans.push(Span::raw(format!(" · {f}")));
    }
    let line = Line::from(spans);
    if line.width() <= doc.width {
        doc.line(line);
    } else {
        doc.line(Line::from(line.spans[..2].to_vec()));
        doc.para("    ", &facts.join(" · "), Style::new());
    }
}

/// Why a target has no DNS comparison.
fn no_comparison(t: &crate::config::Target) -> &'static str {
    if t.connect.is_some() {
        "not done: the config gives the address to connect to"
    } else if t.host.parse::<std::net::IpAddr>().is_ok() {
        "not needed: the target is an address"
    } else {
        "not done: no nameserver to ask directly (none in /etc/resolv.conf, no `resolvers` in the config)"
    }
}

fn dns_comparison_doc(doc: &mut Doc, t: &crate::config::Target, r: &ReachReport) {
    let Some(c) = &r.dns_compare else {
        doc.field("DNS compared", no_comparison(t));
        return;
    };
    doc.field(
        "DNS compared",
        &format!("system resolver: {}", c.system.words()),
    );
    for d in &c.direct {
        let verdict = if super::contradicts(c, d) {
            " — contradicts the system resolver"
        } else {
            ""
        };
        doc.field("", &format!("{}: {}{verdict}", d.server, d.answer.words()));
    }
    if c.differences().is_empty() {
        doc.field(
            "",
            "no contradiction: the answers share an address, or one side gave none to compare",
        );
    }
}

fn captive_doc(doc: &mut Doc, model: &Model) {
    let Some(c) = model.obs.captive.value() else {
        doc.field("captive check", &super::format_captive_verdict(model));
        return;
    };
    let verdict = match &c.verdict {
        CaptiveVerdict::Open => "no portal: the expected answer came".to_string(),
        CaptiveVerdict::Captive(why) => format!("CAPTIVE PORTAL: {why}"),
        CaptiveVerdict::Unknown(why) => format!("could not tell: {why}"),
    };
    doc.field("captive check", &verdict);
    let status = c
        .status
        .map_or_else(|| "no HTTP answer".to_string(), |s| format!("HTTP {s}"));
    let location = c
        .location
        .as_deref()
        .map(|l| format!(", location {l}"))
        .unwrap_or_default();
    doc.field(
        "",
        &format!(
            "{}: {status} in {}{location}",
            c.url.clone(),
            format_ms(c.took)
        ),
    );
    if let Some(since) = model.obs.captive.running_since {
        doc.field(
            "",
            &format!(
                "running again for {}",
                human_duration(crate::ui::elapsed(model, since))
            ),
        );
    }
}

/// The real OpenVPN TLS handshake of a probe: its outcome, the retry without the profile's
/// TLS cap when one ran, and every packet exchanged, one line each.
fn handshake_doc(doc: &mut Doc, h: &crate::probe::vpn::check::VpnHandshake) {
    let theme = doc.theme;
    let style = if h.ok() { theme.ok() } else { theme.error() };
    doc.para("    ", &h.summary(), style);
    if let Some(u) = &h.uncapped {
        doc.para(
            "    ",
            &format!("without tls-version-max: {}", u.summary()),
            Style::new(),
        );
    }
    let r = &h.report;
    doc.para("    ", "packets exchanged:", Style::new());
    for p in &r.packets {
        doc.para("      ", &p.to_string(), theme.dim());
    }
    if r.packets_not_logged > 0 {
        doc.para(
            "      ",
            &format!("… and {} more, not kept", r.packets_not_logged),
            theme.dim(),
        );
    }
}

pub fn doc(doc: &mut Doc, model: &Model, i: usize) -> String {
    let t = &model.config().targets[i];
    let theme = doc.theme;
    if let Some(parent) = t.alternative_of.and_then(|p| model.config().targets.get(p)) {
        doc.field(
            "alternative of",
            &format!("{} ({})", parent.name, address(parent)),
        );
    }
    if model.untried_alternative(i) {
        let probes: Vec<String> = t.probes.iter().map(ToString::to_string).collect();
        doc.field("probes", &probes.join(", "));
        doc.field("status", &untried_words());
        return target_title(t);
    }
    let reach = model.obs.targets[i].reach.value();
    if let Some(dns) = model.obs.targets[i].dns.value() {
        doc.field("DNS", &format_dns(t, dns));
    }
    doc.line(Line::raw(""));
    match model.obs.targets[i].connect.value() {
        Some(r) => {
            for a in &r.tcp {
                let (state, detail) = super::format_port(a);
                let style = if state == "open" {
                    theme.ok()
                } else {
                    theme.error()
                };
                probe_entry(doc, &format!("tcp:{}", a.port), state, style, &[detail]);
            }
        }
        None if !t.tcp_ports().is_empty() => {
            doc.para("", "TCP ports: no result yet", theme.dim());
        }
        None => {}
    }
    match reach {
        Some(r) => {
            for x in &r.results {
                let mut facts = vec![format!("{} to {}", format_ms(x.took), x.addr)];
                facts.extend(super::format_tags(x));
                probe_entry(
                    doc,
                    &x.probe.to_string(),
                    x.status.as_str(),
                    super::status_style(x.status, theme),
                    &facts,
                );
                doc.para("    ", &super::format_reach_status(x), Style::new());
                doc.para("    ", &x.detail.clone(), theme.dim());
                if let Some(h) = &x.handshake {
                    handshake_doc(doc, h);
                }
            }
            if r.results.is_empty() && t.probes.iter().any(|s| is_reach_probe(*s)) {
                doc.para(
                    "",
                    "OpenVPN/WireGuard probes: not run, DNS gave no address",
                    theme.dim(),
                );
            }
            doc.line(Line::raw(""));
            dns_comparison_doc(doc, t, r);
        }
        None if wants_reach(t) => {
            doc.para(
                "",
                "OpenVPN/WireGuard probes and DNS comparison: no result yet",
                theme.dim(),
            );
            doc.line(Line::raw(""));
        }
        None => doc.line(Line::raw("")),
    }
    captive_doc(doc, model);
    run_fields_of(
        doc,
        model,
        &[
            slot_run(&model.obs.targets[i].connect),
            slot_run(&model.obs.targets[i].reach),
        ],
    );
    target_title(t)
}
