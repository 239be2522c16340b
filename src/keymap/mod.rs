//! Keymaps: TOML files mapping keys to named actions, per layer. Shipped
//! keymaps are embedded; a file of the same name in the config folder's
//! `keymaps/` is merged over one key by key (`"x" = "none"` unbinds).

mod action;
mod key;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub use action::Action;
pub use key::{Key, parse as parse_key};

use crate::diag::{Diagnostic, Diagnostics, Located, Seg};

/// Where a key press goes, most specific first; `Global` applies under
/// every other layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    Global,
    Dashboard,
    Wizard,
    Overlay,
    /// The wizard's prompt and the filter: keys not bound here are typed.
    Prompt,
    /// Choosing a runbook.
    Chooser,
    /// The notification editor: keys not bound here edit the message.
    Composer,
    /// The silence form: keys not bound here are typed.
    Form,
}

impl Layer {
    pub const ALL: &'static [Layer] = &[
        Layer::Global,
        Layer::Dashboard,
        Layer::Wizard,
        Layer::Overlay,
        Layer::Prompt,
        Layer::Chooser,
        Layer::Composer,
        Layer::Form,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Dashboard => "dashboard",
            Self::Wizard => "wizard",
            Self::Overlay => "overlay",
            Self::Prompt => "prompt",
            Self::Chooser => "chooser",
            Self::Composer => "composer",
            Self::Form => "form",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::Global => "everywhere",
            Self::Dashboard => "on the panes",
            Self::Wizard => "in the failover wizard",
            Self::Overlay => "in help, detail and sources views",
            Self::Prompt => "in the wizard's prompt and the filter (other keys type)",
            Self::Chooser => "while choosing a runbook",
            Self::Composer => "in the notification editor (other keys edit)",
            Self::Form => "in the silence form (other keys type)",
        }
    }

    /// Layers of a text field: unbound keys are typed, the global layer
    /// does not apply (only its quit), and a plain character may not be
    /// bound (it could no longer be typed).
    pub fn is_text(self) -> bool {
        matches!(self, Self::Prompt | Self::Composer | Self::Form)
    }

    /// What a field's layer must keep a key for, or it cannot be left.
    fn required(self) -> &'static [Action] {
        match self {
            Self::Prompt | Self::Chooser | Self::Form => &[Action::Submit, Action::Cancel],
            Self::Composer => &[Action::Send, Action::Cancel],
            _ => &[],
        }
    }
}

const EMBEDDED: &[(&str, &str)] = &[
    ("default", include_str!("../../keymaps/default.toml")),
    ("vim", include_str!("../../keymaps/vim.toml")),
];

pub fn embedded_names() -> impl Iterator<Item = &'static str> {
    EMBEDDED.iter().map(|(n, _)| *n)
}

#[derive(Debug, Clone, Default)]
pub struct Keymap {
    pub name: String,
    layers: HashMap<Layer, HashMap<Key, Action>>,
}

impl Keymap {
    /// The action for a key in a layer, falling back to the global layer.
    pub fn lookup(&self, layer: Layer, key: Key) -> Option<Action> {
        self.layers
            .get(&layer)
            .and_then(|m| m.get(&key))
            .or_else(|| self.layers.get(&Layer::Global).and_then(|m| m.get(&key)))
            .copied()
    }

    /// The action for a key in this layer alone (text fields and the
    /// chooser: the global layer's keys are typed there, not obeyed).
    pub fn lookup_only(&self, layer: Layer, key: Key) -> Option<Action> {
        self.layers.get(&layer).and_then(|m| m.get(&key)).copied()
    }

    /// The first key bound to an action in a layer (or globally), as a
    /// hint; the action's name when it has none.
    pub fn hint(&self, layer: Layer, action: Action) -> String {
        self.keys_for(layer, action)
            .first()
            .map_or_else(|| action.name().to_string(), ToString::to_string)
    }

