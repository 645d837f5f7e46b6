//! The binary owns the plan: memory.toml's items, and the budget that counts the component crates' macro uses.

fn main() {
    let plan = std::env::var("FLIGHT_MEMORY_CONFIG")
        .expect("FLIGHT_MEMORY_CONFIG (set in the workspace's .cargo/config.toml)");
    let counted: &[&str] = if std::env::var_os("CARGO_FEATURE_FORGET_COMMS").is_some() {
        &["payload"]
    } else {
        &["payload", "comms"]
    };
    let generated = flight_memory_gen::Builder::new()
        .config(plan)
        .counts_crates(counted.iter().copied())
        .generate();
    if let Err(error) = generated {
        let _ = error.report(&mut std::io::stdout(), &mut std::io::stderr());
        std::process::exit(1);
    }
}
