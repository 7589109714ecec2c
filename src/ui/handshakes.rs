//! The Handshakes pane: per target, the phases of a connection as far as they have been
//! checked: the DNS answer and the TCP connect to the target's port.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{ListItem, Paragraph};

use super::format::{format_alternative, format_ms, format_running, format_untried, pad};
use super::theme::Theme;
use super::{elapsed, key_label, pane_block, render_list};
use crate::app::keys::Action;
use crate::app::{Model, Pane, Slot};
use crate::config::{HostPort, Target};
use crate::probe::clock::human_duration;
use crate::probe::connect::{ConnectReport, Dns, TcpAttempt, TcpError};
use crate::sanitize::clean;

/// The widest a target's name or address gets in the row's first line.
const MAX_NAME_WIDTH: usize = 24;

/// `host:port` of a target, IPv6 in brackets.
pub fn host_port(t: &Target) -> String {
    HostPort {
        host: t.host.clone(),
        port: Some(t.port),
    }
    .to_string()
}

/// The DNS phase in words.
pub fn format_dns(target: &Target, dns: &Dns) -> String {
    match dns {
        Dns::Skipped(ip) if target.connect.is_some() => {
            format!("skipped: the config connects to {ip}")
        }
        Dns::Skipped(ip) => format!("not needed: {ip} is an address"),
        Dns::Resolved { addrs, took } => format!(
            "{} in {}",
            addrs
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            format_ms(*took)
        ),
        Dns::Failed { error, took } => {
            format!("failed after {}: {}", format_ms(*took), clean(error))
        }
        Dns::Timeout(d) => format!("no answer within {}", human_duration(*d)),
    }
}

/// A TCP connect's outcome: a short status word and the words for it.
pub fn format_tcp(result: &Result<std::time::Duration, TcpError>) -> (&'static str, String) {
    match result {
        Ok(d) => ("open", format!("connected in {}", format_ms(*d))),
        Err(TcpError::Refused) => (
            "refused",
            "refused: nothing listens, or a firewall rejects".to_string(),
        ),
        Err(TcpError::Timeout(d)) => (
            "timeout",
            format!(
                "no answer within {}: filtered, or the host is down",
                human_duration(*d)
            ),
        ),
        Err(TcpError::Unreachable(e)) => ("unreach", format!("unreachable: {}", clean(e))),
        Err(TcpError::NoAddress) => ("no addr", "not tried: DNS gave no address".to_string()),
        Err(TcpError::Other(e)) => ("error", clean(e)),
    }
}

/// The TCP attempt to the target's own port, if its checks include one.
pub fn main_attempt<'a>(target: &Target, report: &'a ConnectReport) -> Option<&'a TcpAttempt> {
    report.tcp.iter().find(|a| a.port == target.port)
}

/// A target's status word and how it looks.
fn status(target: &Target, report: &ConnectReport, theme: Theme) -> (&'static str, Style) {
    if !report.dns.is_ok() {
        return ("dns", theme.error());
    }
    match main_attempt(target, report).map(|a| &a.result) {
        Some(Ok(_)) => ("ok", theme.ok()),
        Some(r) => (format_tcp(r).0, theme.error()),
        None => ("dns ok", theme.ok()),
    }
}

/// The TCP phase line of a target.
fn tcp_line(target: &Target, report: &ConnectReport) -> String {
    match main_attempt(target, report) {
        Some(a) => {
            let addr = a
                .addr
                .map_or_else(|| format!("port {}", a.port), |x| x.to_string());
            format!("{addr} {}", format_tcp(&a.result).1)
        }
        None => format!(
            "port {} not checked: the target has no \"tls\" probe",
            target.port
        ),
    }
}

/// The widths of the name and address columns, from the targets (an alternative server's row
/// names its host instead, so its long name does not widen the column).
pub fn column_widths(targets: &[Target]) -> (usize, usize) {
    let name = targets
        .iter()
        .filter(|t| t.alternative_of.is_none())
        .map(|t| t.name.chars().count())
        .max()
        .unwrap_or(0);
    let addr = targets
        .iter()
        .map(|t| host_port(t).chars().count())
        .max()
        .unwrap_or(0);
    (name.min(MAX_NAME_WIDTH), addr.min(MAX_NAME_WIDTH))
}

