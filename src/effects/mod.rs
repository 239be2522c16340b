//! The only place that acts on the outside world for the console (today:
//! Alertmanager silences). A read-only console's executor refuses every
//! effect here, whatever key or path asked for it.

mod silence;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::config::Config;

/// A silence to create in Alertmanager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SilenceRequest {
    /// Index of the `alertmanager` source.
    pub source: usize,
    /// Exact matchers: the alert's labels.
    pub labels: BTreeMap<String, String>,
    pub duration: Duration,
    pub comment: String,
}

/// What came of an effect, shown to the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub ok: bool,
    pub text: String,
}

pub struct Executor {
    config: Arc<Config>,
    read_only: bool,
    operator: String,
    outcomes: mpsc::Sender<Outcome>,
}

impl Executor {
    pub fn new(
        config: Arc<Config>,
        read_only: bool,
        operator: String,
        outcomes: mpsc::Sender<Outcome>,
    ) -> Self {
        Self {
            config,
            read_only,
            operator,
            outcomes,
        }
    }

    /// Creates a silence in the background; the outcome arrives on the
    /// outcome channel. Refused outright in read-only mode.
    pub fn silence(&self, req: SilenceRequest) {
        let tx = self.outcomes.clone();
        if self.read_only {
            let _ = tx.try_send(Outcome {
                ok: false,
                text: "read-only console: silences can only be created from an operator console"
                    .into(),
            });
            return;
        }
        let Some(src) = self.config.sources.get(req.source).cloned() else {
            let _ = tx.try_send(Outcome {
                ok: false,
                text: "no such Alertmanager source".into(),
            });
            return;
        };
        let operator = self.operator.clone();
        tokio::spawn(async move {
            let outcome = match silence::create(&src, &req, &operator).await {
                Ok(id) => Outcome {
                    ok: true,
                    text: format!(
                        "silence {id} created in {} for {}",
                        src.name,
                        humantime::format_duration(req.duration)
                    ),
                },
                Err(e) => Outcome {
                    ok: false,
                    text: format!("silence not created in {}: {e}", src.name),
                },
            };
            tracing::info!("silence: {}", outcome.text);
            let _ = tx.send(outcome).await;
        });
    }
}
