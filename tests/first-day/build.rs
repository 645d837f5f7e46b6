//! Generates `$OUT_DIR/flight_memory.rs` from `memory.toml`, with the macros' items in its ledger.

fn main() {
    flight_memory_gen::build("memory.toml");
}
