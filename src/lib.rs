//! baton: a terminal war-room console for failover.
//!
//! Data flows one way: `sources` (tokio tasks) send updates to the one
//! owner of `state`; keys become `keymap` actions; `app` applies them and
//! returns effects; `ui` draws a pure function of the state.

pub mod app;
pub mod check;
pub mod cli;
pub mod clock;
pub mod cond;
pub mod config;
pub mod coord;
pub mod demo;
pub mod diag;
pub mod docs_gen;
pub mod effects;
pub mod keymap;
pub mod panics;
pub mod process;
pub mod report;
pub mod secret;
pub mod sources;
pub mod state;
pub mod text;
pub mod theme;
pub mod ui;
pub mod wizard;
