use super::*;
use crate::wizard::incident::Operator;

fn entry(step: &str, event: Event) -> Entry {
    Entry {
        at: chrono::Utc::now(),
        operator: Operator::default(),
        incident: "INC-T".into(),
        runbook: "rb".into(),
        pair: Some("acct-1".into()),
        phase: Some("during".into()),
        step: Some(step.into()),
        event,
    }
}

fn intent() -> Entry {
    entry(
        "promote",
        Event::ActionIntent {
            command: "POST http://127.0.0.1:9/failover".into(),
            cutover: false,
            lag_bytes: None,
            lag: None,
            settle: None,
        },
    )
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("baton-journal-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn an_append_after_a_torn_line_starts_a_line_of_its_own_and_says_so() {
    let dir = temp("torn");
    append(&dir, &[entry("gate", Event::CheckConfirmed)]).expect("first");
    let path = path_of(&dir, "INC-T");
    // What a crash mid-write leaves: the start of an intent, no newline.
    let line = serde_json::to_string(&intent()).expect("json");
    let mut f = OpenOptions::new().append(true).open(&path).expect("open");
    f.write_all(&line.as_bytes()[..150]).expect("fragment");
    drop(f);
    append(&dir, &[intent()]).expect("append after the tear");
    let (entries, bad) = read(&path).expect("read");
    assert_eq!(bad, 1, "one torn line");
    let events: Vec<&Event> = entries.iter().map(|e| &e.event).collect();
    assert!(matches!(events[0], Event::CheckConfirmed), "{events:?}");
    assert!(
        matches!(events[1], Event::Torn { line: 2, .. }),
        "{events:?}"
    );
    assert!(
        matches!(events[2], Event::JournalRepaired { torn_bytes: 150 }),
        "{events:?}"
    );
    assert!(
        matches!(events[3], Event::ActionIntent { .. }),
        "the new intent is whole: {events:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_entry_glued_onto_a_torn_line_by_an_older_baton_is_recovered() {
    let dir = temp("glued");
    std::fs::create_dir_all(&dir).expect("dir");
    let path = path_of(&dir, "INC-T");
    let whole = serde_json::to_string(&intent()).expect("json");
    let reason = serde_json::to_string(&entry(
        "gate",
        Event::GateOverridden {
            reason: "standby checked by hand".into(),
            values: String::new(),
        },
    ))
    .expect("json");
    // fragment + retried intent on one line, as the old append left it.
    let text = format!("{reason}\n{}{whole}\n", &whole[..150]);
    std::fs::write(&path, text).expect("write");
    let (entries, bad) = read(&path).expect("read");
    assert_eq!(bad, 1);
    assert!(matches!(entries[0].event, Event::GateOverridden { .. }));
    assert!(matches!(entries[1].event, Event::Torn { .. }));
    assert!(
        matches!(&entries[2].event, Event::ActionIntent { command, .. } if command.contains("/failover")),
        "the retried intent is read: {entries:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_torn_fragment_cut_before_its_event_names_no_step_but_keeps_the_incident() {
    let dir = temp("cut");
    std::fs::create_dir_all(&dir).expect("dir");
    let path = path_of(&dir, "INC-T");
    let first = serde_json::to_string(&entry("gate", Event::CheckConfirmed)).expect("json");
    std::fs::write(&path, format!("{first}\n{{\"at\":\"2026-12-01T")).expect("write");
    let (entries, _) = read(&path).expect("read");
    let torn = &entries[1];
    assert_eq!(torn.incident, "INC-T");
    assert!(
        matches!(&torn.event, Event::Torn { event: None, .. }),
        "{torn:?}"
    );
    assert_eq!(torn.step, None);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_created_journal_file_and_folder_are_written_whole() {
    let dir = temp("fresh").join("nested");
    append(&dir, &[intent()]).expect("append");
    let text = std::fs::read_to_string(path_of(&dir, "INC-T")).expect("read");
    assert!(text.ends_with('\n') && text.lines().count() == 1, "{text}");
    let _ = std::fs::remove_dir_all(dir.parent().expect("parent"));
}

#[test]
fn a_new_journal_is_created_once_and_never_shared() {
    let dir = std::env::temp_dir().join(format!("baton-journal-create-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(create(&dir, "INC-X"), Ok(()));
    let again = create(&dir, "INC-X").expect_err("a second start of one id");
    assert!(again.contains("exists already"), "{again}");
    let _ = std::fs::remove_dir_all(&dir);
}
