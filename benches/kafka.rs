//! Placeholder while the kafka benchmark is being written.
fn main() {}
