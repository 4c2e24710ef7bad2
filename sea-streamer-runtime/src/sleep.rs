//! [`sleep`]: wait for a duration without blocking the thread.

use std::time::Duration;

/// Sleep for `d` on the selected runtime's timer.
///
/// ```
/// # async fn demo() {
/// sea_streamer_runtime::sleep(std::time::Duration::from_millis(10)).await;
/// # }
/// ```
///
/// # Panics
///
/// When no runtime feature is enabled, awaiting this panics with a message naming the
/// features to enable. Under tokio it panics if called outside a tokio runtime.
pub async fn sleep(d: Duration) {
    imp(d).await
}

if_tokio! {
    async fn imp(d: Duration) {
        tokio::time::sleep(d).await
    }
}

if_async_std! {
    async fn imp(d: Duration) {
        async_std::task::sleep(d).await
    }
}

if_smol! {
    async fn imp(d: Duration) {
        smol::Timer::after(d).await;
    }
}

if_no_rt! {
    async fn imp(_: Duration) {
        panic!("{}", crate::NO_RUNTIME)
    }
}
