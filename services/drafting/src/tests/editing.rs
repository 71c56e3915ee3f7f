//! (editing tests)