    /// Keys bound to an action in a layer (or globally), for hints.
    pub fn keys_for(&self, layer: Layer, action: Action) -> Vec<Key> {
        let mut out: Vec<Key> = [layer, Layer::Global]
            .iter()
            .filter_map(|l| self.layers.get(l))
            .flat_map(|m| m.iter().filter(|(_, a)| **a == action).map(|(k, _)| *k))
            .collect();
        out.sort_by_key(|k| (k.to_string().chars().count(), k.to_string()));
        out.dedup();
        out
    }

    /// Every binding of a layer, sorted by action, for the help overlay.
    pub fn bindings(&self, layer: Layer) -> Vec<(Action, Vec<Key>)> {
        let mut by_action: BTreeMap<Action, Vec<Key>> = BTreeMap::new();
        if let Some(m) = self.layers.get(&layer) {
            for (k, a) in m {
                by_action.entry(*a).or_default().push(*k);
            }
        }
        by_action
            .into_iter()
            .map(|(a, mut keys)| {
                keys.sort_by_key(|k| (k.to_string().chars().count(), k.to_string()));
                (a, keys)
            })
            .collect()
    }

    /// The keymap of a read-only console: no binding for any action that
    /// would change something (the executor refuses them too).
    pub fn read_only(mut self) -> Self {
        for m in self.layers.values_mut() {
            m.retain(|_, a| !a.mutating());
        }
        self
    }

    pub fn builtin(name: &str) -> Option<Self> {
        load(name, None).ok()
    }
}

type RawKeymap = BTreeMap<String, BTreeMap<String, String>>;

struct KeymapFile {
    path: PathBuf,
    src: String,
}

fn files_for(name: &str, config_dir: Option<&Path>) -> Result<Vec<KeymapFile>, Diagnostic> {
    let read = |path: PathBuf| {
        crate::config::files::read_located(&path).map(|src| KeymapFile {
            path: path.clone(),
            src,
        })
    };
    if name.contains('/')
        || Path::new(name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
    {
        // A keymap given by path is merged over the default keymap, so it
        // only needs the keys it changes.
        let mut out = vec![embedded("default")];
        out.push(read(PathBuf::from(name))?);
        return Ok(out);
    }
    let mut out = Vec::new();
    if EMBEDDED.iter().any(|(n, _)| *n == name) {
        out.push(embedded(name));
    }
    if let Some(dir) = config_dir {
        let path = dir.join("keymaps").join(format!("{name}.toml"));
        if path.is_file() {
            if out.is_empty() {
                out.push(embedded("default"));
            }
            out.push(read(path)?);
        }
    }
    if out.is_empty() {
        let names: Vec<&str> = embedded_names().collect();
        return Err(Diagnostic::file(
            PathBuf::from(name),
            format!(
                "no keymap named `{name}`; shipped keymaps: {}",
                names.join(", ")
            ),
        ));
    }
    Ok(out)
}

fn embedded(name: &str) -> KeymapFile {
    let src = EMBEDDED
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, s)| *s);
    KeymapFile {
        path: PathBuf::from(format!("<embedded>/keymaps/{name}.toml")),
        src: src.to_string(),
    }
}

