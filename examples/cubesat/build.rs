//! Generates the memory plan of the on-board computer from `configs/cubesat-obc.toml`, the same file
//! `flight-memory-gen check` and `report` read: `flight_memory::include_memory!()` in `main.rs` includes it.
//!
//! The plan has two platforms. A build uses `flight` (the default) unless `FLIGHT_MEMORY_PLATFORM` names another:
//!
//! ```text
//! cargo run -p cubesat                                        # flight: the board's regions and link sections
//! FLIGHT_MEMORY_PLATFORM=ground-sim cargo run -p cubesat      # the ground simulator: larger, no link sections
//! ```
//!
//! The flight platform places storage in ELF link sections (`.bss.sram`, `.dtcm`). Hosts whose object format
//! has other section names (macOS, Windows) get the ground simulator unless a platform is asked for.

/// The plan, relative to this crate (cargo runs build scripts in the crate's directory, and reads relative
/// `rerun-if-changed` paths from there too).
const PLAN: &str = "../../configs/cubesat-obc.toml";

fn main() {
    let mut builder = flight_memory_gen::Builder::new();
    builder.config(PLAN);
    let chosen =
        std::env::var_os(flight_memory_gen::PLATFORM_ENV).is_some_and(|name| !name.is_empty());
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if !chosen && matches!(target_os.as_str(), "macos" | "ios" | "windows") {
        builder.platform("ground-sim");
    }
    // Prints `cargo::rerun-if-changed` for the plan and `rerun-if-env-changed` for the platform variable, and
    // on error every diagnostic with its location in the plan, failing the build.
    if let Err(error) = builder.generate() {
        let _ = error.report(&mut std::io::stdout(), &mut std::io::stderr());
        std::process::exit(1);
    }
}
