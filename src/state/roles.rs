//! What instances say about themselves, applied to their pair: byte lag
//! (the primary's word preferred), split brain, and roles that follow a
//! promotion.

use chrono::{DateTime, Utc};

use super::pair::{Instance, Pair};

impl Pair {
    /// A byte lag that cannot be true is refused as a time lag is.
    /// `by_primary`: measured on the primary (preferred while fresh).
    pub fn record_lag_bytes(&mut self, bytes: Option<f64>, at: DateTime<Utc>, by_primary: bool) {
        if bytes.is_none() {
            return;
        }
        let primary_fresh = self
            .lag_bytes_by_primary_at
            .is_some_and(|t| (at - t).to_std().unwrap_or_default() <= self.stale_after);
        if !by_primary && primary_fresh {
            return;
        }
        self.lag_bytes_at = Some(at);
        if by_primary {
            self.lag_bytes_by_primary_at = Some(at);
        }
        match bytes {
            Some(b) if !(b.is_finite() && b >= 0.0) => {
                self.lag_bytes = None;
                self.lag_invalid = Some(format!(
                    "the source sent a replication lag of {b} bytes, which cannot be: not used"
                ));
            }
            Some(b) => self.lag_bytes = Some(b),
            None => {}
        }
    }

    /// Both instances say they take writes: two primaries (split brain).
    pub fn two_writable(&self) -> bool {
        self.primary.writable == Some(true)
            && !self.primary.down
            && self
                .standby
                .as_ref()
                .is_some_and(|s| s.writable == Some(true) && !s.down)
    }

    /// The standby's own source says it is the primary while the primary's
    /// says it is not (or the primary is down): the roles have swapped,
    /// as after a promotion, a Sentinel failover or a Patroni switchover.
    pub fn follow_reported_roles(&mut self) {
        let says_primary = |i: &Instance| {
            i.role
                .as_deref()
                .is_some_and(crate::sources::report::role_is_primary)
        };
        let Some(sb) = &self.standby else { return };
        let primary_gave_up = self.primary.down
            || self
                .primary
                .role
                .as_deref()
                .is_some_and(|r| !crate::sources::report::role_is_primary(r));
        if says_primary(sb)
            && !sb.down
            && sb.writable != Some(false)
            && primary_gave_up
            && let Some(sb) = self.standby.take()
        {
            let old = std::mem::replace(&mut self.primary, sb);
            self.standby = Some(old);
        }
    }
}
