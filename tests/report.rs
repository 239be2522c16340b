//! `baton report`: journals produced by the engine (fixed clock) turned
//! into the Markdown a post-mortem takes as is, and damaged journals.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use baton::demo::fixture;
use baton::wizard::decide;
use baton::wizard::incident::{Event, Incident, Operator};
use chrono::Duration;
use common::temp;

/// A whole seed 000 failover on the demo fleet, journaled with fixed times.
fn journal(dir: &Path, override_standby: bool) -> PathBuf {
    let scenario = if override_standby {
        "standby-degraded"
    } else {
        "primary-crash"
    };
    let pair = if override_standby {
        "acct-1007"
    } else {
        "acct-1003"
    };
    let model = fixture::model(48, scenario, 30);
    let rb = Arc::new(
        baton::config::runbooks::load_shipped(&model.config)
            .0
            .remove(0),
    );
    let op = Operator {
        user: "alice".into(),
        host: "bastion-1".into(),
        ssh_client: Some("10.1.2.3".into()),
    };
    let mut t = model.now;
    let mut inc = Incident::new(
        "INC-20270115T120431Z-test",
        rb,
        Some(pair.into()),
        op,
        false,
        t,
    );
    let write = |inc: &mut Incident, at, events: Vec<Event>| {
        let entries: Vec<_> = events.into_iter().map(|e| inc.entry(at, e)).collect();
        baton::effects::journal::append(dir, &entries).expect("journal");
        for e in &entries {
            inc.apply(e);
        }
    };
    write(
        &mut inc,
        t,
        vec![Event::Started {
            title: "Pair failover (seed 000)".into(),
            drill: false,
            primary: None,
            standby: None,
            region: None,
            provider: None,
            window: None,
        }],
    );
    t += Duration::seconds(12);
    let ev = decide::confirm(&inc, &model, t, "").expect("primary failing");
    write(&mut inc, t, ev);
    t += Duration::seconds(20);
    let ev = match decide::confirm(&inc, &model, t, "") {
        Ok(ev) => ev,
        Err(_) => {
            decide::override_step(&inc, &model, t, "Commander approved: primary is down hard")
                .expect("override")
        }
    };
    write(&mut inc, t, ev);
    t += Duration::seconds(30);
    let ev = decide::confirm(&inc, &model, t, "gw crashed, ticket OPS-7").expect("input");
    write(&mut inc, t, ev);
    t += Duration::seconds(15);
    write(
        &mut inc,
        t,
        vec![Event::ActionIntent {
            command: format!("POST http://127.0.0.1:18080/api/pairs/{pair}/failover"),
            cutover: false,
            lag_bytes: None,
            lag: Some(0.8),
            settle: None,
        }],
    );
    t += Duration::milliseconds(1500);
    write(
        &mut inc,
        t,
        vec![Event::ActionResult {
            ok: true,
            status: "HTTP 200".into(),
            output: "ok".into(),
            millis: 1500,
        }],
    );
    write(
        &mut inc,
        t,
        vec![Event::StepDone {
            outcome: "succeeded".into(),
        }],
    );
    t += Duration::seconds(95);
    write(
        &mut inc,
        t,
        vec![
            Event::WaitDone {
                how: "condition held: primary.status = \"ACTIVE\"".into(),
            },
            Event::StepDone {
                outcome: "waited".into(),
            },
        ],
    );
    // The notify step: due 60 s after the post phase began; the first
    // send fails, the retry goes out late.
    let post_began = t;
    let text = format!(
        "{{\"type\": \"failover_complete\", \"failed_instance\": \"gw-{}-a\", \"new_primary\": \"gw-{}-b\", \"duration_ms\": 182000}}",
        &pair[5..],
        &pair[5..]
    );
    t += Duration::seconds(70);
    write(
        &mut inc,
        t,
        vec![Event::NotifyFailed {
            channel: "commander".into(),
            target: "webhook http://127.0.0.1:9/…".into(),
            text: text.clone(),
            error: "HTTP 500: try later".into(),
        }],
    );
    t += Duration::seconds(5);
    write(
        &mut inc,
        t,
        vec![
            Event::Notified {
                channel: "commander".into(),
                target: "webhook http://127.0.0.1:9/…".into(),
                text,
                response: "HTTP 200: {\"received\": 1}".into(),
                sent: t,
                millis: 12,
                due: Some(post_began + Duration::seconds(60)),
                late: true,
            },
            Event::StepDone {
                outcome: "sent late".into(),
            },
        ],
    );
    t += Duration::seconds(40);
    write(
        &mut inc,
        t,
        vec![
            Event::CheckConfirmed,
            Event::StepDone {
                outcome: "confirmed".into(),
            },
            Event::Closed,
        ],
    );
    baton::effects::journal::path_of(dir, &inc.id)
}

