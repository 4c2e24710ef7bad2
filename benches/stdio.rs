//! Placeholder while the stdio benchmark is being written.
fn main() {}
