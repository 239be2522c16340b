//! Text from outside (a program's output, a control plane's answer, a
//! journal) made safe to print on a terminal. The console draws through
//! ratatui, which drops control characters; every other output path (the
//! report, `check`, error messages) goes through here, so an OSC 52
//! clipboard write, a title change or a screen clear is shown, not run.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `s` with every control character except `\n` and `\t` written out as
/// `\x1b`, `\x9b`, … (C0, DEL and C1); a `\r` before a `\n` is dropped.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            continue;
        }
        if needs_escape(c) {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// JSON text with the control characters serde_json leaves raw (DEL and
/// C1; it escapes C0 itself) written as `\u007f`, `\u009b`: still valid
/// JSON with the same strings, and safe on a terminal.
pub fn escape_json_controls(json: &str) -> Cow<'_, str> {
    if !json.chars().any(needs_escape) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if needs_escape(c) && c != '\r' {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_sequences_are_shown_not_run() {
        let hostile =
            "ok\x1b]52;c;cm0gLXJmIH4=\x07 \x1b]0;pwned\x07\x1b[2J\u{9b}31m\r\ndone\tend\n";
        assert_eq!(
            escape_controls(hostile),
            "ok\\x1b]52;c;cm0gLXJmIH4=\\x07 \\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\ndone\tend\n"
        );
        assert!(matches!(escape_controls("plain\ttext\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_stays_valid_and_keeps_its_strings() {
        let v = serde_json::json!({"output": "a\u{9b}2J\u{7f}\x1b[0m"});
        let text = serde_json::to_string(&v).expect("json");
        let safe = escape_json_controls(&text);
        assert!(!safe.chars().any(char::is_control), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back, v);
    }
}

/// A byte count as an operator reads it: `312 B`, `48.0 KiB`, `1.5 MiB`.
pub fn bytes(b: f64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if b < 1024.0 {
        return format!("{b:.0} B");
    }
    let mut v = b / 1024.0;
    let mut unit = UNITS[0];
    for u in &UNITS[1..] {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

#[cfg(test)]
mod bytes_tests {
    #[test]
    fn byte_counts_read_as_units() {
        assert_eq!(super::bytes(312.0), "312 B");
        assert_eq!(super::bytes(49_152.0), "48.0 KiB");
        assert_eq!(super::bytes(1_572_864.0), "1.5 MiB");
    }
}
