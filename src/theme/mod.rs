//! Themes by meaning: each UI role (ok, warn, critical, stale, selection,
//! borders, timers…) gets a style. Shipped themes are embedded; a file of
//! the same name in the config folder's `themes/` overrides one, role by role.

pub mod depth;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::diag::{Diagnostic, Diagnostics, Located, Seg};

macro_rules! roles {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        /// A meaning in the UI that a theme gives a style to.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Role { $(#[doc = $doc] $variant),* }

        impl Role {
            pub const ALL: &'static [Role] = &[$(Role::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Role::$variant => $name),* }
            }

            pub fn describe(self) -> &'static str {
                match self { $(Role::$variant => $doc),* }
            }
        }
    };
}

roles! {
    Text => "text", "ordinary text";
    Muted => "muted", "secondary text, hints, units";
    Title => "title", "pane titles and the title bar";
    Border => "border", "pane borders";
    BorderFocus => "border_focus", "border of the focused pane";
    Header => "header", "table headers";
    Selection => "selection", "the selected row";
    Ok => "ok", "healthy state";
    Warn => "warn", "at risk, warnings";
    Critical => "critical", "critical state, failing sources";
    Stale => "stale", "data older than its staleness bound";
    Info => "info", "informational marks";
    Timer => "timer", "clocks and countdowns";
    Key => "key", "key names in hints and help";
    Banner => "banner", "banners such as a provider outage";
    Operator => "operator", "the OPERATOR mode badge";
    Watch => "watch", "the WATCH mode badge";
    Demo => "demo", "the DEMO mode badge";
    Drill => "drill", "the DRILL mode badge";
}

const EMBEDDED: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("monochrome", include_str!("../../themes/monochrome.toml")),
];

pub fn embedded_names() -> impl Iterator<Item = &'static str> {
    EMBEDDED.iter().map(|(n, _)| *n)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    styles: Vec<Style>,
}

impl Theme {
    pub fn style(&self, role: Role) -> Style {
        let i = Role::ALL.iter().position(|r| *r == role).unwrap_or(0);
        self.styles.get(i).copied().unwrap_or_default()
    }

    /// The same theme with every colour brought down to what the terminal
    /// can show.
    pub fn for_depth(mut self, d: depth::Depth) -> Self {
        for s in &mut self.styles {
            *s = depth::degrade_style(*s, d);
        }
        self
    }

    /// No styles at all; the fallback when a theme cannot be had.
    pub fn plain() -> Self {
        Self {
            name: "plain".into(),
            styles: vec![Style::default(); Role::ALL.len()],
        }
    }

