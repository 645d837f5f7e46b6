//! Generates `$OUT_DIR/flight_memory.rs` from `memory.toml`.

fn main() {
    flight_memory_gen::build("memory.toml");
}