fn item(
    model: &Model,
    i: usize,
    target: &Target,
    slot: &Slot<Box<ConnectReport>>,
    widths: (usize, usize),
    theme: Theme,
) -> ListItem<'static> {
    // Alternative servers sit indented under the target they stand in for, as in the
    // Reachability pane; one that never ran says how to try it.
    let alt = target.alternative_of.is_some();
    if model.untried_alternative(i) {
        return ListItem::new(vec![
            Line::styled(
                format!("  {}", format_alternative(&host_port(target))),
                theme.dim(),
            ),
            Line::styled(
                format!("      {}", format_untried(key_label(Action::Fixes))),
                theme.dim(),
            ),
        ]);
    }
    let (word, style) = match (slot.running_since, slot.value()) {
        (Some(since), _) => (format_running(elapsed(model, since)), theme.running()),
        (None, Some(r)) => {
            let (w, s) = status(target, r, theme);
            (w.to_string(), s)
        }
        (None, None) => ("not run".to_string(), theme.dim()),
    };
    let name = if alt {
        format!("  {}", format_alternative(&host_port(target)))
    } else {
        format!(
            "{}  {}",
            pad(&target.name, widths.0),
            pad(&host_port(target), widths.1)
        )
    };
    let head = Line::from(vec![
        Span::raw(format!("{name}  ")),
        Span::styled(word, style),
    ]);
    let value = if slot.is_running() {
        theme.dim()
    } else {
        Style::new()
    };
    let indent = if alt { "  " } else { "" };
    let label = |l: &'static str| Span::styled(format!("{indent}  {l}  "), theme.heading());
    let mut lines = vec![head];
    match slot.value() {
        Some(r) => {
            lines.push(Line::from(vec![
                label("DNS"),
                Span::styled(format_dns(target, &r.dns), value),
            ]));
            lines.push(Line::from(vec![
                label("TCP"),
                Span::styled(tcp_line(target, r), value),
            ]));
        }
        None if slot.is_running() => {
            lines.push(Line::styled("  resolving and connecting…", theme.dim()));
        }
        None => {}
    }
    ListItem::new(lines)
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model, focused: bool) {
    let theme = Theme::new(model.env.color);
    let block = pane_block(Pane::Handshakes, focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if model.config.targets.is_empty() {
        frame.render_widget(
            Paragraph::new("no targets: name one on the command line (host[:port]) or add [[targets]] to the config"),
            inner,
        );
        return;
    }
    let widths = column_widths(&model.config.targets);
    let items = model
        .config
        .targets
        .iter()
        .zip(&model.connect)
        .enumerate()
        .map(|(i, (t, s))| item(model, i, t, s, widths, theme))
        .collect();
    render_list(
        frame,
        inner,
        items,
        Some(model.selection(Pane::Handshakes)),
        focused,
        theme,
    );
}

/// The pane in one line, for the stacked layout: "3 targets: 2 ok, 1 failing".
pub fn summary(model: &Model) -> Line<'static> {
    let untried = (0..model.config.targets.len())
        .filter(|i| model.untried_alternative(*i))
        .count();
    let n = model.config.targets.len() - untried;
    if n == 0 {
        return Line::raw("no targets");
    }
    let mut ok = 0;
    let mut failing = Vec::new();
    let mut running = 0;
    for (t, slot) in model.config.targets.iter().zip(&model.connect) {
        if slot.is_running() {
            running += 1;
        } else if let Some(r) = slot.value() {
            match status(t, r, Theme::new(false)).0 {
                "ok" | "dns ok" => ok += 1,
                word => failing.push(format!("{} {word}", t.name)),
            }
        }
    }
    let mut parts = vec![format!("{ok} ok")];
    if !failing.is_empty() {
        parts.push(format!(
            "{} failing ({})",
            failing.len(),
            failing.join(", ")
        ));
    }
    if running > 0 {
        parts.push(format!("{running} running"));
    }
    if untried > 0 {
        parts.push(format!(
            "{untried} alternative{} not tried",
            if untried == 1 { "" } else { "s" }
        ));
    }
    Line::raw(format!(
        "{n} target{}: {}",
        if n == 1 { "" } else { "s" },
        parts.join(", ")
    ))
}
