//! (console tests)
