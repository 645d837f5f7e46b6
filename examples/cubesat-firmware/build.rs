//! Picks the board from the target, copies its `memory.x` where cortex-m-rt's `link.x` looks for it, and
//! generates the memory plan of that board's platform from `memory.toml`.
//!
//! | target | board (QEMU machine) | platform of memory.toml |
//! |---|---|---|
//! | `thumbv7em-none-eabihf` (and other ARMv7-M) | `mps2-an386`, Cortex-M4F | `an386` |
//! | `thumbv6m-none-eabi` | `microbit`, Cortex-M0 | `microbit` |

use std::path::PathBuf;

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    let board = if target.starts_with("thumbv6m") {
        "microbit"
    } else {
        "an386"
    };

    let out =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts"));
    let memory_x = format!("boards/{board}/memory.x");
    if let Err(error) = std::fs::copy(&memory_x, out.join("memory.x")) {
        println!("cargo::error=cannot copy {memory_x} to OUT_DIR: {error}");
        std::process::exit(1);
    }
    println!("cargo::rustc-link-search={}", out.display());
    println!("cargo::rerun-if-changed={memory_x}");
    println!("cargo::rustc-env=FIRMWARE_BOARD={board}");

    let mut builder = flight_memory_gen::Builder::new();
    builder.config("memory.toml").platform(board);
    // Prints `cargo::rerun-if-changed` for the plan and, on error, every diagnostic with its location in the
    // plan, failing the build.
    if let Err(error) = builder.generate() {
        let _ = error.report(&mut std::io::stdout(), &mut std::io::stderr());
        std::process::exit(1);
    }

    // Feature `without-fragment`: `scripts/qemu.sh` links one image as if `-Tflight-memory.x` had been left out
    // of .cargo/config.toml, to show that `flight-memory-gen verify` refuses it. The fragment is then empty.
    if std::env::var_os("CARGO_FEATURE_WITHOUT_FRAGMENT").is_some() {
        let fragment = out.join("flight-memory.x");
        if let Err(error) = std::fs::write(
            &fragment,
            "/* left out on purpose: feature without-fragment */\n",
        ) {
            println!("cargo::error=cannot write {}: {error}", fragment.display());
            std::process::exit(1);
        }
    }
}
