//! Placeholder while the redis benchmark is being written.
fn main() {}
