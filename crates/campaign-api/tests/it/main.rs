//! campaign-api's integration tests: one binary (one link, one run), a module per concern.
//! Each test drives the public surface only, as another crate would.

mod lifecycle_files;
mod secrets;
mod transport;
mod vendor_curl_samples;
