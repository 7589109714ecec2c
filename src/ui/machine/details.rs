//! The details of a part of this machine: all the check saw of it, and the finding about it.

use ratatui::style::Style;
use ratatui::text::Line;

use crate::app::Model;
use crate::app::keys::Action;
use crate::ui::key_label;
use crate::ui::window::{Doc, finding_line, run_fields};

pub fn doc(doc: &mut Doc, model: &Model, i: usize) -> String {
    let theme = doc.theme;
    let Some(p) = model.derived.machine.as_ref().and_then(|m| m.parts.get(i)) else {
        doc.field("status", "not checked yet");
        run_fields(doc, model, &model.obs.local);
        return " This machine ".to_string();
    };
    doc.field("state", if p.unknown { "cannot tell" } else { "read" });
    doc.para("", &p.summary, Style::new());
    doc.line(Line::raw(""));
    doc.line(Line::styled("seen", theme.heading()));
    // The summary stands above; the lines say the rest.
    for line in p.lines.iter().filter(|l| **l != p.summary) {
        doc.para("• ", line, Style::new());
    }
    if let Some(f) = super::part_finding(model, p.part) {
        doc.line(Line::raw(""));
        let how = key_label(Action::Fixes)
            .filter(|_| !f.fixes.is_empty())
            .map(|k| format!(" ({k}: its fixes)"))
            .unwrap_or_default();
        doc.line(Line::styled(format!("finding{how}"), theme.heading()));
        doc.line(finding_line(f, theme, ""));
        doc.para("", &f.summary, Style::new());
    }
    doc.line(Line::raw(""));
    run_fields(doc, model, &model.obs.local);
    format!(" This machine: {} ", p.part.label())
}
