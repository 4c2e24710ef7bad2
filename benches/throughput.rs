//! Placeholder while the throughput benchmark is being written.
fn main() {}
