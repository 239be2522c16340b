//! Notifications against a receiver started here on 127.0.0.1: the exact
//! body and headers of each channel, a 500 that keeps the text for a
//! retry, a command's stdin, a file, secrets kept out of what is shown,
//! the editor driven by keys through to the journal, and watch mode.

mod common;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use baton::config::NotifyCfg;
use baton::effects::notify::{Send, send};
use common::{Harness, serve, temp};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What the receiver got: headers and body of each POST.
type Got = Arc<Mutex<Vec<(HeaderMap, String)>>>;

/// A receiver answering `status` to every POST on any path.
async fn receiver(status: StatusCode) -> (String, Got) {
    let got: Got = Arc::default();
    let app = Router::new()
        .route(
            "/{*path}",
            post(
                move |State(g): State<Got>, h: HeaderMap, body: String| async move {
                    g.lock().expect("lock").push((h, body));
                    (status, "{\"status\":\"success\",\"dedup_key\":\"x\"}")
                },
            ),
        )
        .with_state(Arc::clone(&got));
    let addr = serve(app).await;
    (format!("http://{addr}"), got)
}

fn channel(toml_text: &str) -> NotifyCfg {
    toml::from_str(toml_text).unwrap_or_else(|e| panic!("{e}: {toml_text}"))
}

fn message(cfg: NotifyCfg, text: &str) -> Send {
    Send {
        incident: "INC-20270115T120431Z-acct-1003".into(),
        step: "notify-commander".into(),
        channel: "test".into(),
        cfg,
        text: text.into(),
        resolve: false,
        operator: "alice@bastion-1".into(),
        severity: "critical".into(),
        sent: chrono::Utc::now(),
        due: None,
    }
}

fn body(got: &Got, i: usize) -> serde_json::Value {
    let g = got.lock().expect("lock");
    serde_json::from_str(&g[i].1).unwrap_or_else(|e| panic!("body is JSON: {e}: {}", g[i].1))
}

#[tokio::test]
async fn webhook_sends_json_as_it_is_and_wraps_text() {
    let (base, got) = receiver(StatusCode::OK).await;
    // A secret from the environment (HOME stands in: tests cannot set one).
    let home = std::env::var("HOME").expect("HOME is set");
    let cfg = channel(&format!(
        "kind = \"webhook\"\nurl = \"{base}/hooks/commander\"\nheaders = {{ Authorization = \"env:HOME\" }}\n"
    ));
    let json_text = r#"{"type": "failover_complete", "failed_instance": "gw-1003-a", "new_primary": "gw-1003-b", "duration_ms": 81234}"#;
    let answer = send(&message(cfg.clone(), json_text)).await.expect("sent");
    assert!(answer.starts_with("HTTP 200"), "{answer}");
    assert_eq!(
        body(&got, 0),
        serde_json::json!({"type": "failover_complete", "failed_instance": "gw-1003-a", "new_primary": "gw-1003-b", "duration_ms": 81234})
    );
    {
        let g = got.lock().expect("lock");
        assert_eq!(g[0].0["content-type"], "application/json");
        assert_eq!(g[0].0["authorization"], home.as_str());
        // The exact bytes the operator saw: spacing and key order kept.
        assert_eq!(g[0].1, json_text);
    }
    send(&message(cfg, "[INCIDENT] acct-1003\nSeverity: Critical"))
        .await
        .expect("sent");
    assert_eq!(
        body(&got, 1),
        serde_json::json!({"text": "[INCIDENT] acct-1003\nSeverity: Critical", "incident": "INC-20270115T120431Z-acct-1003", "operator": "alice@bastion-1"})
    );
}

#[tokio::test]
async fn slack_and_the_spec_spelling_of_it() {
    let (base, got) = receiver(StatusCode::OK).await;
    for cfg in [
        channel(&format!(
            "kind = \"slack\"\nurl = \"{base}/services/T0/B0/XYZ\"\n"
        )),
        channel(&format!(
            "kind = \"webhook\"\nformat = \"slack\"\nurl = \"{base}/services/T0/B0/XYZ\"\n"
        )),
    ] {
        send(&message(cfg, "failover of acct-1003 done"))
            .await
            .expect("sent");
    }
    assert_eq!(
        body(&got, 0),
        serde_json::json!({"text": "failover of acct-1003 done"})
    );
    assert_eq!(body(&got, 1), body(&got, 0));
    // The secret part of a Slack URL is its path: never shown.
    let shown = baton::wizard::notify::target(&channel(&format!(
        "kind = \"slack\"\nurl = \"{base}/services/T0/B0/XYZ\"\n"
    )));
    assert!(
        !shown.contains("XYZ") && shown.contains("127.0.0.1"),
        "{shown}"
    );
}

