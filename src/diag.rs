//! Diagnostics for user files: every error names the file, line, column and
//! key, so `baton check` and start-up errors point at what to fix.

use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

/// One problem found in one user file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    /// Dotted key path such as `source[1].timeout`; empty for syntax errors
    /// that are not inside a key.
    pub key: String,
    pub message: String,
}

impl Diagnostic {
    /// A problem with a whole file (cannot read it, no such name), where
    /// there is no line to point at.
    pub fn file(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            line: 0,
            column: 0,
            key: String::new(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Line 0: a problem with the whole file (or a name that is no file),
        // where `:0:0` would point at nothing.
        if self.line == 0 {
            write!(f, "{}: ", self.file.display())?;
        } else {
            write!(f, "{}:{}:{}: ", self.file.display(), self.line, self.column)?;
        }
        if !self.key.is_empty() {
            write!(f, "key `{}`: ", self.key)?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// A list of diagnostics, displayed one per line.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Renders a key path the way users write it: `source[1].timeout`.
pub fn path_text(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

/// A parsed TOML source kept for locating keys after deserialisation.
pub struct Located<'a> {
    pub file: &'a Path,
    pub src: &'a str,
}

impl Located<'_> {
    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.src.len());
        let before = &self.src[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    /// A diagnostic at the deepest existing part of `path`.
    pub fn at(&self, path: &[Seg], message: impl Into<String>) -> Diagnostic {
        let offset = self.offset_of(path).unwrap_or(0);
        let (line, column) = self.line_col(offset);
        Diagnostic {
            file: self.file.to_path_buf(),
            line,
            column,
            key: path_text(path),
            message: message.into(),
        }
    }

    /// A diagnostic at a byte offset, for parser errors that carry a span.
    pub fn at_offset(&self, offset: usize, key: String, message: impl Into<String>) -> Diagnostic {
        let (line, column) = self.line_col(offset);
        Diagnostic {
            file: self.file.to_path_buf(),
            line,
            column,
            key,
            message: message.into(),
        }
    }

    /// Byte offset of the deepest key of `path` present in the document.
    fn offset_of(&self, path: &[Seg]) -> Option<usize> {
        let doc = DeTable::parse(self.src).ok()?;
        let mut best = None;
        let mut table: Option<&DeTable> = Some(doc.get_ref());
        let mut value: Option<&DeValue> = None;
        for seg in path {
            match seg {
                Seg::Key(k) => {
                    let t = match (table, value) {
                        (Some(t), _) => t,
                        (None, Some(DeValue::Table(t))) => t,
                        _ => break,
                    };
                    let Some((key, v)) = t.iter().find(|(key, _)| key.get_ref() == k) else {
                        break;
                    };
                    best = Some(key.span().start);
                    table = None;
                    value = Some(v.get_ref());
                }
                Seg::Index(i) => {
                    let Some(DeValue::Array(items)) = value else {
                        break;
                    };
                    let Some(item) = items.get(*i) else { break };
                    best = Some(item.span().start);
                    table = None;
                    value = Some(item.get_ref());
                }
            }
        }
        best
    }
}

/// Converts a serde path (from `serde_path_to_error`) into our segments.
pub fn serde_path(path: &serde_path_to_error::Path) -> Vec<Seg> {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|s| match s {
            Segment::Map { key } => Some(Seg::Key(key.clone())),
            Segment::Seq { index } => Some(Seg::Index(*index)),
            Segment::Enum { variant } => Some(Seg::Key(variant.clone())),
            Segment::Unknown => None,
        })
        .collect()
}

/// Deserialises a whole TOML file, turning any error into a located
/// diagnostic (file, line, column, key).
pub fn from_toml<T: serde::de::DeserializeOwned>(file: &Path, src: &str) -> Result<T, Diagnostic> {
    let loc = Located { file, src };
    let de = toml::de::Deserializer::parse(src).map_err(|e| toml_error(&loc, &e, &[]))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = serde_path(e.path());
        toml_error(&loc, e.inner(), &path)
    })
}

fn toml_error(loc: &Located<'_>, e: &toml::de::Error, path: &[Seg]) -> Diagnostic {
    let message = e.message().trim().to_string();
    match e.span() {
        // The parser says only "duplicate key": name it, and where it is.
        Some(span) if path.is_empty() && message.starts_with("duplicate key") => {
            let name = loc.src.get(span.clone()).unwrap_or_default().trim();
            let name = name.trim_matches(|c| c == '"' || c == '\'');
            let key = key_path_at(loc.src, span.start, name);
            loc.at_offset(
                span.start,
                key.clone(),
                format!("duplicate key `{key}`: it is already set above in this file"),
            )
        }
        Some(span) => loc.at_offset(span.start, path_text(path), message),
        None => loc.at(path, message),
    }
}

/// The dotted path (`source[1].name`) of key `name` written at byte
/// `offset`, from the table headers above it. A parse error comes without
/// a path, so the headers are read back from the text.
fn key_path_at(src: &str, offset: usize, name: &str) -> String {
    let before = src.get(..offset).unwrap_or(src);
    let (done, last) = match before.rfind('\n') {
        Some(i) => (&before[..=i], &before[i + 1..]),
        None => ("", before),
    };
    // How many times each array of tables was opened under its current
    // parent, and the index of the one open now.
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut indices: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut current: Vec<String> = Vec::new();
    for line in done.lines() {
        let t = line.trim();
        let (inner, array) = if let Some(x) = t.strip_prefix("[[") {
            (x.split("]]").next().unwrap_or_default(), true)
        } else if let Some(x) = t.strip_prefix('[') {
            (x.split(']').next().unwrap_or_default(), false)
        } else {
            continue;
        };
        let parts: Vec<String> = inner
            .split('.')
            .map(|p| p.trim().trim_matches('"').to_string())
            .collect();
        if array {
            let whole = parts.join(".");
            let n = counts.entry(whole.clone()).or_insert(0);
            indices.insert(whole.clone(), *n);
            *n += 1;
            // A new parent element starts its children's count afresh.
            let prefix = format!("{whole}.");
            counts.retain(|k, _| !k.starts_with(&prefix));
        }
        current = parts;
    }
    // `[a]` twice: the duplicate is the header itself.
    if last.trim_start().starts_with('[') {
        current.clear();
    }
    let mut out = String::new();
    for (i, part) in current.iter().enumerate() {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(part);
        if let Some(n) = indices.get(&current[..=i].join(".")) {
            let _ = write!(out, "[{n}]");
        }
    }
    match (out.is_empty(), name.is_empty()) {
        (_, true) => out,
        (true, false) => name.to_string(),
        (false, false) => format!("{out}.{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_nested_keys_in_arrays_of_tables() {
        let src = "[a]\nx = 1\n\n[[s]]\nname = \"one\"\n\n[[s]]\nname = \"two\"\nurl = \"u\"\n";
        let loc = Located {
            file: Path::new("f.toml"),
            src,
        };
        let d = loc.at(
            &[Seg::Key("s".into()), Seg::Index(1), Seg::Key("url".into())],
            "bad",
        );
        assert_eq!((d.line, d.key.as_str()), (9, "s[1].url"));
        assert_eq!(d.to_string(), "f.toml:9:1: key `s[1].url`: bad");
    }
}
