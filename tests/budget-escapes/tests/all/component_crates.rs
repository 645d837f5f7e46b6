//! A workspace whose component crates declare their own memory with the macros: `payload` (a `buffer_bins!`
//! table and a `#[memory_pool]`) and `comms` (a `buffer_bins!` table), each built with
//! `Builder::component_crate()`, and the binary, which includes the plan and counts both
//! (`Builder::counts_crates`). The plan's path reaches every build script through `[env]` in
//! `.cargo/config.toml`, the documented way. Counted together they must fit; over together, the binary does not
//! compile; a crate the binary does not count does not link; a crate built from another plan does not compile.

use crate::app::{Crate, fits, plan, refused, two_platforms};

const CONFIG: &str = "[env]\nFLIGHT_MEMORY_CONFIG = { value = \"memory.toml\", relative = true }\n";

/// [`CONFIG`], optimised for size with fat LTO, the way firmware is built: the link-time checks must hold when
/// the whole program is one object and unused code is gone.
const LTO_CONFIG: &str = "[env]\nFLIGHT_MEMORY_CONFIG = { value = \"memory.toml\", relative = true }\n\n\
    [profile.dev]\nopt-level = \"s\"\nlto = \"fat\"\n";

const COMPONENT_BUILD: &str = "fn main() {\n\
    flight_memory_gen::build_component_crate(std::env::var(\"FLIGHT_MEMORY_CONFIG\").unwrap());\n\
}\n";

/// The binary's build script, counting `crates`, with `more` of the builder's calls after that.
fn program_build(crates: &str, more: &str) -> String {
    format!(
        "fn main() {{\n\
         let plan = std::env::var(\"FLIGHT_MEMORY_CONFIG\").expect(\"FLIGHT_MEMORY_CONFIG in .cargo/config.toml\");\n\
         let generated = flight_memory_gen::Builder::new().config(plan).counts_crates([{crates}]){more}.generate();\n\
         if let Err(error) = generated {{\n\
             error.report(&mut std::io::stdout(), &mut std::io::stderr()).unwrap();\n\
             std::process::exit(1);\n\
         }}\n\
         }}\n"
    )
}

const PAYLOAD: &str = "flight_memory::include_memory!();\n\
    flight_memory::buffer_bins! { pub static IMAGES: in \"sram\" { 4096 x 4 } }\n\
    #[flight_memory::memory_pool(count = 8, region = \"sram\")]\n\
    pub struct Frame(pub [u8; 1000]);\n\
    pub fn capture() -> usize {\n\
        let frame = Frame::pool().alloc(Frame([7; 1000])).ok().expect(\"a frame\");\n\
        IMAGES.allocate(100).map_or(0, |buffer| buffer.len()) + frame.0.len()\n\
    }\n\
    #[cfg(test)]\n\
    mod tests {\n\
        #[test]\n\
        fn captures() { assert_eq!(super::capture(), 1100); }\n\
    }\n";

const COMMS: &str = "flight_memory::include_memory!();\n\
    flight_memory::buffer_bins! { pub static RX: in \"sram\" { 1024 x 16 } }\n\
    pub fn receive() -> usize { RX.allocate(512).map_or(0, |buffer| buffer.len()) }\n";

const MAIN: &str = "flight_memory::include_memory!();\n\
    fn main() {\n\
        println!(\"{} {}\", payload::capture(), comms::receive());\n\
        println!(\"{}\", memory::PLATFORM);\n\
    }\n";

fn members(comms_build: &'static str) -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    vec![
        (
            "payload",
            vec![("src/lib.rs", PAYLOAD), ("build.rs", COMPONENT_BUILD)],
        ),
        (
            "comms",
            vec![("src/lib.rs", COMMS), ("build.rs", comms_build)],
        ),
    ]
}

/// Runs `cargo COMMAND` (`build`, `test`) on the workspace with `.cargo/config.toml` `config` and `plan`, the
/// binary's build script being `build`.
fn workspace(
    command: &str,
    name: &str,
    config: &str,
    plan: String,
    build: &str,
    comms_build: &'static str,
    expected: Option<&[&str]>,
) -> String {
    let members = members(comms_build);
    let members: Vec<(&str, &[(&str, &str)])> = members.iter().map(|(n, f)| (*n, &f[..])).collect();
    let files = [
        (".cargo/config.toml", config),
        ("build.rs", build),
        ("src/main.rs", MAIN),
    ];
    let krate = Crate {
        plan,
        files: &files,
        members: &members,
        command,
        ..Crate::default()
    };
    match expected {
        None => {
            fits(name, &krate);
            String::new()
        }
        Some(expected) => refused(name, &krate, expected),
    }
}

