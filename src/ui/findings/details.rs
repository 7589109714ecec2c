//! The details of a finding: its evidence and its fixes.

use ratatui::style::Style;
use ratatui::text::Line;

use crate::app::Model;
use crate::app::keys::Action;
use crate::ui::fixes::fix_lines;
use crate::ui::key_label;
use crate::ui::window::{Doc, finding_line};

pub fn doc(doc: &mut Doc, model: &Model, i: usize) -> String {
    let f = &model.derived.findings[i];
    let theme = doc.theme;
    let target = format!("  {}", f.target.as_deref().unwrap_or("this machine"));
    doc.line(finding_line(f, theme, &target));
    doc.para("", &f.summary, Style::new());
    doc.line(Line::raw(""));
    doc.line(Line::styled("evidence", theme.heading()));
    for e in &f.evidence {
        doc.para("• ", &e.clone(), Style::new());
    }
    if !f.fixes.is_empty() {
        doc.line(Line::raw(""));
        let how = key_label(Action::Fixes)
            .map(|k| format!(" (press {k} to choose one)"))
            .unwrap_or_default();
        doc.line(Line::styled(format!("fixes{how}"), theme.heading()));
        for fix in &f.fixes {
            let lines = fix_lines(fix, theme, doc.width);
            doc.lines.extend(lines);
        }
    }
    // A finding of the machine check shows all it saw: every client, the OS, what is installed.
    if f.probes.contains(&crate::probe::ProbeId::Machine)
        && let Some(m) = &model.derived.machine
    {
        doc.line(Line::raw(""));
        doc.line(Line::styled("this machine", theme.heading()));
        for line in &m.lines() {
            doc.para("• ", line, Style::new());
        }
    }
    format!(" Finding: {} ", f.code)
}