    /// The shipped theme of that name, without user overrides.
    pub fn builtin(name: &str) -> Option<Self> {
        load(name, None).ok()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    roles: BTreeMap<String, RawStyle>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct RawStyle {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    reversed: bool,
}

/// One source text of a theme: embedded or a user file.
struct ThemeFile {
    path: PathBuf,
    src: String,
}

fn files_for(name: &str, config_dir: Option<&Path>) -> Result<Vec<ThemeFile>, Diagnostic> {
    let mut out = Vec::new();
    let is_path = name.contains('/')
        || Path::new(name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    if is_path {
        let path = PathBuf::from(name);
        let src = crate::config::files::read_located(&path)?;
        out.push(ThemeFile { path, src });
        return Ok(out);
    }
    if let Some((_, src)) = EMBEDDED.iter().find(|(n, _)| *n == name) {
        out.push(ThemeFile {
            path: PathBuf::from(format!("<embedded>/themes/{name}.toml")),
            src: (*src).to_string(),
        });
    }
    if let Some(dir) = config_dir {
        let path = dir.join("themes").join(format!("{name}.toml"));
        if path.is_file() {
            let src = crate::config::files::read_located(&path)?;
            out.push(ThemeFile { path, src });
        }
    }
    if out.is_empty() {
        let names: Vec<&str> = embedded_names().collect();
        return Err(Diagnostic::file(
            PathBuf::from(name),
            format!(
                "no theme named `{name}`; shipped themes: {}",
                names.join(", ")
            ),
        ));
    }
    Ok(out)
}

/// Loads a theme by name or path, resolving `parent` and user overrides.
/// Every problem is reported with file, line and key.
pub fn load(name: &str, config_dir: Option<&Path>) -> Result<Theme, Diagnostics> {
    let mut styles = vec![Style::default(); Role::ALL.len()];
    let mut errors = Vec::new();
    resolve(name, config_dir, &mut styles, &mut errors, 0);
    if errors.is_empty() {
        Ok(Theme {
            name: name.to_string(),
            styles,
        })
    } else {
        Err(Diagnostics(errors))
    }
}

fn resolve(
    name: &str,
    dir: Option<&Path>,
    styles: &mut [Style],
    errors: &mut Vec<Diagnostic>,
    depth: usize,
) {
    if depth > 8 {
        errors.push(Diagnostic {
            file: PathBuf::from(name),
            line: 0,
            column: 0,
            key: "parent".into(),
            message: "theme parents form a cycle".into(),
        });
        return;
    }
    let files = match files_for(name, dir) {
        Ok(f) => f,
        Err(d) => return errors.push(d),
    };
    for (i, file) in files.iter().enumerate() {
        let raw: RawTheme = match crate::diag::from_toml(&file.path, &file.src) {
            Ok(r) => r,
            Err(d) => {
                errors.push(d);
                continue;
            }
        };
        // Only the first file of a name may name a parent; an override
        // naming one too re-bases the theme, which is what the user asked.
        if let Some(parent) = &raw.parent {
            if parent == name {
                errors.push(
                    Located {
                        file: &file.path,
                        src: &file.src,
                    }
                    .at(
                        &[Seg::Key("parent".into())],
                        "a theme cannot be its own parent",
                    ),
                );
            } else {
                resolve(parent, dir, styles, errors, depth + 1);
            }
        } else if i == 0
            && depth == 0
            && name != "default"
            && name != "monochrome"
            && !EMBEDDED.iter().any(|(n, _)| *n == name)
        {
            // A user theme without parent starts from the default theme.
            resolve("default", None, styles, errors, depth + 1);
        }
        let loc = Located {
            file: &file.path,
            src: &file.src,
        };
        for (role_name, raw_style) in &raw.roles {
            let path = [Seg::Key("roles".into()), Seg::Key(role_name.clone())];
            let Some(pos) = Role::ALL.iter().position(|r| r.name() == role_name) else {
                let known: Vec<&str> = Role::ALL.iter().map(|r| r.name()).collect();
                errors.push(loc.at(
                    &path,
                    format!(
                        "unknown colour role `{role_name}`; roles: {}",
                        known.join(", ")
                    ),
                ));
                continue;
            };
            match to_style(raw_style) {
                Ok(s) => styles[pos] = s,
                Err(e) => errors.push(loc.at(&path, e)),
            }
        }
    }
}

fn to_style(r: &RawStyle) -> Result<Style, String> {
    let mut s = Style::default();
    if let Some(fg) = &r.fg {
        s = s.fg(color(fg)?);
    }
    if let Some(bg) = &r.bg {
        s = s.bg(color(bg)?);
    }
    let flags = [
        (r.bold, Modifier::BOLD),
        (r.dim, Modifier::DIM),
        (r.italic, Modifier::ITALIC),
        (r.underline, Modifier::UNDERLINED),
        (r.reversed, Modifier::REVERSED),
    ];
    for (on, m) in flags {
        if on {
            s = s.add_modifier(m);
        }
    }
    Ok(s)
}

pub fn color(text: &str) -> Result<Color, String> {
    Color::from_str(text).map_err(|_| {
        format!("invalid colour \"{text}\"; use a name (red, lightblue, darkgray…), \"#rrggbb\" or an index 0–255")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_theme_loads_and_styles_every_state() {
        for name in embedded_names() {
            let t = load(name, None).unwrap_or_else(|e| panic!("theme {name}: {e}"));
            for role in [Role::Warn, Role::Critical, Role::Stale, Role::Selection] {
                assert_ne!(
                    t.style(role),
                    Style::default(),
                    "theme {name} leaves {} unstyled",
                    role.name()
                );
            }
            assert_ne!(t.style(Role::Ok), t.style(Role::Critical), "theme {name}");
            assert_ne!(t.style(Role::Warn), t.style(Role::Critical), "theme {name}");
        }
    }

    #[test]
    fn monochrome_uses_no_colour() {
        let t = load("monochrome", None).expect("loads");
        for role in Role::ALL {
            let s = t.style(*role);
            assert!(
                s.fg.is_none() && s.bg.is_none(),
                "{} has a colour",
                role.name()
            );
        }
    }

    #[test]
    fn unknown_role_and_bad_colour_are_located() {
        let dir = std::env::temp_dir().join(format!("baton-theme-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp");
        let path = dir.join("bad.toml");
        std::fs::write(&path, "parent = \"default\"\n[roles]\nok = { fg = \"green\" }\ncritcal = { fg = \"red\" }\nwarn = { fg = \"orangeish\" }\n").expect("write");
        let errs = load(path.to_str().expect("utf8"), None)
            .expect_err("bad theme")
            .0;
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!((errs[0].line, errs[0].key.as_str()), (4, "roles.critcal"));
        assert!(errs[0].message.contains("unknown colour role"));
        assert_eq!((errs[1].line, errs[1].key.as_str()), (5, "roles.warn"));
    }
}