/// payload: 4 x 4096 + 8 x 1000 bytes and metadata; comms: 16 x 1024 and metadata. Together about 41 KiB.
#[test]
fn a_binary_counts_the_memory_of_its_two_component_crates() {
    workspace(
        "build",
        "components counted",
        CONFIG,
        plan(65536),
        &program_build("\"payload\", \"comms\"", ""),
        COMPONENT_BUILD,
        None,
    );
}

#[test]
fn component_crates_over_the_region_together_fail_the_binary() {
    // Each fits alone (25 KiB and 16 KiB), not together.
    workspace(
        "build",
        "components over together",
        CONFIG,
        plan(30000),
        &program_build("\"payload\", \"comms\"", ""),
        COMPONENT_BUILD,
        Some(&[
            "region `sram` of platform `obc` is over its size",
            "of crate `payload`",
            "of crate `comms`",
            "help: make region `sram` at least",
        ]),
    );
}

#[test]
fn a_component_crate_the_binary_does_not_count_fails_to_link() {
    workspace(
        "build",
        "component not counted",
        CONFIG,
        plan(65536),
        &program_build("\"payload\"", ""),
        COMPONENT_BUILD,
        Some(&["flight_memory_budget_does_not_count_crate_comms"]),
    );
}

#[test]
fn a_component_crate_over_with_the_plans_items_alone_fails_in_the_component() {
    // 20,000 bytes: payload's uses need 24,790 (rustc finds it at its first use), comms' 16,799 fit.
    workspace(
        "build",
        "component over alone",
        CONFIG,
        plan(20000),
        &program_build("\"payload\", \"comms\"", ""),
        COMPONENT_BUILD,
        Some(&[
            "region `sram` of platform `obc` is over its size: its items need 24790 bytes, it has 20000",
            "buffer_bins! `IMAGES` of crate `payload` (src/lib.rs:2:42)",
            "could not compile `payload`",
        ]),
    );
}

#[test]
fn a_component_crate_generated_from_another_plan_is_refused() {
    const OTHER_PLAN: &str = "fn main() {\n\
        std::fs::write(\"other.toml\", \"[platform]\\nname = \\\"obc\\\"\\nbudget = \\\"1 MiB\\\"\\n\\n[regions.sram]\\nsize = 65536\\n\\n[regions.dtcm]\\nsize = 65536\\n# another plan\\n\").unwrap();\n\
        flight_memory_gen::Builder::new().config(\"other.toml\").component_crate().generate().unwrap();\n\
    }\n";
    workspace(
        "build",
        "component from another plan",
        CONFIG,
        plan(65536),
        &program_build("\"payload\", \"comms\"", ""),
        OTHER_PLAN,
        Some(&["crate `comms` was generated from another memory plan"]),
    );
}

#[test]
fn component_crates_over_on_the_other_platform_fail_the_binary() {
    // `flight` (the default) has 64 KiB of sram, `ground` 30,000 bytes: the build selects `flight`.
    workspace(
        "build",
        "components over on ground",
        CONFIG,
        two_platforms(30000),
        &program_build("\"payload\", \"comms\"", ""),
        COMPONENT_BUILD,
        Some(&["region `sram` of platform `ground` is over its size"]),
    );
}

#[test]
fn a_component_crates_unit_tests_are_a_program_of_their_own() {
    // `cargo test` links payload's unit tests without the binary: they define the name themselves.
    workspace(
        "test",
        "component unit tests",
        CONFIG,
        plan(65536),
        &program_build("\"payload\", \"comms\"", ""),
        COMPONENT_BUILD,
        None,
    );
}

#[test]
fn a_component_crate_the_binary_does_not_count_fails_to_link_with_lto() {
    workspace(
        "build",
        "component not counted, LTO",
        LTO_CONFIG,
        plan(65536),
        &program_build("\"payload\"", ""),
        COMPONENT_BUILD,
        Some(&["flight_memory_budget_does_not_count_crate_comms"]),
    );
}

#[test]
fn a_binary_counts_the_memory_of_its_component_crates_with_lto() {
    workspace(
        "build",
        "components counted, LTO",
        LTO_CONFIG,
        plan(65536),
        &program_build("\"payload\", \"comms\"", ""),
        COMPONENT_BUILD,
        None,
    );
}

#[test]
fn a_binary_built_for_another_platform_than_its_components_is_refused() {
    // The binary selects `ground` in its build script; the components select the default, `flight`: their
    // storage would be in `flight`'s sections.
    workspace(
        "build",
        "components for another platform",
        CONFIG,
        two_platforms(65536),
        &program_build("\"payload\", \"comms\"", ".platform(\"ground\")"),
        COMPONENT_BUILD,
        Some(&["crate `payload` was generated for another platform than this program's `ground`"]),
    );
}
