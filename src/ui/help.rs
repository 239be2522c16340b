//! The help overlay, drawn from the keymap actually loaded.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{muted, overlay_frame, scrolled, styled};
use crate::app::App;
use crate::keymap::Layer;
use crate::theme::Role;

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let title = format!("Help · keymap {}", app.keymap.name);
    let inner = overlay_frame(f, area, app, &title, &super::overlay_keys(app));
    let mut lines = Vec::new();
    for layer in Layer::ALL {
        let bindings = app.keymap.bindings(*layer);
        if bindings.is_empty() {
            continue;
        }
        lines.push(Line::from(styled(
            format!("{} — {}", layer.name(), layer.describe()),
            app.theme.style(Role::Header),
        )));
        for (action, keys) in bindings {
            let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
            lines.push(Line::from(vec![
                styled(
                    format!("  {:<18}", keys.join(" ")),
                    app.theme.style(Role::Key),
                ),
                styled(
                    format!("{:<15}", action.name()),
                    app.theme.style(Role::Text),
                ),
                muted(app, action.describe()),
            ]));
        }
        lines.push(Line::default());
    }
    lines.push(Line::from(muted(app, "States: ● OK  ▲ AT RISK  ✖ CRITICAL  ○ NO STANDBY  … STALE (older than 3 source intervals)")));
    f.render_widget(
        Paragraph::new(scrolled(lines, app.view.overlay_scroll, inner.height)),
        inner,
    );
}
