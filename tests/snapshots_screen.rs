//! Snapshots of the drawn screen (ratatui TestBackend + insta) in a fixed
//! demo state at a fixed clock.

mod common;

use baton::app::App;
use baton::demo::fixture;
use baton::keymap::Action;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn screen(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    term.draw(|f| baton::ui::draw(f, app)).expect("draw");
    term.backend().to_string()
}

#[test]
fn main_screen_80x24() {
    let app = fixture::app(48, "mixed", 30, "default");
    insta::assert_snapshot!(screen(&app, 80, 24));
}

/// The demo's checks in the mixed scenario: acct-1003's primary is down,
/// so the checkout API it serves fails, listed first with its error.
#[test]
fn checks_view_80x24() {
    let mut app = fixture::app(48, "mixed", 30, "default");
    let _ = app.update(Action::Checks);
    let s = screen(&app, 80, 24);
    assert!(s.contains("Checks · 1 of 2 failing"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn main_screen_160x48() {
    let app = fixture::app(48, "mixed", 30, "default");
    let s = screen(&app, 160, 48);
    for title in ["Pairs (48)", "Regions (3)", "Lag (acct-1003)", "Alerts ("] {
        assert!(s.contains(title), "missing {title}:\n{s}");
    }
    insta::assert_snapshot!(s);
}

#[test]
fn provider_outage_shows_the_banner_and_region_mark() {
    let app = fixture::app(48, "provider-outage", 40, "default");
    let s = screen(&app, 160, 48);
    assert!(s.contains("PROVIDER OUTAGE"), "{s}");
    assert!(s.contains("OUTAGE"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn filter_narrows_the_pairs_table() {
    let mut app = fixture::app(48, "mixed", 30, "default");
    app.update(Action::Filter);
    for c in "acct-101".chars() {
        app.handle_key(crossterm::event::KeyEvent::from(
            crossterm::event::KeyCode::Char(c),
        ));
    }
    app.handle_key(crossterm::event::KeyEvent::from(
        crossterm::event::KeyCode::Enter,
    ));
    let s = screen(&app, 160, 48);
    assert!(s.contains("Pairs (10) of 48"), "{s}");
    assert!(!s.contains("acct-1020"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn help_overlay_lists_the_loaded_keymap() {
    let mut app = fixture::app(48, "mixed", 30, "default");
    app.update(Action::Help);
    let s = screen(&app, 100, 40);
    assert!(s.contains("Help · keymap default"), "{s}");
    assert!(s.contains("next_pane"), "{s}");
    let mut vim = fixture::app(48, "mixed", 30, "default");
    vim.set_keymap(baton::keymap::Keymap::builtin("vim").expect("vim keymap"));
    vim.update(Action::Help);
    let v = screen(&vim, 100, 40);
    assert!(
        v.contains("Help · keymap vim") && v.contains("ctrl-d"),
        "{v}"
    );
}

#[test]
fn detail_view_shows_both_instances_and_the_error() {
    let mut app = fixture::app(48, "mixed", 30, "default");
    // acct-1003 crashed: it sorts first (CRITICAL).
    app.update(Action::Open);
    let s = screen(&app, 100, 40);
    assert!(s.contains("Pair acct-1003"), "{s}");
    assert!(s.contains("reported status DOWN"), "{s}");
    assert!(s.contains("STANDBY gw-1003-b"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn tiny_terminal_says_so() {
    let app = fixture::app(8, "calm", 3, "monochrome");
    assert!(screen(&app, 20, 5).contains("terminal too"));
}

#[test]
fn monochrome_draws_no_colour_but_keeps_state_words() {
    use ratatui::style::Color;
    let app = fixture::app(48, "mixed", 30, "monochrome");
    let mut term = Terminal::new(TestBackend::new(80, 24)).expect("test backend");
    term.draw(|f| baton::ui::draw(f, &app)).expect("draw");
    let buf = term.backend().buffer();
    for cell in buf.content() {
        assert!(
            cell.fg == Color::Reset && cell.bg == Color::Reset,
            "coloured cell {cell:?}"
        );
    }
    let s = term.backend().to_string();
    assert!(s.contains("✖ CRITICAL") && s.contains("● OK"), "{s}");
}

#[test]
fn wizard_of_a_failover_in_progress() {
    use baton::app::Effect;
    let mut app = fixture::app(48, "primary-crash", 30, "default");
    app.update(Action::NextCritical);
    // Several runbooks apply to a pair: the chooser, enter takes the first.
    assert!(app.update(Action::Failover).is_empty());
    assert!(
        common::wizard::chooser(&app).is_some(),
        "the runbook chooser"
    );
    let fx = app.handle_key(crossterm::event::KeyEvent::from(
        crossterm::event::KeyCode::Enter,
    ));
    let Some(Effect::Start { incident, entry }) = fx.into_iter().next() else {
        panic!("no start effect")
    };
    let mut inc = *incident;
    inc.operator = baton::wizard::incident::Operator {
        user: "alice".into(),
        host: "bastion-1".into(),
        ssh_client: Some("10.1.2.3".into()),
    };
    let mut entry = entry;
    entry.operator = inc.operator.clone();
    app.wizard_input(baton::wizard::Input::Started {
        incident: Box::new(inc),
        entry,
        keep_focus: false,
    });
    // The "started" notice would hide the key hints this snapshot shows.
    app.notice = None;
    let s = screen(&app, 120, 36);
    assert!(s.contains("Pair failover (seed 000) · acct-1003"), "{s}");
    assert!(s.contains("now   HOLDS"), "{s}");
    assert!(
        s.contains("⇄ acct-1003 0:00/5:00"),
        "the title bar shows the incident clock: {s}"
    );
    insta::assert_snapshot!(s);

    // At 80x24 the step list wraps long titles: read whole, not cut
    // (each row is quoted and framed: the list is columns 2 to 30).
    let small = screen(&app, 80, 24);
    let list: String = small
        .lines()
        .map(|l| l.chars().skip(2).take(29).collect::<String>())
        .collect::<Vec<_>>()
        .join(" ");
    let list = list.split_whitespace().collect::<Vec<_>>().join(" ");
    for title in [
        "The primary is failing (CRITICAL or down)",
        "The standby can take over: score ≥ standby_min, up, lag under lag_abort",
    ] {
        assert!(
            list.contains(title),
            "{title} cut in the step list:\n{small}"
        );
    }
}

#[test]
fn sizes_from_tiny_to_very_wide() {
    use ratatui::style::Color;
    for theme in ["default", "monochrome"] {
        let app = fixture::app(48, "provider-outage", 40, theme);
        for (w, h) in [(20u16, 5u16), (100, 30), (250, 70)] {
            let mut term = Terminal::new(TestBackend::new(w, h)).expect("test backend");
            term.draw(|f| baton::ui::draw(f, &app)).expect("draw");
            if theme == "monochrome" {
                assert!(
                    term.backend()
                        .buffer()
                        .content()
                        .iter()
                        .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
                    "{theme} {w}x{h} has colour"
                );
            } else {
                insta::assert_snapshot!(format!("size_{w}x{h}"), term.backend().to_string());
            }
        }
    }
}

#[test]
fn a_click_selects_a_pair() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let mut app = fixture::app(48, "mixed", 30, "default");
    screen(&app, 160, 48);
    let rows = app.view.pairs_rows.get();
    app.mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: rows.x + 3,
        row: rows.y + 4,
        modifiers: KeyModifiers::NONE,
    });
    let picked = app.view.selected_pair(&app.model).map(|p| p.id.clone());
    assert_eq!(
        picked.as_deref(),
        Some(app.model.pairs[app.view.rows[4]].id.as_str())
    );
    app.mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 0,
        row: 0,
        modifiers: KeyModifiers::NONE,
    });
    assert_eq!(app.view.selected, 5);
}

#[test]
fn no_size_panics_or_overflows() {
    let mut app = fixture::app(48, "provider-outage", 40, "default");
    for overlay in [false, true] {
        if overlay {
            app.update(Action::Help);
        }
        for w in (1..=130).step_by(7) {
            for h in (1..=45).step_by(4) {
                let s = screen(&app, w, h);
                assert_eq!(s.lines().count(), usize::from(h), "{w}x{h}");
            }
        }
    }
}

#[test]
fn environment_and_watch_frames_have_their_colours() {
    use ratatui::style::Color;
    let mut app = fixture::app(48, "calm", 10, "default");
    let mut config = (*app.model.config).clone();
    config.console.frame_color = Some("red".into());
    app.model.config = std::sync::Arc::new(config);
    app.set_read_only();
    let mut term = Terminal::new(TestBackend::new(120, 36)).expect("test backend");
    term.draw(|f| baton::ui::draw(f, &app)).expect("draw");
    let buf = term.backend().buffer();
    assert_eq!(
        buf[(0, 0)].bg,
        Color::Red,
        "title bar in the environment's colour"
    );
    assert_eq!(buf[(119, 0)].bg, Color::Red);
    let watch = baton::theme::Theme::builtin("default")
        .expect("theme")
        .style(baton::theme::Role::Watch)
        .bg;
    assert_eq!(
        Some(buf[(0, 1)].fg),
        watch,
        "pane frames in the WATCH colour"
    );
    assert!(term.backend().to_string().contains(" WATCH "));
}

#[test]
fn region_counts_of_a_large_fleet_are_not_cut() {
    // 30 000 pairs: each region holds 20 000 instances, "20000/20000".
    let app = fixture::app(30_000, "calm", 2, "default");
    let s = screen(&app, 200, 60);
    let regions = app.model.regions.first().expect("a region");
    let up = format!("{}/{}", regions.up, regions.total);
    assert!(up.len() > 9, "{up}");
    assert!(s.contains(&up), "{up} cut:\n{s}");
}
