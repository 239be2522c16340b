//! Durations written in config files as `"500ms"`, `"10s"`, `"5m"`.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// The longest duration any key accepts. A real deadline, horizon or
/// interval is far shorter; a longer one is a typo that would otherwise
/// overflow the clock arithmetic downstream.
pub const MAX: Duration = Duration::from_hours(366 * 24);

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

/// Parses `"500ms"`, `"10s"`, `"1m30s"`, at most [`MAX`]; the error text
/// is shown to users.
pub fn parse(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text.trim()).map_err(|e| {
        format!("invalid duration \"{text}\" ({e}); write it like \"500ms\", \"10s\" or \"5m\"")
    })?;
    if d > MAX {
        return Err(format!(
            "duration \"{text}\" is longer than the limit of 366 days"
        ));
    }
    Ok(d)
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).map(Dur).map_err(serde::de::Error::custom)
    }
}

/// For `#[serde(default, deserialize_with = "...")]` on keys where zero
/// means nothing (deadlines, waits, timeouts, probe intervals): `"0s"` is
/// refused where it is written, with its file, line and key.
pub fn nonzero<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Dur>, D::Error> {
    let v = Dur::deserialize(d)?;
    if v.0.is_zero() {
        return Err(serde::de::Error::custom(
            "must be longer than zero (\"0s\" means nothing here)",
        ));
    }
    Ok(Some(v))
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

    #[test]
    fn durations_beyond_a_year_are_refused_with_the_limit() {
        assert_eq!(
            parse("99999999999h"),
            Err("duration \"99999999999h\" is longer than the limit of 366 days".into())
        );
        assert!(parse("292277026597y").is_err());
        assert_eq!(parse("366d"), Ok(MAX), "the limit itself is allowed");
        assert_eq!(parse("1w"), Ok(Duration::from_hours(7 * 24)));
    }
}
