//! Only the thread that owns the terminal restores it on a panic. Alone in
//! its test binary: the panic hook is global to the process.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[test]
fn only_a_panic_on_the_ui_thread_reaches_the_terminal_restoring_hook() {
    let restored = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&restored);
    // Stands for ratatui's restore + color-eyre's report.
    std::panic::set_hook(Box::new(move |_| flag.store(true, Ordering::SeqCst)));
    baton::panics::install();
    let worker = std::thread::Builder::new()
        .name("tokio-runtime-worker".into())
        .spawn(|| std::panic::catch_unwind(|| panic!("in a source task")).is_err())
        .expect("thread");
    assert!(worker.join().expect("join"), "it panicked");
    assert!(
        !restored.load(Ordering::SeqCst),
        "a background panic restored the terminal under a running console"
    );
    let ui = std::panic::catch_unwind(|| panic!("in the event loop"));
    assert!(ui.is_err());
    assert!(
        restored.load(Ordering::SeqCst),
        "a panic of the UI thread must restore the terminal and report"
    );
    let _ = std::panic::take_hook();
}