#[tokio::test]
async fn pagerduty_triggers_and_resolves_with_one_dedup_key_per_incident() {
    let (base, got) = receiver(StatusCode::ACCEPTED).await;
    let cfg = channel(&format!(
        "kind = \"pagerduty\"\nurl = \"{base}/v2/enqueue\"\nrouting_key = \"R0UT1NGKEYabcd\"\n"
    ));
    let answer = send(&message(
        cfg.clone(),
        "[INCIDENT] acct-1003: primary gw-1003-a is DOWN\nmore",
    ))
    .await
    .expect("sent");
    assert!(answer.starts_with("HTTP 202"), "{answer}");
    let mut resolve = message(cfg.clone(), "[RESOLVED] acct-1003");
    resolve.resolve = true;
    send(&resolve).await.expect("resolved");
    assert_eq!(
        body(&got, 0),
        serde_json::json!({
            "routing_key": "R0UT1NGKEYabcd",
            "event_action": "trigger",
            "dedup_key": "INC-20270115T120431Z-acct-1003",
            "payload": {
                "summary": "[INCIDENT] acct-1003: primary gw-1003-a is DOWN",
                "source": "alice@bastion-1",
                "severity": "critical",
                "custom_details": {"text": "[INCIDENT] acct-1003: primary gw-1003-a is DOWN\nmore", "incident": "INC-20270115T120431Z-acct-1003"}
            }
        })
    );
    assert_eq!(
        body(&got, 1),
        serde_json::json!({"routing_key": "R0UT1NGKEYabcd", "event_action": "resolve", "dedup_key": "INC-20270115T120431Z-acct-1003"})
    );
    let shown = baton::wizard::notify::target(&channel(&format!(
        "kind = \"pagerduty\"\nurl = \"{base}/v2/enqueue\"\nrouting_key = \"R0UT1NGKEYabcd\"\n"
    )));
    assert!(
        shown.contains("…abcd") && !shown.contains("R0UT1NG"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_500_is_an_error_that_keeps_the_text_and_a_missing_secret_is_named() {
    let (base, _got) = receiver(StatusCode::INTERNAL_SERVER_ERROR).await;
    let cfg = channel(&format!("kind = \"webhook\"\nurl = \"{base}/hook\"\n"));
    let m = message(cfg, "keep me");
    let err = send(&m).await.expect_err("500");
    assert!(err.starts_with("HTTP 500"), "{err}");
    let ev = baton::effects::notify::outcome(&m, std::time::Instant::now(), Err(err));
    assert!(
        matches!(&ev, baton::wizard::incident::Event::NotifyFailed { text, .. } if text == "keep me"),
        "{ev:?}"
    );
    let cfg = channel("kind = \"slack\"\nurl = \"env:BATON_TEST_UNSET_URL\"\n");
    let err = send(&message(cfg, "x")).await.expect_err("unset");
    assert_eq!(
        err,
        "notify.test.url: environment variable BATON_TEST_UNSET_URL is not set"
    );
}

#[tokio::test]
async fn command_gets_the_text_on_stdin_and_file_appends() {
    let dir = temp("notify-cmd");
    let out = dir.join("from-stdin.txt");
    let cfg = channel(&format!(
        "kind = \"command\"\ncommand = [\"tee\", \"{}\"]\n",
        out.display()
    ));
    let answer = send(&message(cfg, "line one\nline 'two' $HOME"))
        .await
        .expect("ran");
    assert!(answer.contains("exit status: 0"), "{answer}");
    assert_eq!(
        std::fs::read_to_string(&out).expect("written"),
        "line one\nline 'two' $HOME",
        "no shell: nothing expanded"
    );
    let cfg = channel("kind = \"command\"\ncommand = [\"false\"]\n");
    assert!(send(&message(cfg, "x")).await.is_err());

    let log = dir.join("notices.log");
    let cfg = channel(&format!("kind = \"file\"\npath = \"{}\"\n", log.display()));
    send(&message(cfg.clone(), "first"))
        .await
        .expect("appended");
    send(&message(cfg, "second")).await.expect("appended");
    let text = std::fs::read_to_string(&log).expect("log");
    assert_eq!(text.matches("--- ").count(), 2, "{text}");
    assert!(text.find("first") < text.find("second"), "{text}");
    assert!(text.contains("INC-20270115T120431Z-acct-1003 notify-commander alice@bastion-1"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

/// Waits for the executor's report of a send and hands it to the console.
async fn feedback(h: &mut Harness) {
    let f = h.next_feedback("the send to come back").await;
    assert!(
        matches!(f, baton::effects::Feedback::NotifyDone { .. }),
        "not a notification: {f:?}"
    );
    h.feed(f);
}

#[tokio::test]
async fn the_operator_edits_sends_retries_and_redirects_and_the_journal_keeps_it() {
    use baton::app::Effect;
    use baton::keymap::Action;
    use baton::wizard::incident::Event;

    let (good, got) = receiver(StatusCode::OK).await;
    let (bad, _) = receiver(StatusCode::INTERNAL_SERVER_ERROR).await;
    let mut h = Harness::builder("notify-flow")
        .demo_console(48, "primary-crash", 30, "default")
        .configure(move |cfg| {
            cfg.notify.insert(
                "commander".into(),
                channel(&format!("kind = \"webhook\"\nurl = \"{bad}/hook\"\n")),
            );
            cfg.notify.insert(
                "slack".into(),
                channel(&format!(
                    "kind = \"slack\"\nurl = \"{good}/services/T/B/C\"\n"
                )),
            );
        })
        .build();

    // A failover of acct-1003, journaled up to its notify step.
    h.app.update(Action::NextCritical);
    let fx = common::wizard::start_failover(&mut h.app);
    assert!(matches!(fx.first(), Some(Effect::Start { .. })), "{fx:?}");
    h.perform(fx);
    while h
        .focused()
        .current()
        .is_some_and(|s| s.id != "notify-commander")
    {
        let fx = vec![Effect::Journal {
            entries: vec![h.focused().entry(
                h.app.model.now,
                Event::StepDone {
                    outcome: "test".into(),
                },
            )],
        }];
        h.perform(fx);
    }

    // Enter opens the rendered template; the operator edits one word.
    h.app.handle_key(key(KeyCode::Enter));
    assert!(h.composing());
    let draft = h.draft().expect("draft").body();
    assert!(
        draft.contains("\"failed_instance\": \"gw-1003-a\""),
        "{draft}"
    );
    assert_eq!(
        h.draft().and_then(|d| d.channel()).map(|c| c.0.as_str()),
        Some("commander")
    );
    for k in [key(KeyCode::End), key(KeyCode::Left)] {
        h.app.handle_key(k);
    }
    for c in ", \"by\": \"alice\"".chars() {
        h.app.handle_key(key(KeyCode::Char(c)));
    }
    let fx = h.app.handle_key(ctrl('s'));
    assert!(matches!(fx.first(), Some(Effect::Notify(_))), "{fx:?}");
    h.perform(fx);
    feedback(&mut h).await;

    // The 500: the step is still current, the edited text kept, the error shown.
    let inc = h.focused();
    assert_eq!(
        inc.current().map(|s| s.id.as_str()),
        Some("notify-commander")
    );
    let d = h.draft().expect("draft kept");
    assert!(d.body().contains("\"by\": \"alice\""), "{}", d.body());
    assert!(
        d.error.as_deref().unwrap_or_default().contains("HTTP 500"),
        "{:?}",
        d.error
    );
    // The way on, in the loaded keymap's keys.
    assert!(
        d.error
            .as_deref()
            .unwrap_or_default()
            .contains("ctrl-s retries, tab picks another channel"),
        "{:?}",
        d.error
    );

    // Closing and reopening loses nothing; tab redirects to Slack.
    h.app.handle_key(key(KeyCode::Esc));
    assert!(!h.composing());
    h.app.handle_key(key(KeyCode::Enter));
    assert!(
        h.draft()
            .expect("draft")
            .body()
            .contains("\"by\": \"alice\"")
    );
    h.app.handle_key(key(KeyCode::Tab));
    assert_eq!(
        h.draft().and_then(|d| d.channel()).map(|c| c.0.as_str()),
        Some("slack")
    );
    // ctrl+r renders the template again (the edit is gone), then the
    // operator makes it once more.
    h.app.handle_key(ctrl('r'));
    assert!(!h.draft().expect("draft").body().contains("alice"));
    for k in [key(KeyCode::End), key(KeyCode::Left)] {
        h.app.handle_key(k);
    }
    for c in ", \"by\": \"alice\"".chars() {
        h.app.handle_key(key(KeyCode::Char(c)));
    }
    let fx = h.app.handle_key(ctrl('s'));
    h.perform(fx);
    feedback(&mut h).await;

    let sent = body(&got, 0);
    assert!(
        sent["text"]
            .as_str()
            .unwrap_or_default()
            .contains("\"by\": \"alice\""),
        "{sent}"
    );
    let inc = h.focused();
    assert_eq!(
        inc.current().map(|s| s.id.as_str()),
        Some("reprovision"),
        "sent: the step is done"
    );
    assert!(!h.composing() && h.draft().is_none());

    // The journal on disk: the failure, then the send with its deadline met.
    let path = baton::effects::journal::path_of(h.journal_dir(), &inc.id);
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&path)
        .expect("journal")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let failed = lines
        .iter()
        .find(|l| l["event"] == "notify_failed")
        .expect("failure journaled");
    assert!(
        failed["details"]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("\"by\": \"alice\"")
    );
    assert!(
        failed["details"]["error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("HTTP 500")
    );
    let ok = lines
        .iter()
        .find(|l| l["event"] == "notified")
        .expect("send journaled");
    assert_eq!(ok["details"]["channel"], "slack");
    assert_eq!(ok["details"]["late"], false);
    assert!(ok["details"]["due"].is_string(), "{ok}");
    assert!(
        ok["details"]["response"]
            .as_str()
            .unwrap_or_default()
            .starts_with("HTTP 200")
    );
    let journal_text = std::fs::read_to_string(&path).expect("journal");
    assert!(
        !journal_text.contains("/services/T/B/C"),
        "the Slack URL (a secret) is not in the journal"
    );
    let done = lines
        .iter()
        .rfind(|l| l["event"] == "step_done")
        .expect("done");
    assert_eq!(done["details"]["outcome"], "sent");
    let _ = std::fs::remove_dir_all(&h.dir);
}

#[tokio::test]
async fn watch_mode_reads_the_message_but_cannot_send() {
    let mut h = Harness::builder("notify-watch")
        .mode(baton::app::Mode::Watch)
        .operator("watcher@host")
        .build();
    let (base, got) = receiver(StatusCode::OK).await;
    let cfg = channel(&format!("kind = \"webhook\"\nurl = \"{base}/hook\"\n"));
    let err = h.exec.notify(message(cfg, "x")).expect_err("refused");
    assert!(err.contains("read-only"), "{err}");
    // Every send the executor started has ended: a send reports back only
    // after its request was answered.
    let reports = h.finish_effects().await;
    assert!(reports.is_empty(), "{reports:?}");
    assert!(
        got.lock().expect("lock").is_empty(),
        "a read-only console sent"
    );
    let _ = std::fs::remove_dir_all(&h.dir);
}

#[test]
fn every_shipped_template_rendered_for_a_fixed_incident() {
    use baton::wizard::incident::{Event, Incident, Operator};
    let model = baton::demo::fixture::model(48, "primary-crash", 30);
    let rb = Arc::new(
        baton::config::runbooks::load_shipped(&model.config)
            .0
            .into_iter()
            .find(|r| r.id == "pair-failover")
            .expect("shipped"),
    );
    let (templates, errs) = baton::config::templates::load_all(&model.config, None);
    assert!(errs.is_empty(), "{errs:?}");
    let t0 = model.now - chrono::Duration::seconds(150);
    let op = Operator {
        user: "alice".into(),
        host: "bastion-1".into(),
        ssh_client: None,
    };
    let mut inc = Incident::new(
        "INC-20270115T120201Z-acct-1003",
        rb,
        Some("acct-1003".into()),
        op,
        false,
        t0,
    );
    let mut at = t0;
    let mut put = |inc: &mut Incident, secs: i64, ev: Event| {
        at += chrono::Duration::seconds(secs);
        let e = inc.entry(at, ev);
        inc.apply(&e);
    };
    let done = || Event::StepDone {
        outcome: "passed".into(),
    };
    put(
        &mut inc,
        0,
        Event::Started {
            title: "Pair failover (seed 000)".into(),
            drill: false,
            primary: Some("gw-1003-a".into()),
            standby: Some("gw-1003-b".into()),
            region: None,
            provider: None,
            window: None,
        },
    );
    put(&mut inc, 10, done());
    put(&mut inc, 10, done());
    put(
        &mut inc,
        20,
        Event::InputRecorded {
            text: "gw-1003-a stopped answering; OPS-7".into(),
        },
    );
    put(&mut inc, 0, done());
    put(
        &mut inc,
        15,
        Event::ActionIntent {
            command: "POST …/failover".into(),
            cutover: false,
            lag_bytes: None,
            lag: Some(0.8),
            settle: None,
        },
    );
    put(&mut inc, 2, done());
    put(&mut inc, 40, done());
    assert_eq!(
        inc.current().map(|s| s.id.as_str()),
        Some("notify-commander")
    );
    let ctx = baton::wizard::notify::context(&model, &inc, model.now);
    let mut all = String::new();
    for name in templates.names().collect::<Vec<_>>() {
        let text = templates
            .render(name, &ctx)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        all.push_str("===== ");
        all.push_str(name);
        all.push('\n');
        all.push_str(&text);
        all.push('\n');
    }
    let json = templates.render("failover-complete", &ctx).expect("json");
    let v: serde_json::Value = serde_json::from_str(&json).expect("failover_complete is JSON");
    assert_eq!(
        v["duration_ms"], 97_000,
        "start to the new primary confirmed"
    );
    assert!(all.contains("[ESCALATION L"), "{all}");
    insta::assert_snapshot!(all);
}
