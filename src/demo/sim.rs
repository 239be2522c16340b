//! The simulated fleet of `baton demo`: deterministic (seeded), advanced
//! one step per second, with scripted scenarios unfolding over the first
//! minute so the panes visibly change.

use crate::sources::report::{InstanceReport, PairReport};

/// Regions of the demo: three regions over two providers.
pub const REGIONS: [(&str, &str); 3] = [
    ("eu-west-1", "aws"),
    ("eu-central-1", "hetzner"),
    ("us-east-1", "aws"),
];

pub const SCENARIOS: &[(&str, &str)] = &[
    (
        "mixed",
        "a bit of everything, staggered over the first minute (default)",
    ),
    ("primary-crash", "a primary degrades, then crashes"),
    (
        "standby-degraded",
        "a standby drops below standby_min, then its primary crashes",
    ),
    (
        "lag-spike",
        "replication lag of one pair climbs past lag_warn and lag_abort",
    ),
    (
        "provider-outage",
        "aws instances in eu-west-1 become unreachable one by one",
    ),
    ("flapping", "a primary goes down and up repeatedly"),
    ("calm", "nothing happens: a healthy fleet"),
    (
        "steady",
        "a healthy fleet where about 1 % of the pairs change each second (the scale benchmarks' load)",
    ),
];

#[derive(Debug, Clone)]
struct SimInstance {
    id: String,
    region: usize,
    score: f64,
    down: bool,
}

/// `a` starts as the primary, `b` as the standby; scripts act on the
/// instances (a crashed machine stays crashed after a failover), roles
/// only decide which one is reported as primary.
#[derive(Debug, Clone)]
struct SimPair {
    id: String,
    a: SimInstance,
    b: SimInstance,
    a_is_primary: bool,
    lag: f64,
    /// A new standby replaced the failed instance: the script leaves it be.
    reprovisioned: bool,
}

impl SimPair {
    fn primary(&self) -> &SimInstance {
        if self.a_is_primary { &self.a } else { &self.b }
    }

    fn standby(&self) -> &SimInstance {
        if self.a_is_primary { &self.b } else { &self.a }
    }
}

#[derive(Debug, Clone)]
pub struct Sim {
    pairs: Vec<SimPair>,
    scenario: String,
    rng: u64,
    /// Seconds since the demo started.
    pub t: u64,
    /// Notifications the demo's Commander webhook received.
    pub messages: Vec<serde_json::Value>,
    /// DNS records: name → (previous answer, answer, second it changed).
    dns: std::collections::BTreeMap<String, (String, String, u64)>,
    /// Automatic failover tooling paused by a runbook.
    pub automation_paused: bool,
    /// The fleet body as last served, pair by pair.
    wire: super::wire::Wire,
    /// Silences of the demo's Alertmanager: id, exact matchers, end.
    pub silences: Vec<(
        String,
        std::collections::BTreeMap<String, String>,
        chrono::DateTime<chrono::Utc>,
    )>,
}

/// The resolvers the demo's DNS answers for, slowest last.
pub const RESOLVERS: [&str; 3] = ["1.1.1.1", "8.8.8.8", "9.9.9.9"];

impl Sim {
    pub fn new(n: usize, scenario: &str, seed: u64) -> Self {
        let mut sim = Self {
            pairs: Vec::with_capacity(n),
            scenario: scenario.to_string(),
            messages: Vec::new(),
            dns: std::collections::BTreeMap::new(),
            automation_paused: false,
            wire: super::wire::Wire::default(),
            silences: Vec::new(),
            rng: seed | 1,
            t: 0,
        };
        for i in 0..n {
            let num = 1000 + i;
            let region = i % REGIONS.len();
            let p_score = 82.0 + sim.rand() * 16.0;
            let s_score = 78.0 + sim.rand() * 18.0;
            let lag = 0.2 + sim.rand() * 2.5;
            sim.pairs.push(SimPair {
                id: format!("acct-{num}"),
                a: SimInstance {
                    id: format!("gw-{num}-a"),
                    region,
                    score: p_score,
                    down: false,
                },
                // The standby lives in the next region, on another provider
                // where the layout allows.
                b: SimInstance {
                    id: format!("gw-{num}-b"),
                    region: (region + 1) % REGIONS.len(),
                    score: s_score,
                    down: false,
                },
                a_is_primary: true,
                lag,
                reprovisioned: false,
            });
        }
        sim
    }

