//! reference/themes.md: the roles a theme styles, from `Role::ALL`.

use std::fmt::Write as _;

use crate::theme::{self, Role};

pub fn page() -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}\n", super::BANNER);
    s.push_str("# Themes\n\n");
    let names: Vec<&str> = theme::embedded_names().collect();
    let _ = writeln!(
        s,
        "Shipped: {} (`default` is dark). `NO_COLOR` (or a terminal with no colour) selects `monochrome`, which carries meaning with bold, reverse and underline and a symbol and a word for every state, unless `--theme` is given. How colours are brought down to the terminal's depth: [The console](../guide/console.md#colours-and-the-clipboard).\n",
        super::codes(&names)
    );
    s.push_str("A theme is a TOML file of roles:\n\n```toml\nparent = \"default\"          # optional: start from another theme\n[roles]\ncritical = { fg = \"lightred\", bold = true }\nselection = { bg = \"#2a3545\" }\n```\n\n");
    s.push_str("Style keys: `fg`, `bg` (names such as `red`, `lightblue`, `darkgray`, `\"#rrggbb\"`, or `0`–`255`), `bold`, `dim`, `italic`, `underline`, `reversed`. A file `themes/NAME.toml` beside the config overrides the shipped theme of that name role by role; a new name starts from `default`. Unknown roles and bad colours are errors with file and line, in `baton check` and at start-up.\n\n");
    s.push_str("| role | styles |\n|---|---|\n");
    for r in Role::ALL {
        let _ = writeln!(s, "| `{}` | {} |", r.name(), super::cell(r.describe()));
    }
    s
}