/// Loads a keymap by name or path. Unknown layers, keys or action names and
/// a key bound twice in one layer are errors with file, line and key.
pub fn load(name: &str, config_dir: Option<&Path>) -> Result<Keymap, Diagnostics> {
    let files = files_for(name, config_dir).map_err(|d| Diagnostics(vec![d]))?;
    let mut errors = Vec::new();
    let mut layers: HashMap<Layer, HashMap<Key, Action>> = HashMap::new();
    for file in &files {
        let raw: RawKeymap = match crate::diag::from_toml(&file.path, &file.src) {
            Ok(r) => r,
            Err(d) => {
                errors.push(d);
                continue;
            }
        };
        let loc = Located {
            file: &file.path,
            src: &file.src,
        };
        // Per file: which spelling bound each key, to report duplicates.
        let mut seen: HashMap<(Layer, Key), String> = HashMap::new();
        for (layer_name, bindings) in &raw {
            let Some(layer) = Layer::ALL.iter().copied().find(|l| l.name() == layer_name) else {
                let known: Vec<&str> = Layer::ALL.iter().map(|l| l.name()).collect();
                errors.push(loc.at(
                    &[Seg::Key(layer_name.clone())],
                    format!("unknown layer `{layer_name}`; layers: {}", known.join(", ")),
                ));
                continue;
            };
            let map = layers.entry(layer).or_default();
            for (key_text, action_name) in bindings {
                let path = [Seg::Key(layer_name.clone()), Seg::Key(key_text.clone())];
                let key = match key::parse(key_text) {
                    Ok(k) => k,
                    Err(e) => {
                        errors.push(loc.at(&path, e));
                        continue;
                    }
                };
                if let Some(first) = seen.insert((layer, key), key_text.clone()) {
                    errors.push(loc.at(
                        &path,
                        format!("key `{key}` is bound twice in [{layer_name}] (also as `{first}`)"),
                    ));
                    continue;
                }
                if action_name == "none" {
                    map.remove(&key);
                    continue;
                }
                match Action::from_name(action_name) {
                    Some(a) => {
                        map.insert(key, a);
                    }
                    None => errors.push(loc.at(&path, format!("unknown action `{action_name}`; the actions are listed in docs/src/reference/actions.md"))),
                }
            }
        }
    }
    if let Some(last) = files.last() {
        errors.extend(field_conflicts(&layers, last));
    }
    if errors.is_empty() {
        Ok(Keymap {
            name: name.to_string(),
            layers,
        })
    } else {
        Err(Diagnostics(errors))
    }
}