fn report(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_baton"))
        .arg("report")
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("cfg"))
        .env_remove("BATON_CONFIG")
        .output()
        .expect("run baton report")
}

#[test]
fn a_completed_failover_reads_as_a_post_mortem_timeline() {
    let dir = temp("report");
    let path = journal(&dir, false);
    let out = report(&dir, &[path.to_str().expect("utf8")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(md.contains("| Outcome | completed |"), "{md}");
    assert!(
        md.contains("| Recovery time | 1m 19s (target 5m 00s, met) — `promote` succeeded |"),
        "{md}"
    );
    assert!(
        md.contains(
            "| Data-loss window | replication lag 0.8s when the cutover started (RPO 1m 00s, met) |"
        ),
        "{md}"
    );
    assert!(
        md.contains("missed by"),
        "the 95 s wait and 75 s notify overran their targets: {md}"
    );
    assert!(
        md.contains("| notify-commander | commander (webhook http://127.0.0.1:9/…) | 12:08:39Z | **LATE** by 15s (due 12:08:24Z) | HTTP 200: {\"received\": 1} |"),
        "the late send, with its deadline: {md}"
    );
    assert!(
        md.contains("| notify-commander | commander (webhook http://127.0.0.1:9/…) | 12:08:34Z | not sent | HTTP 500: try later |"),
        "the failed send: {md}"
    );
    assert!(
        md.contains("\"type\": \"failover_complete\""),
        "the exact text sent: {md}"
    );
    insta::assert_snapshot!(md);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn overrides_are_reported_and_json_is_available() {
    let dir = temp("report-override");
    let path = journal(&dir, true);
    let out_file = dir.join("report.json");
    let out = report(
        &dir,
        &[
            path.to_str().expect("utf8"),
            "--format",
            "json",
            "-o",
            out_file.to_str().expect("utf8"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_file).expect("written")).expect("json");
    assert_eq!(v["overrides"].as_array().map(Vec::len), Some(1), "{v}");
    assert!(
        v["overrides"][0]
            .as_str()
            .unwrap_or_default()
            .contains("Commander approved"),
        "{v}"
    );
    assert_eq!(v["steps"].as_array().map(Vec::len), Some(7));
    assert_eq!(v["notifications"].as_array().map(Vec::len), Some(2), "{v}");
    assert_eq!(v["notifications"][1]["late"], true, "{v}");
    let md =
        String::from_utf8_lossy(&report(&dir, &[path.to_str().expect("utf8")]).stdout).into_owned();
    assert!(md.contains("**overridden**: Commander approved: primary is down hard (values: standby.down = false, standby.health_score = 55"), "{md}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_damaged_journal_still_gives_a_report_that_says_so() {
    let dir = temp("report-damaged");
    let path = journal(&dir, false);
    let text = std::fs::read_to_string(&path).expect("journal");
    let mut lines: Vec<&str> = text.lines().collect();
    // The process was killed mid-write: the last line is half there; and
    // someone's editor left a stray line in the middle.
    let last = lines.pop().expect("lines");
    let torn = &last[..last.len() / 2];
    lines.insert(3, "{not json");
    std::fs::write(&path, format!("{}\n{torn}", lines.join("\n"))).expect("damage");
    let out = report(&dir, &[path.to_str().expect("utf8")]);
    assert!(out.status.success());
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("**The journal is damaged**"), "{md}");
    assert!(md.contains("line 4 is not a whole journal entry"), "{md}");
    let last_line = lines.len() + 1;
    assert!(
        md.contains(&format!("line {last_line} is not a whole journal entry")),
        "{md}"
    );
    assert!(md.contains("no target is judged"), "{md}");
    assert!(
        !md.contains(", met)"),
        "no verdict on a damaged journal: {md}"
    );
    assert!(
        md.contains("| Outcome | still open (no close in the journal) |"),
        "{md}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("warning: line 4 is not a whole journal entry")
    );
    let empty = dir.join("empty.jsonl");
    std::fs::write(&empty, "garbage\n").expect("write");
    let out = report(&dir, &[empty.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds no journal entry"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_reversed_journal_is_read_in_time_order_and_flagged() {
    let dir = temp("report-reversed");
    let path = journal(&dir, false);
    let text = std::fs::read_to_string(&path).expect("journal");
    let reversed: Vec<&str> = text.lines().rev().collect();
    std::fs::write(&path, reversed.join("\n") + "\n").expect("reverse");
    let md =
        String::from_utf8_lossy(&report(&dir, &[path.to_str().expect("utf8")]).stdout).into_owned();
    assert!(md.contains("out of time order"), "{md}");
    assert!(
        md.contains("| Recovery time | 1m 19s (target 5m 00s; not judged: the journal is damaged)"),
        "the real recovery time, not 0s, and no verdict: {md}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_intent_without_a_result_is_outcome_unknown_and_no_rpo_is_judged() {
    let dir = temp("report-unknown");
    let path = journal(&dir, false);
    let text = std::fs::read_to_string(&path).expect("journal");
    // The session ended while the promote ran: nothing after its intent.
    let kept: Vec<&str> = text
        .lines()
        .take_while(|l| !l.contains("\"action_result\""))
        .collect();
    assert!(kept.last().is_some_and(|l| l.contains("\"action_intent\"")));
    std::fs::write(&path, kept.join("\n") + "\n").expect("cut");
    let md =
        String::from_utf8_lossy(&report(&dir, &[path.to_str().expect("utf8")]).stdout).into_owned();
    assert!(md.contains("OUTCOME UNKNOWN"), "{md}");
    assert!(md.contains("| Recovery time | not reached |"), "{md}");
    assert!(
        md.contains("not judged: the cutover did not succeed"),
        "no RPO verdict beside an unreached recovery: {md}"
    );
    assert!(!md.contains("RPO 1m 00s, met"), "{md}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_impossible_lag_in_the_journal_is_no_rpo_met() {
    let dir = temp("report-neglag");
    let path = journal(&dir, false);
    let text = std::fs::read_to_string(&path).expect("journal");
    let bent: Vec<String> = text
        .lines()
        .map(|l| {
            if l.contains("\"action_intent\"") {
                let mut v: serde_json::Value = serde_json::from_str(l).expect("json");
                v["details"]["lag"] = serde_json::json!(-5.0);
                v.to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(&path, bent.join("\n") + "\n").expect("write");
    let md =
        String::from_utf8_lossy(&report(&dir, &[path.to_str().expect("utf8")]).stdout).into_owned();
    assert!(md.contains("not a possible lag"), "{md}");
    assert!(!md.contains("RPO 1m 00s, met"), "{md}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_entry_written_twice_is_flagged() {
    let dir = temp("report-dup");
    let path = journal(&dir, false);
    let text = std::fs::read_to_string(&path).expect("journal");
    let lines: Vec<&str> = text.lines().collect();
    let mut doubled = lines.clone();
    doubled.insert(3, lines[2]);
    std::fs::write(&path, doubled.join("\n") + "\n").expect("write");
    let md =
        String::from_utf8_lossy(&report(&dir, &[path.to_str().expect("utf8")]).stdout).into_owned();
    assert!(md.contains("1 entries appear twice"), "{md}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_reader_that_goes_away_ends_the_report_quietly() {
    // `baton report … | head -1`: the pipe closes before baton writes.
    let dir = temp("report-pipe");
    let path = journal(&dir, false);
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["report", path.to_str().expect("utf8")])
        .current_dir(&dir)
        .env("HOME", &dir)
        .env("XDG_CONFIG_HOME", dir.join("cfg"))
        .env_remove("BATON_CONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.status.success(), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
