//! Journals into `baton report`, and into the console that resumes or
//! follows them.

use std::sync::{Arc, OnceLock};

use baton::app::{Mode, Overlay};

use super::mutate::Bytes;
use super::{TempFile, app, leak};

/// Journals written by the console itself: a pair failover and a bulk
/// failover of a region driven to their ends.
pub fn journal_seeds() -> &'static [&'static str] {
    static S: OnceLock<Vec<&'static str>> = OnceLock::new();
    S.get_or_init(|| {
        let mut out = Vec::new();
        for (scenario, runbook, target) in [
            (
                "primary-crash",
                "pair-failover",
                baton::wizard::Target::Pair("acct-1003".into()),
            ),
            (
                "provider-outage",
                "bulk-failover-region",
                baton::wizard::Target::Area {
                    region: "eu-west-1".into(),
                    provider: "aws".into(),
                },
            ),
        ] {
            let mut c = app::Console::new(12, scenario, 40, Mode::Operator, "default");
            let rb = c
                .app
                .wizard
                .runbooks
                .iter()
                .find(|r| r.id == runbook)
                .cloned()
                .expect("shipped runbook");
            let fx = c.app.wizard_input(baton::wizard::Input::StartWith(
                target.clone(),
                rb.id.clone(),
            ));
            c.perform(fx);
            for _ in 0..80 {
                c.drive();
            }
            let lines: Vec<String> = crate::common::wizard::incidents(&c.app)[0]
                .entries
                .iter()
                .map(|e| serde_json::to_string(e).expect("entry"))
                .collect();
            out.push(leak(lines.join("\n") + "\n"));
        }
        out
    })
}

/// `baton report` on the file, and the resume of its incident drawn.
pub fn journal_case(bytes: Bytes) {
    let f = TempFile::new("INC-fuzz.jsonl", &bytes);
    let s = app::shipped();
    let _ = baton::effects::journal::read(&f.0);
    if let Ok(r) = baton::report::from_file(&f.0, &s.runbooks) {
        let _ = baton::report::markdown(&r);
        let _ = serde_json::to_string(&r);
    }
    let Ok((entries, _)) = baton::effects::journal::read(&f.0) else {
        return;
    };
    let Some(rb) = entries
        .first()
        .and_then(|e| s.runbooks.iter().find(|r| r.id == e.runbook))
    else {
        return;
    };
    let replayed = baton::wizard::incident::Incident::replay(&entries, Arc::clone(rb));
    let followed = baton::wizard::incident::Incident::fold(&entries, Arc::clone(rb));
    let mut c = app::Console::new(6, "primary-crash", 5, Mode::Operator, "default");
    for inc in [replayed, followed].into_iter().flatten() {
        let _ = inc.timers(c.app.model.now);
        crate::common::wizard::incidents_mut(&mut c.app).push(inc);
    }
    if crate::common::wizard::incidents(&c.app).is_empty() {
        return;
    }
    c.app.view.wizard = true;
    c.draw(100, 30);
    for o in [Overlay::Timeline, Overlay::Report] {
        c.app.view.overlay = Some(o);
        c.draw(100, 30);
    }
}
