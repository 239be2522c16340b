//! Panics: a panic on the UI thread restores the terminal and ends the
//! process (non-zero, with the message); a panic in a background task is
//! logged and contained where the task was spawned (a source is shown
//! failing with the panic text and restarted, an action becomes OUTCOME
//! UNKNOWN), and the terminal is left alone so the console stays whole.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::OnceLock;
use std::thread::ThreadId;

use futures::FutureExt;

static UI_THREAD: OnceLock<ThreadId> = OnceLock::new();

/// The text of a panic payload.
pub fn text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".into()
    }
}

/// Chains a hook in front of the one installed (the terminal restore and
/// color-eyre's report): every panic is logged; only one on the thread
/// that owns the terminal goes on to restore it and print the report.
pub fn install() {
    let _ = UI_THREAD.set(std::thread::current().id());
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let here = std::thread::current();
        tracing::error!(
            "panic in thread {}: {info}",
            here.name().unwrap_or("unnamed")
        );
        if UI_THREAD.get().is_none_or(|ui| *ui == here.id()) {
            previous(info);
        }
    }));
}

/// Runs a background future; a panic inside it comes back as an error
/// with its text instead of ending the task silently.
pub async fn contain<T>(fut: impl Future<Output = T>) -> Result<T, String> {
    AssertUnwindSafe(fut)
        .catch_unwind()
        .await
        .map_err(|p| text(p.as_ref()))
}
