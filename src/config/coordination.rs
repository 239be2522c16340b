//! `[coordination]`: how consoles share locks, the journal and approvals.
//! `local` (the default) is flock files and the journal folder of one
//! host; `etcd` puts them on an etcd cluster so consoles on several hosts
//! coordinate.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::Dur;
use crate::diag::{Diagnostic, Located, Seg};

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    #[default]
    Local,
    Etcd,
}

/// Which steps wait for a second operator (besides `approve = true`).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Approval {
    #[default]
    None,
    /// Every destructive step.
    Destructive,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Coordination {
    pub kind: Kind,
    /// etcd client URLs; a member that fails is skipped for the next.
    pub endpoints: Vec<String>,
    /// Every key baton writes is under it.
    pub prefix: String,
    /// A console that stops renewing loses its locks after this.
    pub lease: Dur,
    /// Each request to etcd, and how long an action's intent may take to
    /// be committed before the action is refused.
    pub timeout: Dur,
    /// `env:NAME` or `file:PATH`: never shown, logged or journaled.
    pub username: Option<String>,
    pub password: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub approval: Approval,
}

impl Default for Coordination {
    fn default() -> Self {
        Self {
            kind: Kind::Local,
            endpoints: Vec::new(),
            prefix: "/baton".into(),
            lease: Dur::secs(10),
            timeout: Dur::secs(2),
            username: None,
            password: None,
            ca_file: None,
            approval: Approval::None,
        }
    }
}

impl Coordination {
    pub fn prefix(&self) -> String {
        self.prefix.trim_end_matches('/').to_string()
    }
}

pub fn validate(c: &Coordination, loc: &Located<'_>) -> Vec<Diagnostic> {
    let at = |k: &str| vec![Seg::Key("coordination".into()), Seg::Key(k.into())];
    let mut out = Vec::new();
    if c.kind == Kind::Local {
        return out;
    }
    if c.endpoints.is_empty() {
        out.push(loc.at(&at("kind"), "kind = \"etcd\" needs `endpoints`"));
    }
    for (i, e) in c.endpoints.iter().enumerate() {
        let ok = reqwest::Url::parse(e)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        if !ok {
            out.push(loc.at(
                &[
                    Seg::Key("coordination".into()),
                    Seg::Key("endpoints".into()),
                    Seg::Index(i),
                ],
                format!("`{e}` is not an http:// or https:// URL of an etcd member"),
            ));
        }
    }
    if !c.prefix.starts_with('/') || c.prefix.trim_end_matches('/').is_empty() {
        out.push(loc.at(
            &at("prefix"),
            format!(
                "`{}`: a prefix starts with / and names something (\"/baton/prod-eu\")",
                c.prefix
            ),
        ));
    }
    if !(Duration::from_secs(2)..=Duration::from_mins(5)).contains(&c.lease.0) {
        out.push(loc.at(&at("lease"), "must be between 2s and 5m"));
    }
    if !(Duration::from_millis(100)..=Duration::from_secs(30)).contains(&c.timeout.0) {
        out.push(loc.at(&at("timeout"), "must be between 100ms and 30s"));
    }
    for (k, v) in [("username", &c.username), ("password", &c.password)] {
        if let Some(v) = v
            && !(v.starts_with("env:") || v.starts_with("file:"))
        {
            out.push(loc.at(
                &at(k),
                "a secret is written `env:NAME` or `file:PATH`, never in the config",
            ));
        }
    }
    if c.username.is_some() != c.password.is_some() {
        out.push(loc.at(&at("username"), "username and password go together"));
    }
    out
}
