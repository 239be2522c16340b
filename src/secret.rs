//! Secrets written in config and runbooks as a reference, never as the
//! value: `env:NAME` (an environment variable) or `file:PATH` (a file
//! holding it, as Docker and Kubernetes mount secrets). The reference is
//! what is shown and journaled; the value is read only when sending.

use std::ffi::OsString;

/// The longest secret file read.
const MAX_FILE: u64 = 64 * 1024;

/// Whether a value is a reference to a secret rather than the text itself.
pub fn is_reference(v: &str) -> bool {
    v.starts_with("env:") || v.starts_with("file:")
}

/// The value a reference names (or `v` itself when it is not one).
pub fn resolve(v: &str, key: &str) -> Result<String, String> {
    resolve_with(v, key, |name| std::env::var_os(name))
}

/// `resolve` over any environment: tests cannot set variables in-process.
/// An empty or unset variable is refused by name, so the operator does not
/// read a URL parser's "relative URL without a base" for an unset secret.
pub fn resolve_with(
    v: &str,
    key: &str,
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<String, String> {
    if let Some(path) = v.strip_prefix("file:") {
        return from_file(path, key);
    }
    let Some(var) = v.strip_prefix("env:") else {
        return Ok(v.to_string());
    };
    match env(var) {
        None => Err(format!("{key}: environment variable {var} is not set")),
        Some(x) if x.is_empty() => Err(format!("{key}: environment variable {var} is empty")),
        Some(x) => x
            .into_string()
            .map_err(|_| format!("{key}: environment variable {var} is not UTF-8")),
    }
}

/// A secret file, read as every user file is (a bounded regular file, not
/// under `/proc`, `/sys` or `/dev`), its trailing newline dropped (editors
/// add one; no secret ends with it).
fn from_file(path: &str, key: &str) -> Result<String, String> {
    let path = match std::path::Path::new(path).strip_prefix("~") {
        Ok(rest) => crate::config::home().join(rest),
        Err(_) => std::path::PathBuf::from(path),
    };
    let bytes = crate::config::files::read_bytes(&path, MAX_FILE)
        .map_err(|e| format!("{key}: secret file {}: {e}", path.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("{key}: secret file {} is not UTF-8", path.display()))?;
    let text = text.strip_suffix('\n').unwrap_or(&text);
    let text = text.strip_suffix('\r').unwrap_or(text);
    if text.is_empty() {
        return Err(format!("{key}: secret file {} is empty", path.display()));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve_and_fail_by_name_never_by_value() {
        let dir = std::env::temp_dir().join(format!("baton-secret-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let f = dir.join("key");
        std::fs::write(&f, "s3cret\n").unwrap_or_else(|e| panic!("{e}"));
        let file = format!("file:{}", f.display());
        assert_eq!(resolve(&file, "k").as_deref(), Ok("s3cret"));
        assert_eq!(resolve("plain", "k").as_deref(), Ok("plain"));
        let env = |n: &str| (n == "SET").then(|| OsString::from("v"));
        assert_eq!(resolve_with("env:SET", "k", env).as_deref(), Ok("v"));
        assert_eq!(
            resolve_with("env:UNSET", "header X", env),
            Err("header X: environment variable UNSET is not set".into())
        );
        let missing = resolve("file:/nonexistent/baton-key", "k")
            .err()
            .unwrap_or_default();
        assert!(missing.contains("/nonexistent/baton-key"), "{missing}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
