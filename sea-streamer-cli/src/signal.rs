//! Ctrl-C and SIGTERM: long commands stop reading, await what is in flight and end normally.

/// Resolves on Ctrl-C, or SIGTERM on unix. If the handlers cannot be installed, a warning is
/// logged and it never resolves.
pub async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    r = tokio::signal::ctrl_c() => if let Err(e) = r {
                        log::warn!("cannot listen for Ctrl-C: {e}");
                        std::future::pending::<()>().await;
                    },
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                log::warn!("cannot listen for SIGTERM: {e}");
                if tokio::signal::ctrl_c().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    if let Err(e) = tokio::signal::ctrl_c().await {
        log::warn!("cannot listen for Ctrl-C: {e}");
        std::future::pending::<()>().await;
    }
}
