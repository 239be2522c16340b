//! A panic in a background task: contained and shown, never a half-alive
//! console.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use baton::sources::report::{Payload, SourceUpdate};

#[tokio::test]
async fn a_source_task_that_panics_is_shown_failing_with_the_text_and_restarted() {
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&runs);
    let sender = tx.clone();
    tokio::spawn(baton::sources::supervise(
        3,
        Duration::from_secs(1),
        tx,
        move || {
            let n = counted.fetch_add(1, Ordering::SeqCst);
            let tx = sender.clone();
            async move {
                assert!(n > 0, "a hostile body broke the parser");
                let _ = tx
                    .send(SourceUpdate {
                        source: 3,
                        at: chrono::Utc::now(),
                        latency: Duration::ZERO,
                        result: Ok(Payload::Fleet {
                            pairs: Vec::new(),
                            skipped: Vec::new(),
                        }),
                        next_poll: None,
                    })
                    .await;
                std::future::pending::<()>().await;
            }
        },
    ));
    let first = rx.recv().await.expect("an update");
    assert_eq!(first.source, 3);
    let err = first.result.expect_err("shown failing");
    assert!(
        err.contains("panicked") && err.contains("a hostile body broke the parser"),
        "{err}"
    );
    assert!(err.contains("polling again in 1s"), "{err}");
    let second = rx.recv().await.expect("restarted");
    assert!(second.result.is_ok(), "the restarted task polls again");
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}
