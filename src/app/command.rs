//! The `:` command line (the k9s and vim habit): `failover PAIR`,
//! `runbook ID TARGET`, `filter TEXT`, `sort COLUMN`, `theme NAME`,
//! `report`, `q`. Tab completes the word being typed; up and down recall
//! earlier commands, kept across restarts in the state folder.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::{CursorMove, TextArea};

use super::view::SortKey;
use super::{App, Effect};
use crate::keymap::Action;
use crate::wizard::{Input, Target};

const VERBS: [&str; 9] = [
    "failover", "runbook", "schedule", "window", "filter", "sort", "theme", "report", "q",
];
const SORTS: [(&str, SortKey); 5] = [
    ("state", SortKey::State),
    ("pair", SortKey::Id),
    ("lag", SortKey::Lag),
    ("score", SortKey::PrimaryScore),
    ("region", SortKey::Region),
];
const THEMES: [&str; 4] = ["default", "high-contrast", "light", "monochrome"];
/// Commands kept in the history file.
const KEPT: usize = 200;

/// A command line being typed.
pub struct CommandLine {
    pub input: TextArea<'static>,
    /// Where up and down are in the history (None: the line being typed).
    recall: Option<usize>,
    /// After a tab that fits several: the candidates, drawn in place of
    /// the key hints.
    pub fits: Option<String>,
}

impl Default for CommandLine {
    fn default() -> Self {
        let mut input = TextArea::default();
        input.set_placeholder_text("failover PAIR · runbook ID TARGET · filter TEXT · sort COLUMN · theme NAME · report · q");
        Self {
            input,
            recall: None,
            fits: None,
        }
    }
}

impl CommandLine {
    pub fn text(&self) -> String {
        self.input.lines().join(" ")
    }

    fn set(&mut self, text: &str) {
        self.input = TextArea::new(vec![text.to_string()]);
        self.input.move_cursor(CursorMove::End);
    }
}

/// What a command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Failover(String),
    Runbook(String, String),
    /// Schedule a maintenance window: runbook, target, when.
    Schedule(String, String, String),
    /// Start a maintenance window's runbook on its target, in the window.
    Window(String),
    Filter(String),
    Sort(SortKey),
    Theme(String),
    Report,
    Quit,
}

/// Reads a command line; the error says what is expected.
pub fn parse(text: &str) -> Result<Command, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let rest = |n: usize| words.get(n..).map(|w| w.join(" ")).unwrap_or_default();
    match words.as_slice() {
        ["failover", pair] => Ok(Command::Failover((*pair).to_string())),
        ["failover", ..] => Err("failover PAIR".into()),
        ["runbook", id, target] => Ok(Command::Runbook((*id).to_string(), (*target).to_string())),
        ["runbook", ..] => Err("runbook ID TARGET (a pair, a region or a provider)".into()),
        ["schedule", id, target, _, ..] => Ok(Command::Schedule(
            (*id).to_string(),
            (*target).to_string(),
            rest(3),
        )),
        ["schedule", ..] => {
            Err("schedule RUNBOOK TARGET AT (2026-12-05 02:00 UTC, or +48h)".into())
        }
        ["window", id] => Ok(Command::Window((*id).to_string())),
        ["window", ..] => Err("window ID (a window of baton schedule)".into()),
        ["filter", ..] => Ok(Command::Filter(rest(1))),
        ["sort", col] => SORTS
            .iter()
            .find(|(n, _)| n == col)
            .map(|(_, k)| Command::Sort(*k))
            .ok_or_else(|| format!("sort by one of: {}", names(&SORTS))),
        ["sort", ..] => Err(format!("sort COLUMN: {}", names(&SORTS))),
        ["theme", name] => Ok(Command::Theme((*name).to_string())),
        ["theme", ..] => Err(format!("theme NAME: {}", THEMES.join(", "))),
        ["report"] => Ok(Command::Report),
        ["q" | "quit"] => Ok(Command::Quit),
        [] => Err("type a command".into()),
        [verb, ..] => Err(format!(
            "no command `{verb}`; commands: {}",
            VERBS.join(", ")
        )),
    }
}

