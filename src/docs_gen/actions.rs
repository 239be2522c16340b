//! reference/actions.md: every action a key can be bound to, from
//! `Action::ALL`, with its bindings in the shipped keymaps.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::keymap::{Action, Layer};

/// Read from the embedded files rather than a loaded `Keymap`, so the page
/// shows keys as they are spelled in a keymap file (`pageup`, not `pgup`).
const SHIPPED: [(&str, &str); 2] = [
    ("default", include_str!("../../keymaps/default.toml")),
    ("vim", include_str!("../../keymaps/vim.toml")),
];

type Layers = BTreeMap<String, BTreeMap<String, String>>;

fn keys(map: &Layers, layer: Layer, action: Action) -> Vec<String> {
    let mut out: Vec<String> = map
        .get(layer.name())
        .into_iter()
        .flatten()
        .filter(|(_, a)| a.as_str() == action.name())
        .map(|(k, _)| k.clone())
        .collect();
    out.sort_by_key(|k| (k.chars().count(), k.clone()));
    out
}

/// `dashboard: a, b; wizard: c` for one action in one keymap.
fn bindings(map: &Layers, action: Action) -> String {
    let parts: Vec<String> = Layer::ALL
        .iter()
        .filter_map(|l| {
            let k = keys(map, *l, action);
            (!k.is_empty()).then(|| format!("{}: {}", l.name(), super::codes(&k)))
        })
        .collect();
    if parts.is_empty() {
        "—".into()
    } else {
        parts.join("; ")
    }
}

pub fn page() -> String {
    let maps: Vec<(&str, Layers)> = SHIPPED
        .iter()
        .map(|(n, src)| (*n, toml::from_str(src).unwrap_or_default()))
        .collect();
    let mut s = String::new();
    let _ = writeln!(s, "{}\n", super::BANNER);
    s.push_str("# Keymap actions\n\n");
    s.push_str("Every action a key can be bound to in a keymap file (see [Keymaps](keymaps.md) for the file format), what it does, and its keys in the shipped keymaps, by layer. The help overlay (`?`) shows the same descriptions for the keymap actually loaded.\n\n");
    s.push_str("Layers:\n\n");
    for l in Layer::ALL {
        let _ = writeln!(s, "- `[{}]`: {}", l.name(), l.describe());
    }
    s.push_str(
        "\nA key in `[global]` works under every other layer unless that layer binds it.\n\n",
    );
    s.push_str("Actions marked *changes* change something outside the console. A read-only console (`baton watch`, `--read-only`) does not load their bindings, and its executor refuses them anyway.\n\n");
    s.push_str("| action | what it does |");
    for (n, _) in &maps {
        let _ = write!(s, " `{n}` keymap |");
    }
    s.push_str("\n|---|---|");
    for _ in &maps {
        s.push_str("---|");
    }
    s.push('\n');
    for a in Action::ALL {
        let mark = if a.mutating() { " *changes*" } else { "" };
        let _ = write!(
            s,
            "| `{}` | {}{mark} |",
            a.name(),
            super::cell(a.describe())
        );
        for (_, m) in &maps {
            let _ = write!(s, " {} |", bindings(m, *a));
        }
        s.push('\n');
    }
    s
}
