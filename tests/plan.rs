//! `baton plan` against a live fleet: every gate judged now, the exact
//! request rendered, the exit code a script can rely on, and nothing
//! done (no failover, no message, no journal).

mod common;

use std::process::{Command, Output};

use common::temp;

fn baton(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("cfg"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("USER", "alice")
        .env_remove("BATON_CONFIG")
        .env_remove("NO_COLOR")
        .output()
        .expect("run baton")
}

async fn plan(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let (dir, args): (std::path::PathBuf, Vec<String>) = (
        dir.to_path_buf(),
        args.iter().map(ToString::to_string).collect(),
    );
    let out = tokio::task::spawn_blocking(move || {
        let mut all = vec!["plan".to_string()];
        all.extend(args);
        all.extend(["--wait".to_string(), "10s".to_string()]);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        baton(&dir, &refs)
    })
    .await
    .expect("join");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_judges_every_gate_now_renders_the_request_and_does_nothing() {
    let sim = baton::demo::Sim::new(4, "calm", 0x5eed_ba70);
    let fleet = baton::demo::serve_sim(sim, false).await.expect("serve");
    let addr = fleet.addr;
    let d = temp("plan");
    std::fs::write(
        d.join("baton.toml"),
        format!(
            "[console]\ntitle = \"t\"\njournal_dir = \"{}/journal\"\n\n\
             [[region]]\nid = \"eu-west-1\"\nprovider = \"aws\"\n\
             [[region]]\nid = \"eu-central-1\"\nprovider = \"hetzner\"\n\
             [[region]]\nid = \"us-east-1\"\nprovider = \"aws\"\n\n\
             [[source]]\nname = \"fleet\"\nkind = \"fleet\"\nurl = \"http://{addr}/api/pairs\"\n\
             interval = \"300ms\"\ntimeout = \"250ms\"\nfailure_threshold = 1\n\n\
             [notify.commander]\nkind = \"webhook\"\nurl = \"http://{addr}/api/notify\"\n",
            d.display()
        ),
    )
    .expect("config");

    // A healthy pair: the first gate does not hold, so the plan says so
    // and a script sees exit 1.
    let (code, out, err) = plan(&d, &["pair-failover", "acct-1000"]).await;
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("[BLOCKS] gate verify-pair"), "{out}");
    assert!(out.contains("=> blocked now at: verify-pair"), "{out}");

    // The primary down: every gate holds, the promote request is shown
    // exactly, and the message as it would be sent.
    fleet.sim.lock().expect("sim").take_down("gw-1000-a");
    let (code, out, err) = plan(&d, &["pair-failover", "acct-1000"]).await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("[HOLDS] gate verify-pair"), "{out}");
    assert!(out.contains("[HOLDS] gate standby-ready"), "{out}");
    assert!(
        out.contains(&format!("POST http://{addr}/api/pairs/acct-1000/failover")),
        "{out}"
    );
    assert!(out.contains("typed confirmation: acct-1000"), "{out}");
    assert!(out.contains("standby_up: holds"), "{out}");
    assert!(out.contains("commander (webhook http://"), "{out}");
    assert!(out.contains("=> no gate blocks now"), "{out}");

    // The same as JSON for a change ticket, and as Markdown.
    let (code, json, err) = plan(&d, &["pair-failover", "acct-1000", "--format", "json"]).await;
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["runbook"], "pair-failover");
    assert_eq!(v["phases"][0]["steps"][0]["id"], "verify-pair");
    assert_eq!(v["phases"][0]["steps"][0]["verdict"], "holds");
    let (code, md, _) = plan(&d, &["pair-failover", "acct-1000", "--format", "markdown"]).await;
    assert_eq!(code, Some(0));
    assert!(md.starts_with("# Plan: "), "{md}");
    assert!(md.contains("HOLDS `verify-pair`"), "{md}");

    // The standby down too: the second gate blocks.
    fleet.sim.lock().expect("sim").take_down("gw-1000-b");
    let (code, out, _) = plan(&d, &["pair-failover", "acct-1000"]).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("[BLOCKS] gate standby-ready"), "{out}");

    // A target the runbook cannot apply to is named.
    let (code, _, err) = plan(&d, &["pair-failover", "acct-9999"]).await;
    assert_eq!(code, Some(2));
    assert!(err.contains("no pair `acct-9999`"), "{err}");

    // A region runbook plans its area: the outage gate reads the region's
    // counts (one instance down is no outage).
    let (code, out, err) = plan(&d, &["bulk-failover-region", "eu-west-1"]).await;
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("on eu-west-1 (aws)"), "{out}");
    assert!(out.contains("[BLOCKS] gate outage-criteria"), "{out}");
    assert!(out.contains("area.unreachable = 1"), "{out}");

    // Nothing was done: no failover, no message, no journal.
    let sim = fleet.sim.lock().expect("sim");
    assert!(sim.messages.is_empty(), "{:?}", sim.messages);
    let pair = sim
        .report()
        .into_iter()
        .find(|p| p.id == "acct-1000")
        .expect("pair");
    assert_eq!(pair.primary.id, "gw-1000-a");
    assert!(!d.join("journal").exists());
}
