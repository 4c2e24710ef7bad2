//! Runtime shim (being built).
