//! A component crate: its macro uses are counted by the binary that links it, not here.

fn main() {
    let plan = std::env::var("FLIGHT_MEMORY_CONFIG")
        .expect("FLIGHT_MEMORY_CONFIG (set in the workspace's .cargo/config.toml)");
    flight_memory_gen::build_component_crate(plan);
}
