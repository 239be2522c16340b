//! The `:` command line as an operator meets it at 80x24: typed, completed
//! with tab, run, recalled with up; a wrong command says why.

mod common;

use baton::app::{App, Effect};
use baton::demo::fixture;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn screen(app: &App) -> String {
    let mut term = Terminal::new(TestBackend::new(80, 24)).expect("test backend");
    term.draw(|f| baton::ui::draw(f, app)).expect("draw");
    term.backend().to_string()
}

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

#[test]
fn colon_opens_a_command_line_that_completes_runs_and_recalls() {
    let mut app = fixture::app(48, "primary-crash", 30, "default");
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "fil");
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "eu-central");
    let s = screen(&app);
    let last = s.lines().last().unwrap_or_default().to_string();
    assert!(last.contains(" :filter eu-central"), "{s}");
    assert!(
        last.contains("tab complete · enter run · esc cancel"),
        "{s}"
    );
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.view.filter, "eu-central");
    assert!(app.command.is_none(), "enter closes the line");

    // A pair id completes from the fleet; the failover opens the chooser
    // for that pair, as `f` on its row would.
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "failover acct-100");
    key(&mut app, KeyCode::Tab);
    let s = screen(&app);
    assert!(
        s.contains("acct-1000  acct-1001"),
        "the ids that fit are shown: {s}"
    );
    typed(&mut app, "3");
    key(&mut app, KeyCode::Enter);
    let chooser = common::wizard::chooser(&app).expect("the runbook chooser");
    assert_eq!(chooser.0, baton::wizard::Target::Pair("acct-1003".into()));

    // Up recalls the last command; esc leaves it unrun.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char(':'));
    key(&mut app, KeyCode::Up);
    assert_eq!(
        app.command
            .as_ref()
            .map(baton::app::command::CommandLine::text),
        Some("failover acct-1003".into())
    );
    key(&mut app, KeyCode::Up);
    assert_eq!(
        app.command
            .as_ref()
            .map(baton::app::command::CommandLine::text),
        Some("filter eu-central".into())
    );
    key(&mut app, KeyCode::Esc);
    assert!(app.command.is_none());

    // A wrong command changes nothing and says what is expected.
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "sort size");
    key(&mut app, KeyCode::Enter);
    let s = screen(&app);
    assert!(s.contains("sort by one of: state, pair, lag"), "{s}");
    assert_eq!(app.view.filter, "eu-central");

    // :q quits.
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "q");
    assert!(matches!(
        key(&mut app, KeyCode::Enter).as_slice(),
        [Effect::Quit]
    ));
}

#[test]
fn the_history_survives_a_restart() {
    let dir = common::temp("history");
    let file = dir.join("state/baton/command-history");
    let mut app = fixture::app(8, "calm", 5, "default");
    app.command_history_file = Some(file.clone());
    app.run_command("sort lag");
    app.run_command("filter acct-1001");
    let mut again = fixture::app(8, "calm", 5, "default");
    again.command_history = baton::app::command::load_history(&file);
    assert_eq!(again.command_history, vec!["sort lag", "filter acct-1001"]);
}

#[test]
fn a_read_only_console_starts_nothing_from_the_command_line() {
    let mut app = fixture::app(48, "primary-crash", 30, "default");
    app.set_read_only();
    for cmd in ["runbook pair-failover acct-1003", "failover acct-1003"] {
        let fx = app.run_command(cmd);
        assert!(
            !fx.iter().any(|e| matches!(e, Effect::Start { .. })),
            "{cmd}: {fx:?}"
        );
    }
    assert!(app.wizard.incidents.is_empty());
    // The same line in an operator console asks to start the incident.
    let mut op = fixture::app(48, "primary-crash", 30, "default");
    let fx = op.run_command("runbook pair-failover acct-1003");
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Start { .. })),
        "{fx:?}"
    );
}