/// Conflicts in the layers of text fields, once every file is merged: a
/// plain character bound there could not be typed, and a field without a
/// key to submit or leave it would trap the operator. Located in the last
/// file (the user's) where the key is, else at the layer.
fn field_conflicts(
    layers: &HashMap<Layer, HashMap<Key, Action>>,
    file: &KeymapFile,
) -> Vec<Diagnostic> {
    let loc = Located {
        file: &file.path,
        src: &file.src,
    };
    let mut out = Vec::new();
    for layer in Layer::ALL.iter().copied() {
        let map = layers.get(&layer);
        if layer.is_text() {
            let mut typed: Vec<(String, Action)> = map
                .into_iter()
                .flatten()
                .filter(|(k, _)| k.is_typed())
                .map(|(k, a)| (k.to_string(), *a))
                .collect();
            typed.sort();
            for (key, action) in typed {
                out.push(loc.at(
                    &[Seg::Key(layer.name().into()), Seg::Key(key.clone())],
                    format!(
                        "key `{key}` is bound to `{}` in [{}], so it could no longer be typed there; use a key with ctrl or alt, or a named key",
                        action.name(),
                        layer.name()
                    ),
                ));
            }
        }
        for need in layer.required() {
            if !map.is_some_and(|m| m.values().any(|a| a == need)) {
                out.push(loc.at(
                    &[Seg::Key(layer.name().into())],
                    format!(
                        "no key left for `{}` in [{}]: {} could not be left",
                        need.name(),
                        layer.name(),
                        layer.describe()
                    ),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, src: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("baton-keymap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp");
        let p = dir.join(name);
        std::fs::write(&p, src).expect("write");
        p
    }

    #[test]
    fn shipped_keymaps_load_and_reach_every_flow() {
        for name in embedded_names() {
            let k = load(name, None).unwrap_or_else(|e| panic!("keymap {name}: {e}"));
            for a in [
                Action::Quit,
                Action::Help,
                Action::Filter,
                Action::NextPane,
                Action::Open,
                Action::Close,
                Action::Down,
                Action::Up,
                Action::Zoom,
                Action::Sort,
                Action::Acknowledge,
                Action::Sources,
                Action::Silence,
                Action::Failover,
                Action::Wizard,
                Action::Copy,
            ] {
                let layer = if a == Action::Close {
                    Layer::Overlay
                } else {
                    Layer::Dashboard
                };
                assert!(
                    !k.keys_for(layer, a).is_empty(),
                    "keymap {name} has no key for {}",
                    a.name()
                );
            }
            // Every flow of the wizard is reachable in every shipped keymap.
            for a in [
                Action::Confirm,
                Action::Override,
                Action::VerifyOk,
                Action::VerifyFailed,
                Action::Abort,
                Action::CloseIncident,
                Action::NextIncident,
                Action::Timeline,
                Action::Report,
                Action::Close,
                Action::Copy,
            ] {
                assert!(
                    !k.keys_for(Layer::Wizard, a).is_empty(),
                    "keymap {name} has no wizard key for {}",
                    a.name()
                );
            }
        }
    }

    #[test]
    fn unknown_action_and_duplicate_key_are_located() {
        let p = write(
            "bad.toml",
            "[dashboard]\n\"x\" = \"explode\"\n\"ctrl-c\" = \"quit\"\n\"C-c\" = \"help\"\n[weird]\n\"a\" = \"quit\"\n",
        );
        let errs = load(p.to_str().expect("utf8"), None).expect_err("bad").0;
        let got: Vec<(usize, &str)> = errs.iter().map(|e| (e.line, e.key.as_str())).collect();
        assert!(got.contains(&(2, "dashboard.x")), "{errs:?}");
        assert!(
            errs.iter().any(|e| e.message.contains("bound twice")),
            "{errs:?}"
        );
        assert!(got.contains(&(5, "weird")), "{errs:?}");
    }

    #[test]
    fn text_fields_keep_their_keys_typeable_and_a_way_out() {
        let p = write(
            "fields.toml",
            "[prompt]\n\"q\" = \"cancel\"\n\"enter\" = \"none\"\n[composer]\n\"ctrl-s\" = \"none\"\n\"alt-s\" = \"send\"\n",
        );
        let errs = load(p.to_str().expect("utf8"), None)
            .expect_err("conflicts")
            .0;
        assert!(
            errs.iter().any(|e| e.key == "prompt.q"
                && e.line == 2
                && e.message.contains("could no longer be typed")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.key == "prompt" && e.message.contains("no key left for `submit`")),
            "{errs:?}"
        );
        // Sending moved to alt-s: no conflict in [composer].
        assert!(
            !errs.iter().any(|e| e.key.starts_with("composer")),
            "{errs:?}"
        );
        let p = write("fields-ok.toml", "[prompt]\n\"ctrl-j\" = \"submit\"\n");
        let k = load(p.to_str().expect("utf8"), None).expect("loads");
        assert_eq!(
            k.lookup_only(Layer::Prompt, parse_key("ctrl-j").expect("key")),
            Some(Action::Submit)
        );
        // The global layer does not reach into text fields: `?` is typed.
        assert_eq!(
            k.lookup_only(Layer::Prompt, parse_key("?").expect("key")),
            None
        );
    }

    #[test]
    fn user_file_merges_over_default() {
        let p = write(
            "mine.toml",
            "[dashboard]\n\"x\" = \"zoom\"\n\"z\" = \"none\"\n",
        );
        let k = load(p.to_str().expect("utf8"), None).expect("loads");
        assert_eq!(
            k.lookup(Layer::Dashboard, parse_key("x").expect("key")),
            Some(Action::Zoom)
        );
        assert_eq!(
            k.lookup(Layer::Dashboard, parse_key("z").expect("key")),
            None
        );
        assert_eq!(
            k.lookup(Layer::Dashboard, parse_key("q").expect("key")),
            Some(Action::Quit)
        );
    }
}
