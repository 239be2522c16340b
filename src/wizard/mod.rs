//! Failover wizards: runbooks, gate expressions, and the incident state
//! machine. No IO here: the executor writes the journal and runs actions.

pub mod area;
pub mod decide;
pub mod incident;
pub mod notify;
pub mod probe;
pub mod rules;
pub mod runbook;
mod runbook_links;
pub mod templates;
pub mod vars;

#[cfg(test)]
mod tests;