    /// xorshift: deterministic noise without a dependency.
    fn rand(&mut self) -> f64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng % 10_000) as f64 / 10_000.0
    }

    /// Advances one second: noise on every pair, then the scenario script.
    pub fn step(&mut self) {
        self.t += 1;
        if self.scenario == "steady" {
            // A hundredth of the fleet, a different one each second.
            let n = self.pairs.len();
            for _ in 0..n.div_ceil(100) {
                let i = (self.rand() * n as f64) as usize % n.max(1);
                self.noise(i);
            }
            return;
        }
        // Up to 1 000 pairs every pair moves each second; past that, 1 000
        // of them or a hundredth, whichever is more: a fleet of 100 000
        // where every pair changes every second is not one anybody runs.
        let n = self.pairs.len();
        if n <= NOISE_ALL_UP_TO {
            for i in 0..n {
                self.noise(i);
            }
        } else {
            for _ in 0..n.div_ceil(100).max(NOISE_ALL_UP_TO) {
                let i = (self.rand() * n as f64) as usize % n;
                self.noise(i);
            }
        }
        self.script();
    }

    fn noise(&mut self, i: usize) {
        let (a, b, c) = (self.rand(), self.rand(), self.rand());
        let p = &mut self.pairs[i];
        if !p.a.down && p.a.score >= 60.0 {
            p.a.score = (p.a.score + (a - 0.5) * 3.0).clamp(75.0, 99.0);
        }
        if !p.b.down && p.b.score >= 60.0 {
            p.b.score = (p.b.score + (b - 0.5) * 3.0).clamp(72.0, 99.0);
        }
        p.lag = (p.lag + (c - 0.5) * 0.6).clamp(0.1, 4.0);
    }

    fn script(&mut self) {
        let t = self.t;
        let mixed = self.scenario == "mixed";
        match self.scenario.as_str() {
            "primary-crash" => self.crash(3, t, 8),
            "standby-degraded" => {
                self.degrade_standby(7, t, 5);
                self.crash(7, t, 15);
            }
            "lag-spike" => self.lag_spike(11, t, 5),
            "provider-outage" => self.outage(t, 6),
            "flapping" => self.flap(5, t),
            _ if mixed => {
                self.crash(3, t, 10);
                self.lag_spike(11, t, 15);
                self.degrade_standby(7, t, 25);
                self.flap(5, t);
            }
            _ => {}
        }
    }

    fn pair(&mut self, i: usize) -> Option<&mut SimPair> {
        let n = self.pairs.len();
        if n == 0 {
            None
        } else {
            self.pairs.get_mut(i % n).filter(|p| !p.reprovisioned)
        }
    }

    /// Degrades at `start`, crashes 7 s later.
    fn crash(&mut self, i: usize, t: u64, start: u64) {
        let Some(p) = self.pair(i) else { return };
        if t >= start && t < start + 7 {
            p.a.score = 35.0;
        } else if t >= start + 7 {
            p.a.down = true;
            p.a.score = 0.0;
        }
    }

    fn degrade_standby(&mut self, i: usize, t: u64, start: u64) {
        let Some(p) = self.pair(i) else { return };
        if t >= start {
            p.b.score = 55.0;
        }
    }

    /// Lag climbs 2 s per second from `start`, to 90 s.
    fn lag_spike(&mut self, i: usize, t: u64, start: u64) {
        let Some(p) = self.pair(i) else { return };
        if t >= start {
            p.lag = ((t - start) as f64 * 2.0 + 2.0).min(90.0);
        }
    }

    /// One more aws instance of eu-west-1 unreachable every 4 s, up to 10.
    fn outage(&mut self, t: u64, start: u64) {
        if t < start {
            return;
        }
        let count = ((t - start) / 4 + 1).min(10) as usize;
        let victims = self
            .pairs
            .iter_mut()
            .filter(|p| !p.reprovisioned)
            .flat_map(|p| [&mut p.a, &mut p.b])
            .filter(|i| i.region == 0)
            .take(count);
        for v in victims {
            v.down = true;
            v.score = 0.0;
        }
    }

    /// Down 4 s, up 6 s, repeating.
    fn flap(&mut self, i: usize, t: u64) {
        let Some(p) = self.pair(i) else { return };
        let down = t >= 6 && (t - 6) % 10 < 4;
        p.a.down = down;
        p.a.score = if down { 0.0 } else { 88.0 };
    }

    /// Swaps roles: what a promote does on the simulated fleet.
    pub fn failover(&mut self, pair: &str) -> Result<(), String> {
        let Some(p) = self.pairs.iter_mut().find(|p| p.id == pair) else {
            return Err(format!("no pair {pair}"));
        };
        if p.standby().down {
            return Err(format!("standby {} is down", p.standby().id));
        }
        p.a_is_primary = !p.a_is_primary;
        p.lag = 0.0;
        Ok(())
    }

    /// Takes an instance down now (tests, and the demo's what-ifs).
    pub fn take_down(&mut self, instance: &str) {
        for p in &mut self.pairs {
            for i in [&mut p.a, &mut p.b] {
                if i.id == instance {
                    i.down = true;
                    i.score = 0.0;
                }
            }
        }
    }

    /// Fails over every pair whose primary is in `region` and whose
    /// standby is up: the control plane's regional failover.
    pub fn failover_region(&mut self, region: &str) -> Option<usize> {
        let r = REGIONS.iter().position(|(id, _)| *id == region)?;
        let mut n = 0;
        for p in &mut self.pairs {
            if p.primary().region == r && !p.standby().down {
                p.a_is_primary = !p.a_is_primary;
                p.lag = 0.0;
                n += 1;
            }
        }
        Some(n)
    }

    /// Replaces a failed standby with a new healthy instance (`-c`, `-d`…).
    pub fn reprovision(&mut self, pair: &str) -> Option<String> {
        let p = self.pairs.iter_mut().find(|p| p.id == pair)?;
        p.reprovisioned = true;
        // The next letter after both members' (a, b → c; then d …).
        let last =
            p.a.id
                .chars()
                .last()
                .max(p.b.id.chars().last())
                .unwrap_or('b');
        let standby = if p.a_is_primary { &mut p.b } else { &mut p.a };
        standby.id.pop();
        standby
            .id
            .push(char::from_u32(u32::from(last) + 1).unwrap_or('x'));
        standby.down = false;
        standby.score = 86.0;
        p.lag = 0.4;
        Some(standby.id.clone())
    }

    /// The demo's Alertmanager alerts: one `InstanceDown` per instance
    /// that is down, silenced when an active silence matches its labels.
    pub fn alerts(&self, now: chrono::DateTime<chrono::Utc>) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        for p in &self.pairs {
            for (i, role) in [(p.primary(), "primary"), (p.standby(), "standby")] {
                if !i.down {
                    continue;
                }
                let (region, provider) = REGIONS[i.region];
                let labels: std::collections::BTreeMap<String, String> = [
                    ("alertname", "InstanceDown"),
                    ("instance", i.id.as_str()),
                    ("pair", p.id.as_str()),
                    ("role", role),
                    ("region", region),
                    ("provider", provider),
                    (
                        "severity",
                        if role == "primary" {
                            "critical"
                        } else {
                            "warning"
                        },
                    ),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
                let silenced_by: Vec<&String> = self
                    .silences
                    .iter()
                    .filter(|(_, m, ends)| {
                        *ends > now && m.iter().all(|(k, v)| labels.get(k) == Some(v))
                    })
                    .map(|(id, _, _)| id)
                    .collect();
                out.push(serde_json::json!({
                    "fingerprint": i.id,
                    "labels": labels,
                    "annotations": { "summary": format!("{} ({role} of {}) is unreachable", i.id, p.id) },
                    "startsAt": (now - chrono::Duration::seconds(30)).to_rfc3339(),
                    "status": {
                        "state": if silenced_by.is_empty() { "active" } else { "suppressed" },
                        "silencedBy": silenced_by,
                        "inhibitedBy": [],
                    },
                }));
            }
        }
        out
    }

    /// What `resolver` answers for `name` now (`primary` until changed).
    pub fn dns_answer(&self, name: &str, resolver: &str) -> String {
        let Some((old, new, at)) = self.dns.get(name) else {
            return "primary".into();
        };
        let k = RESOLVERS.iter().position(|r| *r == resolver).unwrap_or(1) as u64;
        if self.t >= at + 2 * (k + 1) {
            new.clone()
        } else {
            old.clone()
        }
    }

    pub fn dns_set(&mut self, name: &str, answer: &str) {
        let old = self.dns_answer(name, RESOLVERS[2]);
        self.dns
            .insert(name.to_string(), (old, answer.to_string(), self.t));
    }

    /// The fleet in the default shape of the spec.
    pub fn report(&self) -> Vec<PairReport> {
        self.pairs.iter().map(report).collect()
    }

    /// The fleet body, `{"pairs": […]}`, as `report` gives it; only the
    /// pairs that changed since the last call are serialised again.
    pub fn fleet_body(&mut self) -> Vec<u8> {
        let pairs = self.pairs.iter().map(|p| {
            let key = super::wire::fingerprint((
                p.id.as_str(),
                member_key(&p.a),
                member_key(&p.b),
                p.a_is_primary,
                (p.lag * 10.0).round() as i64,
            ));
            (key, move || report(p))
        });
        self.wire.body(pairs)
    }

    /// One instance's health body, as a per-instance endpoint would serve it.
    /// Whether the services of a pair answer: its current primary is up.
    pub fn serves(&self, pair: &str) -> Option<bool> {
        let p = self.pairs.iter().find(|p| p.id == pair)?;
        Some(!p.primary().down)
    }

    pub fn instance(&self, id: &str) -> Option<InstanceReport> {
        self.pairs.iter().find_map(|p| {
            if p.primary().id == id {
                Some(instance(p.primary(), "PRIMARY", None))
            } else if p.standby().id == id {
                Some(instance(p.standby(), "STANDBY", Some(p.lag)))
            } else {
                None
            }
        })
    }
}

