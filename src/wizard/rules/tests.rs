use super::*;
use crate::app::{App, Effect};
use crate::demo::fixture;
use crate::keymap::Action;
use crate::wizard::incident::{Event, Incident, Operator};
use crossterm::event::{KeyCode, KeyEvent};

/// The demo with acct-1003's primary crashed, its failover at the promote step.
fn app_at_promote() -> App {
    let mut app = fixture::app(48, "primary-crash", 30, "default");
    let Some(rb) = app
        .wizard
        .runbooks
        .iter()
        .find(|r| r.id == "pair-failover")
        .cloned()
    else {
        panic!("pair-failover is shipped")
    };
    let Some((pi, si, _)) = rb.steps().find(|(_, _, s)| s.promote) else {
        panic!("a promote step")
    };
    let mut inc = Incident::new(
        "INC-R",
        rb,
        Some("acct-1003".into()),
        Operator::default(),
        false,
        app.model.now,
    );
    inc.phase = pi;
    inc.step = si;
    app.wizard.incidents.push(inc);
    app.view.wizard = true;
    app
}

fn pair(app: &mut App) -> &mut crate::state::Pair {
    let Some(p) = app.model.pairs.iter_mut().find(|p| p.id == "acct-1003") else {
        panic!("acct-1003")
    };
    p
}

/// Applies what the keys journaled, as the executor would.
fn apply(app: &mut App, fx: &[Effect]) -> Vec<Event> {
    let mut out = Vec::new();
    for e in fx {
        if let Effect::Journal { entries } = e {
            app.wizard_input(crate::wizard::Input::Journaled(entries.clone()));
            out.extend(entries.iter().map(|x| x.event.clone()));
        }
    }
    out
}

fn screen(app: &App) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(140, 60))
        .unwrap_or_else(|e| panic!("{e}"));
    t.draw(|f| crate::ui::draw(f, app))
        .unwrap_or_else(|e| panic!("{e}"));
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.handle_key(KeyEvent::from(code))
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

#[test]
fn facts_are_worded_as_found_and_levelled() {
    let mut app = app_at_promote();
    let p = pair(&mut app).clone();
    let checks = standby(&app.model, &p);
    assert!(checks.iter().all(|c| !c.blocks()), "{checks:?}");
    let p = pair(&mut app);
    if let Some(sb) = p.standby.as_mut() {
        sb.health_score = Some(60.0);
    }
    p.lag = Some(75.0);
    let p = p.clone();
    let checks = standby(&app.model, &p);
    let score = checks.iter().find(|c| c.rule == "standby_min");
    assert_eq!(
        score.map(|c| (c.level, c.fact.as_str())),
        Some((Level::Hard, "score 60 < standby_min 70"))
    );
    let lag = checks.iter().find(|c| c.rule == "lag_abort");
    assert_eq!(
        lag.map(|c| (c.level, c.fact.as_str())),
        Some((Level::Soft, "lag 75.0s > lag_abort 1m"))
    );
    let mut p = p;
    p.lag = Some(20.0);
    let warn = standby(&app.model, &p)
        .into_iter()
        .find(|c| c.rule == "lag_abort");
    assert_eq!(warn.map(|c| c.level), Some(Level::Warning));
}

#[test]
fn a_hard_rule_refuses_the_promote_before_the_pair_id_is_asked_and_is_journaled() {
    let mut app = app_at_promote();
    if let Some(sb) = pair(&mut app).standby.as_mut() {
        sb.health_score = Some(60.0);
    }
    let fx = app.wizard_input(crate::wizard::Input::Action(Action::Confirm));
    assert!(
        app.wizard.prompt.is_none(),
        "no pair id is asked for a refused promote"
    );
    let events = apply(&mut app, &fx);
    assert!(
        matches!(&events[..], [Event::ActionRefused { rule, fact, hard: true }]
            if rule == "standby_min" && fact == "score 60 < standby_min 70"),
        "{events:?}"
    );
    assert!(
        app.notice.as_ref().is_some_and(|n| n
            .text
            .contains("score 60 < standby_min 70; this rule has no override")),
        "{:?}",
        app.notice
    );
    // No override for a hard rule.
    app.wizard_input(crate::wizard::Input::Action(Action::Override));
    assert!(app.wizard.prompt.is_none());
}

#[test]
fn a_soft_rule_passes_only_with_a_typed_reason_then_the_pair_id_is_asked() {
    let mut app = app_at_promote();
    let (primary_provider, sb_id) = {
        let p = pair(&mut app);
        (
            p.primary.provider.clone(),
            p.standby.as_ref().map(|s| s.id.clone()).unwrap_or_default(),
        )
    };
    if let Some(sb) = pair(&mut app).standby.as_mut() {
        sb.provider.clone_from(&primary_provider);
    }
    let fx = app.wizard_input(crate::wizard::Input::Action(Action::Confirm));
    assert!(app.wizard.prompt.is_none());
    let events = apply(&mut app, &fx);
    let fact = format!("standby {sb_id} is on {primary_provider}, the primary's provider");
    assert!(
        matches!(&events[..], [Event::ActionRefused { rule, fact: f, hard: false }] if rule == "provider" && *f == fact),
        "{events:?}"
    );
    // What the wizard draws says the same fact, with the override key.
    let screen = screen(&app);
    assert!(screen.contains(&fact), "{screen}");
    app.wizard_input(crate::wizard::Input::Action(Action::Override));
    assert!(app.wizard.prompt.is_some(), "o asks for a reason");
    key(&mut app, KeyCode::Enter);
    assert!(
        app.wizard
            .prompt
            .as_ref()
            .and_then(|p| p.error.clone())
            .is_some(),
        "an empty reason is refused"
    );
    typed(&mut app, "standby checked by hand, other provider is down");
    let fx = key(&mut app, KeyCode::Enter);
    let events = apply(&mut app, &fx);
    assert!(
        matches!(&events[..], [Event::RulesOverridden { rules, reason, .. }]
            if rules == &["provider".to_string()] && reason.starts_with("standby checked")),
        "{events:?}"
    );
    // Now the destructive confirm asks for the pair id.
    app.wizard_input(crate::wizard::Input::Action(Action::Confirm));
    assert!(app.wizard.prompt.is_some(), "the pair id prompt");
}

