//! campaign-benches: criterion benches of the request model, the contract checker and a load
//! run's accuracy against the simulator (`benches/benches/`, run with `cargo bench -p
//! campaign-benches`; see `benches/README.md`). This library itself is empty.
