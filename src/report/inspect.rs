//! What is wrong with a journal before it is reported on: entries out of
//! time order, duplicates, a missing start, torn or repaired lines.

use crate::wizard::incident::{Entry, Event};

/// The entries in time order, and what is wrong with the journal: torn
/// lines, repairs, entries out of order, duplicates, no start. A damaged
/// journal is reported, but no target is judged met on it.
pub(super) fn inspect(entries: &[Entry], mut damage: Vec<String>) -> (Vec<Entry>, Vec<String>) {
    let mut sorted = entries.to_vec();
    // Stable: entries of one instant keep their order in the file.
    sorted.sort_by_key(|e| e.at);
    let moved = entries
        .iter()
        .zip(&sorted)
        .filter(|(a, b)| a.at != b.at)
        .count();
    if moved > 0 {
        damage.push(format!(
            "{moved} entries are out of time order in the file (read here in time order)"
        ));
    }
    // Sorted by time, a duplicate stands among the entries of its instant:
    // compared there, never serialized (the wizard builds this every draw).
    let dups = sorted
        .iter()
        .enumerate()
        .filter(|(i, e)| {
            sorted[..*i]
                .iter()
                .rev()
                .take_while(|x| x.at == e.at)
                .any(|x| x == *e)
        })
        .count();
    if dups > 0 {
        damage.push(format!("{dups} entries appear twice"));
    }
    if !entries
        .iter()
        .any(|e| matches!(e.event, Event::Started { .. }))
    {
        damage.push("the start of the incident is missing".into());
    }
    for e in entries {
        match &e.event {
            Event::Torn { line, .. } => damage.push(format!(
                "line {line} is not a whole journal entry (torn, as when the process is killed mid-write)"
            )),
            Event::JournalRepaired { torn_bytes } => damage.push(format!(
                "a torn line of {torn_bytes} bytes was ended at {}",
                e.at.format("%H:%M:%SZ")
            )),
            _ => {}
        }
    }
    (sorted, damage)
}