#[test]
fn cooldown_and_a_second_failover_are_judged_from_the_journal_and_open_incidents() {
    let mut app = app_at_promote();
    let now = app.model.now;
    let promoted = {
        let inc = &app.wizard.incidents[0];
        inc.entry(
            now - chrono::Duration::seconds(90),
            Event::ActionResult {
                ok: true,
                status: "HTTP 200".into(),
                output: String::new(),
                millis: 5,
            },
        )
    };
    app.wizard.history.push(promoted);
    let checks = promotion(
        &app.wizard.rules_ctx(&app.model),
        "acct-1003",
        Some("INC-R"),
    );
    let cooldown = checks.iter().find(|c| c.rule == "cooldown");
    assert_eq!(
        cooldown.map(|c| (c.level, c.fact.as_str())),
        Some((
            Level::Soft,
            "acct-1003 was failed over 1m 30s ago < cooldown 5m"
        ))
    );
    // The incident itself does not count against itself; another does.
    assert!(
        checks
            .iter()
            .all(|c| c.rule != "one_failover_per_pair" || c.level == Level::Holds)
    );
    let checks = others(&app.wizard.rules_ctx(&app.model), "acct-1003", None);
    assert_eq!(
        hard(&checks).map(|c| c.fact.as_str()),
        Some("INC-R is already failing over acct-1003")
    );
}

#[test]
fn a_remapped_override_key_is_the_one_the_refusal_and_the_screen_name() {
    let mut app = app_at_promote();
    let dir = std::env::temp_dir().join(format!("baton-remap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("mine.toml");
    std::fs::write(&path, "[wizard]\n\"o\" = \"none\"\n\"O\" = \"override\"\n")
        .unwrap_or_else(|e| panic!("{e}"));
    app.set_keymap(
        crate::keymap::load(&path.to_string_lossy(), None).unwrap_or_else(|e| panic!("{e}")),
    );
    let provider = pair(&mut app).primary.provider.clone();
    if let Some(sb) = pair(&mut app).standby.as_mut() {
        sb.provider = provider;
    }
    key(&mut app, KeyCode::Enter);
    let said = app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(said.contains("O goes on with a typed reason"), "{said}");
    let s = screen(&app);
    assert!(s.contains(" O ") && !s.contains(" o override"), "{s}");
    // The old key does nothing; the new one asks for the reason.
    key(&mut app, KeyCode::Char('o'));
    assert!(app.wizard.prompt.is_none());
    key(&mut app, KeyCode::Char('O'));
    assert!(app.wizard.prompt.is_some());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_writable_primary_and_a_byte_lag_block_the_promote_until_fenced_or_overridden() {
    let mut app = app_at_promote();
    let p = pair(&mut app);
    p.primary.down = false;
    p.primary.writable = Some(true);
    p.lag_bytes = Some(40.0 * 1024.0 * 1024.0);
    let p = p.clone();
    let checks = standby(&app.model, &p);
    let fact = |rule: &str| {
        checks
            .iter()
            .find(|c| c.rule == rule)
            .map(|c| (c.level, c.fact.clone()))
    };
    assert_eq!(
        fact("lag_bytes_abort"),
        Some((
            Level::Soft,
            "lag 40.0 MiB > lag_bytes_abort 16.0 MiB".to_string()
        ))
    );
    assert!(
        fact("fenced")
            .is_some_and(|(l, f)| l == Level::Soft && f.contains("takes writes: fence it first")),
        "{checks:?}"
    );
    // Fenced (read-only) and caught up: both hold.
    let mut p = p;
    p.primary.writable = Some(false);
    p.lag_bytes = Some(120.0);
    let checks = standby(&app.model, &p);
    assert!(
        checks
            .iter()
            .filter(|c| c.rule == "fenced" || c.rule == "lag_bytes_abort")
            .all(|c| c.level == Level::Holds)
            && checks.iter().filter(|c| c.rule == "fenced").count() == 1,
        "{checks:?}"
    );
    // Only unreachable: said, never taken as proof of a fence.
    p.primary.writable = None;
    p.primary.down = true;
    let fenced = standby(&app.model, &p)
        .into_iter()
        .find(|c| c.rule == "fenced")
        .map(|c| (c.level, c.fact));
    assert!(
        fenced
            .as_ref()
            .is_some_and(|(l, f)| *l == Level::Warning && f.contains("not proven fenced")),
        "{fenced:?}"
    );
}
