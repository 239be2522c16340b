//! Clock arithmetic that never panics. A time plus a duration saturates at
//! the last instant chrono can represent instead of overflowing: a wild
//! value in a runbook or a journal must not crash the console (and, since
//! incidents resume, crash it again on every start).

use std::time::Duration;

use chrono::{DateTime, Utc};

/// `t + d`, or the far future when that is not representable.
pub fn after(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| t.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `t - d`, or the far past when that is not representable.
pub fn before(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| t.checked_sub_signed(d))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_saturates_instead_of_panicking() {
        let t = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        assert_eq!(after(t, Duration::from_mins(1)).timestamp(), 1_800_000_060);
        assert_eq!(after(t, Duration::MAX), DateTime::<Utc>::MAX_UTC);
        let near_end = DateTime::<Utc>::MAX_UTC - chrono::Duration::hours(1);
        assert_eq!(
            after(near_end, Duration::from_hours(2)),
            DateTime::<Utc>::MAX_UTC
        );
    }
}
