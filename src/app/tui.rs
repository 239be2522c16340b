//! Terminal set-up and the guarantee that it is restored: on quit, on
//! error (guard drop) and on panic (ratatui's hook, chained after
//! color-eyre's).

use ratatui::DefaultTerminal;

/// Restores the terminal when dropped, whatever path leaves the loop.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// Raw mode and the alternate screen; the panic hook restores both.
pub fn init() -> (DefaultTerminal, Guard) {
    (ratatui::init(), Guard)
}
