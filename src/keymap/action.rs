//! Named actions a key can be bound to. The descriptions feed the help
//! overlay, so help always matches the keymap actually loaded.

macro_rules! actions {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $(#[doc = $doc] $variant),* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }

            pub fn describe(self) -> &'static str {
                match self { $(Action::$variant => $doc),* }
            }

            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($name => Some(Action::$variant),)* _ => None }
            }
        }
    };
}

actions! {
    Quit => "quit", "quit baton";
    Help => "help", "show or hide this help";
    NextPane => "next_pane", "focus the next pane";
    PrevPane => "prev_pane", "focus the previous pane";
    PanePairs => "pane_pairs", "focus the Pairs pane";
    PaneRegions => "pane_regions", "focus the Regions pane";
    PaneLag => "pane_lag", "focus the Lag pane";
    PaneAlerts => "pane_alerts", "focus the Alerts pane";
    Zoom => "zoom", "zoom the focused pane / restore the layout";
    Up => "up", "move the selection up";
    Down => "down", "move the selection down";
    PageUp => "page_up", "move up one page";
    PageDown => "page_down", "move down one page";
    Top => "top", "go to the first row";
    Bottom => "bottom", "go to the last row";
    Filter => "filter", "filter pairs (id, instance, region, provider, state)";
    ClearFilter => "clear_filter", "clear the filter";
    Command => "command", "open the command line (:failover PAIR, :runbook ID TARGET, :schedule, :window ID, :filter, :sort, :theme, :report, :q; tab completes)";
    Sort => "sort", "sort pairs by the next column";
    ReverseSort => "reverse_sort", "reverse the sort order";
    NextCritical => "next_critical", "jump to the next pair that is not OK";
    Open => "open", "open the detail view of the selected pair";
    Close => "close", "close the overlay or view";
    Acknowledge => "acknowledge", "acknowledge the selected alert (this console only)";
    Silence => "silence", "silence the selected Alertmanager alert (matchers, duration, comment)";
    Sources => "sources", "show sources: last success, error, latency";
    Checks => "checks", "show the service checks: state, latency, streak, last error";
    Failover => "failover", "start a failover wizard on the selected pair";
    Wizard => "wizard", "show the wizard of the open incident";
    Confirm => "confirm", "do the current step: confirm, pass the gate, run the action, answer";
    Override => "override", "go past a failing gate or timed-out wait, with a typed reason";
    VerifyOk => "verify_ok", "an action of unknown outcome: you checked, it worked";
    VerifyFailed => "verify_failed", "an action of unknown outcome: you checked, it did not work";
    Abort => "abort", "abort the incident, with a typed reason";
    TakeOver => "take_over", "take over an incident whose console was lost (its etcd lease expired), with a typed reason";
    CloseIncident => "close_incident", "close the incident once every step is done";
    NextIncident => "next_incident", "focus the next open incident";
    Timeline => "timeline", "the timeline of the focused incident: every journal entry";
    Copy => "copy", "copy the selected pair id (or, in the wizard, the action's command) to your clipboard over SSH (OSC 52)";
    Report => "report", "the report of the focused incident (as `baton report` writes it)";
    Submit => "submit", "in a text field or the chooser: submit what was typed or chosen";
    Cancel => "cancel", "in a text field or the chooser: close it without submitting";
    Send => "send", "in the notification editor: send the message to the chosen channel";
    NextChannel => "next_channel", "in the notification editor: pick the next channel";
    PrevChannel => "prev_channel", "in the notification editor: pick the previous channel";
    Rerender => "rerender", "in the notification editor: render the template again (the edits are lost)";
    NextField => "next_field", "in the silence form: go to the next field";
    PrevField => "prev_field", "in the silence form: go to the previous field";
}

impl Action {
    /// Actions that change something outside this console. A read-only
    /// console does not load their bindings at all.
    pub fn mutating(self) -> bool {
        matches!(
            self,
            Self::Failover
                | Self::Confirm
                | Self::Override
                | Self::VerifyOk
                | Self::VerifyFailed
                | Self::Abort
                | Self::TakeOver
                | Self::CloseIncident
                | Self::Silence
        )
    }
}