/// What an instance's part of the fleet body is made from.
fn member_key(i: &SimInstance) -> (&str, usize, i64, bool) {
    (i.id.as_str(), i.region, i.score.round() as i64, i.down)
}

/// Every pair's noise moves each second up to this many pairs.
const NOISE_ALL_UP_TO: usize = 1000;

fn report(p: &SimPair) -> PairReport {
    PairReport {
        id: p.id.clone(),
        primary: instance(p.primary(), "PRIMARY", None),
        standby: Some(instance(p.standby(), "STANDBY", Some(p.lag))),
        replication_lag_seconds: Some((p.lag * 10.0).round() / 10.0),
        replication_lag_bytes: None,
    }
}

fn instance(i: &SimInstance, role: &str, lag: Option<f64>) -> InstanceReport {
    let (region, provider) = REGIONS[i.region];
    InstanceReport {
        id: i.id.clone(),
        role: Some(role.into()),
        status: Some(
            if i.down {
                "DOWN"
            } else if role == "PRIMARY" {
                "ACTIVE"
            } else {
                "STANDBY"
            }
            .into(),
        ),
        health_score: Some(i.score.round()),
        region: Some(region.into()),
        provider: Some(provider.into()),
        replication_lag_seconds: lag.map(|l| (l * 10.0).round() / 10.0),
        ..InstanceReport::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crash_scenario_takes_a_primary_down() {
        let mut s = Sim::new(40, "primary-crash", 7);
        for _ in 0..20 {
            s.step();
        }
        let r = s.report();
        assert_eq!(r[3].primary.status.as_deref(), Some("DOWN"));
        assert_eq!(r[4].primary.status.as_deref(), Some("ACTIVE"));
    }

    #[test]
    fn outage_hits_more_than_five_in_one_region() {
        let mut s = Sim::new(40, "provider-outage", 7);
        for _ in 0..40 {
            s.step();
        }
        let down = s
            .report()
            .iter()
            .flat_map(|p| [Some(&p.primary), p.standby.as_ref()])
            .flatten()
            .filter(|i| i.is_down() && i.region.as_deref() == Some("eu-west-1"))
            .count();
        assert!(down > 5, "{down}");
    }

    #[test]
    fn failover_swaps_roles() {
        let mut s = Sim::new(3, "calm", 7);
        assert_eq!(s.failover("acct-1001"), Ok(()));
        assert_eq!(s.report()[1].primary.id, "gw-1001-b");
    }

    #[test]
    fn the_served_body_is_the_report_whatever_changed() {
        let mut s = Sim::new(40, "mixed", 3);
        for t in 0..40 {
            s.step();
            match t {
                12 => assert_eq!(s.failover("acct-1005"), Ok(())),
                20 => assert!(s.reprovision("acct-1003").is_some()),
                25 => s.take_down("gw-1009-b"),
                _ => {}
            }
            let served: serde_json::Value =
                serde_json::from_slice(&s.fleet_body()).expect("the body is JSON");
            let want = serde_json::to_value(serde_json::json!({ "pairs": s.report() }))
                .expect("the report is JSON");
            assert_eq!(served, want, "second {t}");
        }
    }
}
