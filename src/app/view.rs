//! What the operator is looking at: focus, zoom, overlays, filter, sort and
//! selection. Pure state, changed only by actions.

use std::cell::Cell;

use ratatui_textarea::TextArea;

use crate::state::{Model, Pair};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Pairs,
    Regions,
    Lag,
    Alerts,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Pairs, Pane::Regions, Pane::Lag, Pane::Alerts];

    pub fn title(self) -> &'static str {
        match self {
            Self::Pairs => "Pairs",
            Self::Regions => "Regions",
            Self::Lag => "Lag",
            Self::Alerts => "Alerts",
        }
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    pub fn next(self) -> Self {
        Self::ALL[(self.index() + 1) % 4]
    }

    pub fn prev(self) -> Self {
        Self::ALL[(self.index() + 3) % 4]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Help,
    Detail(String),
    Sources,
    /// The named service checks.
    Checks,
    /// Journal entries of the focused incident.
    Timeline,
    /// The report of the focused incident.
    Report,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    State,
    Id,
    Lag,
    PrimaryScore,
    Region,
}

impl SortKey {
    pub fn label(self) -> &'static str {
        match self {
            Self::State => "state",
            Self::Id => "pair",
            Self::Lag => "lag",
            Self::PrimaryScore => "score",
            Self::Region => "region",
        }
    }

    pub fn next(self) -> Self {
        match self {
            Self::State => Self::Id,
            Self::Id => Self::Lag,
            Self::Lag => Self::PrimaryScore,
            Self::PrimaryScore => Self::Region,
            Self::Region => Self::State,
        }
    }
}

pub struct View {
    pub focus: Pane,
    /// The wizard of the focused incident fills the body.
    pub wizard: bool,
    pub zoomed: bool,
    pub overlay: Option<Overlay>,
    pub overlay_scroll: usize,
    pub filter: String,
    /// Open while the operator types a filter.
    pub filter_input: Option<TextArea<'static>>,
    filter_before: String,
    pub sort: SortKey,
    pub reverse: bool,
    /// Indices into `model.pairs`, filtered and sorted.
    pub rows: Vec<usize>,
    rows_generation: u64,
    pub selected: usize,
    selected_id: Option<String>,
    pub alert_selected: usize,
    pub region_selected: usize,
    /// First visible row and rows per page of the Pairs table, written by
    /// the draw pass (which alone knows the height) and read by paging.
    pub pairs_offset: Cell<usize>,
    /// Where the rows of the Pairs table were drawn (for mouse clicks).
    pub pairs_rows: Cell<ratatui::layout::Rect>,
    pub page_rows: Cell<usize>,
}

impl Default for View {
    fn default() -> Self {
        Self {
            focus: Pane::Pairs,
            wizard: false,
            zoomed: false,
            overlay: None,
            overlay_scroll: 0,
            filter: String::new(),
            filter_input: None,
            filter_before: String::new(),
            sort: SortKey::State,
            reverse: false,
            rows: Vec::new(),
            rows_generation: u64::MAX,
            selected: 0,
            selected_id: None,
            alert_selected: 0,
            region_selected: 0,
            pairs_offset: Cell::new(0),
            pairs_rows: Cell::new(ratatui::layout::Rect::default()),
            page_rows: Cell::new(10),
        }
    }
}

impl View {
    /// Re-filters and re-sorts when the data or the view changed; keeps the
    /// selection on the same pair.
    pub fn refresh(&mut self, model: &Model, force: bool) {
        // Sorted by state or id, unfiltered: only a state change or a new
        // set of pairs moves a row; new values alone do not.
        let generation =
            if self.filter.is_empty() && matches!(self.sort, SortKey::State | SortKey::Id) {
                model.states_generation
            } else {
                model.generation
            };
        if !force && self.rows_generation == generation {
            self.clamp(model);
            return;
        }
        self.rows_generation = generation;
        let needle = self.filter.to_lowercase();
        let mut rows: Vec<usize> = model
            .pairs
            .iter()
            .enumerate()
            .filter(|(_, p)| needle.is_empty() || matches(p, &needle))
            .map(|(i, _)| i)
            .collect();
        let pairs = &model.pairs;
        rows.sort_by(|&a, &b| {
            let (pa, pb) = (&pairs[a], &pairs[b]);
            let ord = match self.sort {
                SortKey::State => pa.state.cmp(&pb.state),
                SortKey::Id => std::cmp::Ordering::Equal,
                SortKey::Lag => pb.lag.unwrap_or(-1.0).total_cmp(&pa.lag.unwrap_or(-1.0)),
                SortKey::PrimaryScore => score(pa).total_cmp(&score(pb)),
                SortKey::Region => pa.primary.region.cmp(&pb.primary.region),
            };
            ord.then_with(|| natural(&pa.id, &pb.id))
        });
        if self.reverse {
            rows.reverse();
        }
        self.rows = rows;
        if let Some(id) = &self.selected_id
            && let Some(pos) = self.rows.iter().position(|&i| model.pairs[i].id == *id)
        {
            self.selected = pos;
        }
        self.clamp(model);
    }

