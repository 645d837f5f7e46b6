//! A component crate: its macro uses are counted by the binary that links it, not here.

fn main() {
    let plan = std::env::var("FLIGHT_MEMORY_CONFIG")
        .expect("FLIGHT_MEMORY_CONFIG (set in the workspace's .cargo/config.toml)");
    let generated = flight_memory_gen::Builder::new()
        .config(plan)
        .component_crate()
        .generate();
    if let Err(error) = generated {
        let _ = error.report(&mut std::io::stdout(), &mut std::io::stderr());
        std::process::exit(1);
    }
}
