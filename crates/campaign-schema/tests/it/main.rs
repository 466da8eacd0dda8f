//! campaign-schema's integration tests, one binary.

mod grades;
