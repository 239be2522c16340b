//! Waiting for an etcd answer from synchronous code (the executor runs on
//! the state owner's thread): on a multi-threaded runtime the thread gives
//! its other work away while it waits; elsewhere (a test's runtime, no
//! runtime) a short-lived thread with its own runtime asks. The request's
//! own deadline bounds the wait.

use std::future::Future;

use tokio::runtime::{Handle, RuntimeFlavor};

pub fn on<T: Send>(fut: impl Future<Output = Result<T, String>> + Send) -> Result<T, String> {
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| h.block_on(fut))
        }
        _ => std::thread::scope(|s| {
            s.spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("cannot start a runtime for etcd: {e}"))?
                    .block_on(fut)
            })
            .join()
            .unwrap_or_else(|_| Err("baton's etcd request panicked".into()))
        }),
    }
}