fn names(sorts: &[(&str, SortKey)]) -> String {
    sorts.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// Completes the last word of `text` from `candidates`: the one match, or
/// the longest prefix all matches share.
pub fn complete(text: &str, candidates: &[String]) -> String {
    let (head, word) = match text.rfind(' ') {
        Some(i) => (&text[..=i], &text[i + 1..]),
        None => ("", text),
    };
    let matches: Vec<&String> = candidates.iter().filter(|c| c.starts_with(word)).collect();
    let Some(first) = matches.first() else {
        return text.to_string();
    };
    let mut common = first.as_str();
    for m in &matches[1..] {
        let n = common
            .char_indices()
            .zip(m.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8());
        common = &common[..n];
    }
    let space = if matches.len() == 1 { " " } else { "" };
    format!("{head}{common}{space}")
}

/// The history file: `$XDG_STATE_HOME/baton/command-history`.
pub fn history_file() -> PathBuf {
    std::env::var_os("XDG_STATE_HOME")
        .filter(|s| !s.is_empty())
        .map_or_else(|| crate::config::home().join(".local/state"), PathBuf::from)
        .join("baton/command-history")
}

/// The history kept, oldest first; a missing or unreadable file is empty.
pub fn load_history(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .map(|t| {
            t.lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

impl App {
    /// What Tab completes at the end of the line.
    fn candidates(&self, text: &str) -> Vec<String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let typing_new = text.ends_with(' ') || words.is_empty();
        let at = if typing_new {
            words.len()
        } else {
            words.len() - 1
        };
        let pairs = || self.model.pairs.iter().map(|p| p.id.clone());
        let places = || {
            let mut v: Vec<String> = self
                .model
                .regions
                .iter()
                .flat_map(|r| [r.region.clone(), r.provider.clone()])
                .collect();
            v.sort();
            v.dedup();
            v
        };
        let mut out: Vec<String> = match (at, words.first().copied()) {
            (0, _) => VERBS.iter().map(ToString::to_string).collect(),
            (1, Some("failover")) => pairs().collect(),
            (1, Some("runbook")) => self.wizard.runbooks.iter().map(|r| r.id.clone()).collect(),
            (2, Some("runbook" | "schedule")) => pairs().chain(places()).collect(),
            (1, Some("schedule")) => self.wizard.runbooks.iter().map(|r| r.id.clone()).collect(),
            (1, Some("window")) => self
                .wizard
                .windows
                .iter()
                .filter(|w| w.is_open())
                .map(|w| w.id.clone())
                .collect(),
            (1, Some("sort")) => SORTS.iter().map(|(n, _)| (*n).to_string()).collect(),
            (1, Some("theme")) => THEMES.iter().map(ToString::to_string).collect(),
            _ => Vec::new(),
        };
        out.sort();
        out
    }

    /// A key while the command line is open.
    pub(super) fn command_key(&mut self, action: Option<Action>, ev: KeyEvent) -> Vec<Effect> {
        let Some(line) = self.command.as_mut() else {
            return Vec::new();
        };
        line.fits = None;
        match action {
            Some(Action::Cancel) => self.command = None,
            Some(Action::Submit) => {
                let text = line.text().trim().to_string();
                self.command = None;
                return self.run_command(&text);
            }
            _ if matches!(ev.code, KeyCode::Up | KeyCode::Down) => {
                let up = ev.code == KeyCode::Up;
                let n = self.command_history.len();
                let pos = match (up, line.recall) {
                    (true, None) => n.checked_sub(1),
                    (true, Some(i)) => Some(i.saturating_sub(1)),
                    (_, Some(i)) if i + 1 < n => Some(i + 1),
                    _ => None,
                };
                line.recall = pos;
                let text = pos
                    .and_then(|i| self.command_history.get(i))
                    .cloned()
                    .unwrap_or_default();
                line.set(&text);
            }
            _ if ev.code == KeyCode::Tab => {
                let text = line.text();
                let all = self.candidates(&text);
                let done = complete(&text, &all);
                if let Some(line) = self.command.as_mut() {
                    line.set(&done);
                }
                // Several fit: say which, as a shell does.
                let word = done.rsplit(' ').next().unwrap_or_default();
                let fits: Vec<&str> = all
                    .iter()
                    .filter(|c| c.starts_with(word))
                    .map(String::as_str)
                    .collect();
                if let Some(line) = self.command.as_mut() {
                    line.fits = (fits.len() > 1).then(|| {
                        let more = fits.len().saturating_sub(12);
                        let list = fits[..fits.len().min(12)].join("  ");
                        if more > 0 {
                            format!("{list}  (+{more})")
                        } else {
                            list
                        }
                    });
                }
            }
            _ => {
                line.input.input(ev);
            }
        }
        Vec::new()
    }

    /// Runs a command line; a wrong one says why and changes nothing.
    pub fn run_command(&mut self, text: &str) -> Vec<Effect> {
        if text.is_empty() {
            return Vec::new();
        }
        self.remember(text);
        let cmd = match parse(text) {
            Ok(c) => c,
            Err(e) => {
                self.say(format!(":{text}: {e}"), true);
                return Vec::new();
            }
        };
        match cmd {
            Command::Quit => vec![Effect::Quit],
            Command::Report => self.update(Action::Report),
            Command::Filter(t) => {
                self.view.filter = t;
                self.view.focus = super::view::Pane::Pairs;
                self.view.refresh(&self.model, true);
                Vec::new()
            }
            Command::Sort(k) => {
                self.view.sort = k;
                self.view.refresh(&self.model, true);
                Vec::new()
            }
            Command::Theme(name) => {
                match crate::theme::Theme::builtin(&name) {
                    Some(t) => self.theme = t,
                    None => self.say(
                        format!("no theme `{name}`; themes: {}", THEMES.join(", ")),
                        true,
                    ),
                }
                Vec::new()
            }
            Command::Failover(pair) => {
                if self.model.pair(&pair).is_none() {
                    self.say(format!("no pair `{pair}`"), true);
                    return Vec::new();
                }
                let runbook = self.model.pair(&pair).and_then(|p| p.runbook.clone());
                self.wizard_input(Input::Failover(Some((Target::Pair(pair), runbook))))
            }
            Command::Schedule(id, target, at) => self.schedule(&id, &target, &at),
            Command::Window(id) => {
                let Some(w) = self.wizard.windows.iter().find(|w| w.id == id).cloned() else {
                    self.say(format!("no window `{id}`"), true);
                    return Vec::new();
                };
                if let Some(why) = &w.cancelled {
                    self.say(format!("{id} was cancelled: {why}"), true);
                    return Vec::new();
                }
                if let Some(i) = self
                    .wizard
                    .incidents
                    .iter()
                    .position(|i| i.window.as_ref().is_some_and(|x| x.id == id))
                {
                    self.wizard.focus = i;
                    self.view.wizard = true;
                    return Vec::new();
                }
                if self.read_only {
                    self.say("read-only: this console cannot start a runbook", true);
                    return Vec::new();
                }
                // The window attaches itself: it is the open one of this
                // runbook on this target (see `Wizard::window_for`).
                self.wizard_input(Input::StartWith(w.target, w.runbook))
            }
            Command::Runbook(id, target) => {
                if self.read_only {
                    self.say("read-only: this console cannot start a runbook", true);
                    return Vec::new();
                }
                let Some(rb) = self.wizard.runbooks.iter().find(|r| r.id == id).cloned() else {
                    self.say(format!("no runbook `{id}`"), true);
                    return Vec::new();
                };
                match crate::wizard::plan::target(&self.model, &rb, &target) {
                    Ok(t) => self.wizard_input(Input::StartWith(t, id)),
                    Err(e) => {
                        self.say(e, true);
                        Vec::new()
                    }
                }
            }
        }
    }

    /// `:schedule`: the same checks as `baton schedule`, then the record
    /// goes to the executor (which refuses in a read-only console).
    fn schedule(&mut self, id: &str, target: &str, at: &str) -> Vec<Effect> {
        use crate::wizard::window;
        if self.read_only {
            self.say("read-only: this console cannot schedule a window", true);
            return Vec::new();
        }
        let Some(rb) = self.wizard.runbooks.iter().find(|r| r.id == id).cloned() else {
            self.say(format!("no runbook `{id}`"), true);
            return Vec::new();
        };
        let now = self.model.now;
        let checked = window::parse_time(at, now).and_then(|opens| {
            let t = crate::wizard::plan::target(&self.model, &rb, target)?;
            if let Some(w) = self.wizard.window_for(&t, &rb) {
                return Err(format!("{} already schedules {id} on {}", w.id, t.label()));
            }
            Ok((t, opens))
        });
        match checked {
            Ok((t, opens)) => vec![Effect::Schedule(Box::new(window::Record {
                at: now,
                window: window::new_id(&t, opens, &self.wizard.windows),
                by: self.operator.clone(),
                change: window::Change::Scheduled {
                    runbook: rb.id.clone(),
                    target: window::TargetRef::of(&t),
                    opens,
                    reason: String::new(),
                },
            }))],
            Err(e) => {
                self.say(e, true);
                Vec::new()
            }
        }
    }

    fn remember(&mut self, text: &str) {
        if self.command_history.last().map(String::as_str) != Some(text) {
            self.command_history.push(text.to_string());
        }
        let skip = self.command_history.len().saturating_sub(KEPT);
        self.command_history.drain(..skip);
        // Best effort: a history that cannot be written is not worth an
        // error on the operator's screen.
        if let Some(path) = &self.command_history_file {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let _ = std::fs::write(path, self.command_history.join("\n") + "\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_and_say_what_they_expect() {
        assert_eq!(
            parse("failover acct-1003"),
            Ok(Command::Failover("acct-1003".into()))
        );
        assert_eq!(
            parse("filter  eu-west  down"),
            Ok(Command::Filter("eu-west down".into()))
        );
        assert_eq!(parse("sort lag"), Ok(Command::Sort(SortKey::Lag)));
        assert_eq!(parse("q"), Ok(Command::Quit));
        assert_eq!(parse("failover"), Err("failover PAIR".into()));
        assert!(
            parse("sort size")
                .expect_err("sort")
                .contains("state, pair, lag")
        );
        assert!(
            parse("promote x")
                .expect_err("verb")
                .starts_with("no command `promote`")
        );
    }

    #[test]
    fn tab_completes_the_one_match_or_the_shared_prefix() {
        let c: Vec<String> = ["acct-1003", "acct-1031", "acct-2000"]
            .map(String::from)
            .to_vec();
        assert_eq!(complete("failover acct-2", &c), "failover acct-2000 ");
        assert_eq!(complete("failover acct-10", &c), "failover acct-10");
        assert_eq!(complete("failover acct-103", &c), "failover acct-1031 ");
        assert_eq!(complete("failover x", &c), "failover x");
    }
}
