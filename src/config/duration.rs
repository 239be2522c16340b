//! Durations written in config files as `"500ms"`, `"10s"`, `"5m"`.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// A duration read from a human string; a bare number is refused so that
/// `timeout = 5` cannot silently mean five seconds or five milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Dur(pub Duration);

impl Dur {
    pub const fn secs(s: u64) -> Self {
        Self(Duration::from_secs(s))
    }

    pub const fn millis(ms: u64) -> Self {
        Self(Duration::from_millis(ms))
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0.as_secs_f64()
    }
}

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", humantime::format_duration(self.0))
    }
}

/// Parses `"500ms"`, `"10s"`, `"1m30s"`; the error text is shown to users.
pub fn parse(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim()).map_err(|e| {
        format!("invalid duration \"{text}\" ({e}); write it like \"500ms\", \"10s\" or \"5m\"")
    })
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).map(Dur).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spec_forms() {
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse("5m"), Ok(Duration::from_mins(5)));
        assert!(parse("ten").expect_err("must fail").contains("\"10s\""));
    }
}
