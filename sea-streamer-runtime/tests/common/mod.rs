//! Shared test helper: `runtime_test!` turns an async block into a test for the selected
//! runtime (tokio and async-std through their attribute macros, smol through `block_on`).

#[allow(unused_macros)]
macro_rules! runtime_test {
    ($(#[$meta:meta])* $name:ident, $body:block) => {
        #[cfg(feature = "runtime-tokio")]
        #[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread", worker_threads = 2))]
        $(#[$meta])*
        async fn $name() $body

        #[cfg(all(feature = "runtime-async-std", not(feature = "runtime-tokio")))]
        #[cfg_attr(feature = "runtime-async-std", async_std::test)]
        $(#[$meta])*
        async fn $name() $body

        #[cfg(all(feature = "runtime-smol", not(feature = "runtime-tokio"), not(feature = "runtime-async-std")))]
        #[test]
        $(#[$meta])*
        fn $name() {
            smol::block_on(async $body)
        }
    };
}
