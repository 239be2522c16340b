//! Terminal set-up and the guarantee that it is restored: on quit, on
//! error (guard drop) and on panic (ratatui's hook, chained after
//! color-eyre's).

use ratatui::DefaultTerminal;

/// Restores the terminal when dropped, whatever path leaves the loop.
pub struct Guard {
    mouse: bool,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.mouse {
            let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
        }
        ratatui::restore();
    }
}

/// Raw mode and the alternate screen (and mouse reports when asked: they
/// stop the terminal's own text selection, so they are opt-in); the panic
/// hook restores the terminal.
pub fn init(mouse: bool) -> (DefaultTerminal, Guard) {
    let t = ratatui::init();
    // After ratatui's hook: only a panic of this thread restores the terminal.
    crate::panics::install();
    if mouse {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
    }
    (t, Guard { mouse })
}
