//! Failover wizards: runbooks, gate expressions, the incident fold and
//! the wizard's state machine (`machine`). No IO here: the executor writes
//! the journal and runs actions.

pub mod approval;
pub mod area;
pub mod decide;
pub mod effect;
pub mod event;
pub mod incident;
pub mod machine;
pub mod notify;
pub mod plan;
pub mod probe;
pub mod rules;
pub mod runbook;
pub(crate) mod runbook_links;
pub mod service_checks;
pub mod templates;
pub mod vars;
pub mod window;

pub use effect::Effect;
pub use machine::{Input, Target, Wizard};

#[cfg(test)]
mod tests;