    fn clamp(&mut self, model: &Model) {
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
        self.selected_id = self
            .rows
            .get(self.selected)
            .map(|&i| model.pairs[i].id.clone());
        self.alert_selected = self
            .alert_selected
            .min(model.alerts.len().saturating_sub(1));
        self.region_selected = self
            .region_selected
            .min(model.regions.len().saturating_sub(1));
    }

    pub fn selected_pair<'m>(&self, model: &'m Model) -> Option<&'m Pair> {
        self.rows.get(self.selected).map(|&i| &model.pairs[i])
    }

    pub fn select(&mut self, pos: usize, model: &Model) {
        self.selected = pos;
        self.clamp(model);
    }

    pub fn start_filter(&mut self) {
        let mut ta = TextArea::new(vec![self.filter.clone()]);
        // The current filter, selected: typing replaces it, an arrow key
        // keeps it to edit.
        if self.filter.is_empty() {
            ta.move_cursor(ratatui_textarea::CursorMove::End);
        } else {
            ta.select_all();
        }
        ta.set_placeholder_text("id, instance, region, provider or state");
        self.filter_before = self.filter.clone();
        self.filter_input = Some(ta);
    }

    pub fn cancel_filter(&mut self) {
        self.filter = std::mem::take(&mut self.filter_before);
        self.filter_input = None;
    }

    /// Takes the text of the input as the filter (called on every key, so
    /// the table follows as the operator types).
    pub fn sync_filter(&mut self) {
        if let Some(ta) = &self.filter_input {
            self.filter = ta.lines().join(" ").trim().to_string();
        }
    }
}

fn score(p: &Pair) -> f64 {
    p.primary.effective_score().unwrap_or(f64::MAX)
}

fn matches(p: &Pair, needle: &str) -> bool {
    let hay = |s: &str| s.to_lowercase().contains(needle);
    hay(&p.id)
        || hay(&p.primary.id)
        || hay(&p.primary.region)
        || hay(&p.primary.provider)
        || hay(p.state.label())
        || p.standby
            .as_ref()
            .is_some_and(|s| hay(&s.id) || hay(&s.region) || hay(&s.provider))
}

/// Orders `acct-9` before `acct-10`.
pub fn natural(a: &str, b: &str) -> std::cmp::Ordering {
    split_number(a).cmp(&split_number(b))
}

/// `acct-1003` → (`acct-`, 1003, the whole): borrowed, so a sort of
/// 100 000 rows allocates nothing.
fn split_number(s: &str) -> (&str, u64, &str) {
    let digits = s.len() - s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (head, tail) = s.split_at(s.len() - digits);
    (head, tail.parse::<u64>().unwrap_or(0), s)
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent};

    fn typed(app: &mut crate::app::App, keys: &str) {
        for c in keys.chars() {
            app.handle_key(KeyEvent::from(KeyCode::Char(c)));
        }
    }

    #[test]
    fn a_second_filter_replaces_the_first_and_an_arrow_keeps_it() {
        let mut app = crate::demo::fixture::app(48, "calm", 5, "default");
        typed(&mut app, "/acct-1001");
        app.handle_key(KeyEvent::from(KeyCode::Enter));
        assert_eq!(app.view.filter, "acct-1001");
        typed(&mut app, "/acct-1003");
        app.handle_key(KeyEvent::from(KeyCode::Enter));
        assert_eq!(
            app.view.filter, "acct-1003",
            "typing replaced the old filter"
        );
        assert_eq!(app.view.rows.len(), 1);
        // An arrow first: the old text stays, to be edited.
        typed(&mut app, "/");
        app.handle_key(KeyEvent::from(KeyCode::End));
        typed(&mut app, "9");
        app.handle_key(KeyEvent::from(KeyCode::Enter));
        assert_eq!(app.view.filter, "acct-10039");
    }
}
