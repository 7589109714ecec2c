//! The view: pure renderers that read the model.

use ratatui::Frame;

use crate::app::Model;

/// Draws the whole screen.
pub fn render(frame: &mut Frame, model: &Model) {
    let _ = model;
    frame.render_widget(
        ratatui::widgets::Block::bordered().title("tlsdoctor"),
        frame.area(),
    );
}
