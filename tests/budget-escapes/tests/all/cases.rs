//! The cases: each refused with its error at the right place, or accepted. The first ones are the escapes of
//! issue 11, word for word.

use crate::app::{Crate, fits, plan, refused, two_platforms};

/// `1024 x 3` buffers: 3072 bytes of storage plus the manager's state, so 6500 bytes hold one and not two
/// (and the build script's lower bound, the storage, lets two through: rustc refuses them).
const ONE_OF_TWO: u64 = 6500;

const BINS_MODULE: &str =
    "flight_memory::buffer_bins! { pub static BINS: in \"sram\" { 1024 x 3 } }\n";

fn with_main(lib: &str) -> String {
    format!("flight_memory::include_memory!();\n{lib}")
}

#[test]
fn issue_same_bins_at_module_level_and_in_a_function() {
    let lib = with_main(&format!(
        "{BINS_MODULE}pub fn f() {{\n    flight_memory::buffer_bins! {{ pub static BINS: in \"sram\" {{ 1024 x 3 }} }}\n    let _ = &BINS;\n}}\n"
    ));
    refused(
        "bins twice",
        &Crate {
            plan: plan(ONE_OF_TWO),
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
        &[
            "region `sram` of platform `obc` is over its size",
            "buffer_bins! `BINS` (src/lib.rs:2:42)",
            "buffer_bins! `BINS` (src/lib.rs:4:46)",
            // One error, at the first use; it lists both.
            "--> src/lib.rs:2:42",
        ],
    );
}

#[test]
fn issue_same_pool_name_at_module_level_and_in_a_function() {
    let lib = with_main(
        "#[flight_memory::memory_pool(count = 4, region = \"sram\")]\npub struct Packet([u8; 1000]);\n\
         pub fn f() {\n    #[flight_memory::memory_pool(count = 4, region = \"sram\")]\n    struct Packet([u8; 1000]);\n    let _ = Packet::pool();\n}\n",
    );
    refused(
        "pools twice",
        &Crate {
            plan: plan(6000),
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
        &[
            "#[memory_pool] on `Packet` (src/lib.rs:3:12)",
            "#[memory_pool] on `Packet` (src/lib.rs:6:12)",
        ],
    );
}

#[test]
fn issue_never_compiled_bins_do_not_vouch_for_two_in_functions() {
    let lib = with_main(
        "#[cfg(any())]\nflight_memory::buffer_bins! { pub static BINS: in \"sram\" { 1024 x 3 } }\n\
         pub fn f() { flight_memory::buffer_bins! { static BINS: in \"sram\" { 1024 x 3 } } let _ = &BINS; }\n\
         pub fn g() { flight_memory::buffer_bins! { static BINS: in \"sram\" { 1024 x 3 } } let _ = &BINS; }\n",
    );
    refused(
        "cfg(any()) and two in functions",
        &Crate {
            plan: plan(ONE_OF_TWO),
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
        &["(src/lib.rs:4:", "(src/lib.rs:5:", "is over its size"],
    );
}

#[test]
fn issue_never_compiled_bins_are_not_counted() {
    let lib = with_main(
        "#[cfg(any())]\nflight_memory::buffer_bins! { pub static BIG: in \"sram\" { 65536 x 4 } }\n",
    );
    fits(
        "cfg(any()) alone",
        &Crate {
            plan: plan(1024),
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
    );
}

#[test]
fn issue_gated_module_without_its_feature_fits() {
    let lib = with_main(
        "#[cfg(feature = \"gated\")]\nmod gated {\n    flight_memory::buffer_bins! { pub static BIG: in \"sram\" { 65536 x 4 } }\n}\n",
    );
    fits(
        "gated, off",
        &Crate {
            plan: plan(1024),
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
    );
}

#[test]
fn gated_module_with_its_feature_is_counted() {
    let lib = with_main(
        "#[cfg(feature = \"gated\")]\nmod gated {\n    flight_memory::buffer_bins! { pub static BIG: in \"sram\" { 65536 x 4 } }\n}\n",
    );
    refused(
        "gated, on",
        &Crate {
            plan: plan(1024),
            files: &[("src/lib.rs", &lib)],
            features: &["gated"],
            ..Crate::default()
        },
        // The build script knows the feature is on: its totals refuse it before rustc.
        &[
            "memory.toml:6:8: region `sram` of platform `obc` is over its size with the macros' items",
            "src/lib.rs:4:46: buffer_bins! `BIG`: at least 262144 bytes",
            "Make region `sram` at least 262144 bytes for platform `obc`",
        ],
    );
}

#[test]
fn gated_module_file_without_its_feature_fits() {
    let lib = with_main("#[cfg(feature = \"gated\")]\nmod radio;\n");
    fits(
        "gated file, off",
        &Crate {
            plan: plan(1024),
            files: &[
                ("src/lib.rs", &lib),
                (
                    "src/radio.rs",
                    "flight_memory::buffer_bins! { pub static BIG: in \"sram\" { 65536 x 4 } }\n",
                ),
            ],
            ..Crate::default()
        },
    );
}

#[test]
fn test_only_bins_are_counted_by_the_build_script_with_a_warning() {
    let lib = with_main(
        "#[cfg(test)]\nmod tests {\n    flight_memory::buffer_bins! { static BIG: in \"sram\" { 65536 x 4 } }\n}\n",
    );
    let krate = Crate {
        plan: plan(1024),
        files: &[("src/lib.rs", &lib)],
        ..Crate::default()
    };
    // `cfg(test)` is undecidable to a build script: counted in its totals (so refused there), with a warning.
    refused(
        "cfg(test)",
        &krate,
        &[
            "the build script cannot decide `#[cfg(test)]`",
            "at least 262144 bytes",
        ],
    );
}

#[test]
fn target_gated_bins_for_another_target_fit() {
    let lib = with_main(
        "#[cfg(target_os = \"none\")]\nflight_memory::buffer_bins! { pub static BIG: in \"sram\" { 65536 x 4 } }\n",
    );
    fits(
        "target_os = none",
        &Crate {
            plan: plan(1024),
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
    );
}

#[test]
fn not_gated_bins_are_counted() {
    let lib = with_main(
        "#[cfg(not(feature = \"gated\"))]\nflight_memory::buffer_bins! { pub static BIG: in \"sram\" { 65536 x 4 } }\n",
    );
    refused(
        "not(gated)",
        &Crate {
            plan: plan(1024),
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
        &["buffer_bins! `BIG`: at least 262144 bytes"],
    );
}

#[test]
fn issue_non_default_platform_over_because_of_a_macro_item() {
    let lib = with_main(BINS_MODULE);
    refused(
        "ground over by bins",
        &Crate {
            plan: two_platforms(3000),
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
        &["region `sram` of platform `ground` is over its size with the macros' items"],
    );
}

#[test]
fn non_default_platform_over_by_rustc_sizes_only() {
    // 3072 bytes of storage fit 3100, the manager's state does not: only rustc can tell.
    let lib = with_main(BINS_MODULE);
    refused(
        "ground over by rustc's sizes",
        &Crate {
            plan: two_platforms(3100),
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
        &[
            "region `sram` of platform `ground` is over its size: its items need",
            "--> src/lib.rs:2:42",
            "help: make region `sram` at least",
        ],
    );
}

#[test]
fn issue_non_default_platform_over_because_of_a_type_pool() {
    let plan = format!(
        "{}\n[pools.samples]\nregion = \"sram\"\ntype = \"crate::Sample\"\ncount = 64\n",
        two_platforms(4096)
    );
    let lib = with_main("pub struct Sample(pub [u8; 100]);\n");
    refused(
        "ground over by a type pool",
        &Crate {
            plan,
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
        &[
            "region `sram` of platform `ground` is over its size",
            "pool `samples` (memory.toml:17:8: type = \"crate::Sample\")",
        ],
    );
}

#[test]
fn bins_made_by_macro_rules_are_refused() {
    let lib = with_main(
        "macro_rules! bins { ($name:ident) => { flight_memory::buffer_bins! { pub static $name: in \"sram\" { 8 x 1 } } } }\nbins!(MADE);\n",
    );
    refused(
        "macro_rules",
        &Crate {
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
        &[
            "buffer_bins! `MADE` is not in the memory budget",
            "did not find a use at src/lib.rs:3:7",
        ],
    );
}

#[test]
fn a_pool_made_by_macro_rules_is_refused() {
    let lib = with_main(
        "macro_rules! pool { () => { #[flight_memory::memory_pool(count = 1, region = \"sram\")] pub struct Made; } }\npool!();\n",
    );
    refused(
        "macro_rules pool",
        &Crate {
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
        &["#[memory_pool] on `Made` is not in the memory budget"],
    );
}

#[test]
fn bins_in_an_included_file_are_refused() {
    let lib = with_main("include!(\"extra.rs\");\n");
    refused(
        "include!",
        &Crate {
            files: &[
                ("src/lib.rs", &lib),
                (
                    "src/extra.rs",
                    "flight_memory::buffer_bins! { pub static EXTRA: in \"sram\" { 8 x 1 } }\n",
                ),
            ],
            ..Crate::default()
        },
        &["buffer_bins! `EXTRA` is not in the memory budget"],
    );
}

#[test]
fn a_file_compiled_twice_is_refused() {
    let lib = with_main("mod a;\n#[path = \"a.rs\"]\nmod b;\n");
    refused(
        "#[path] twice",
        &Crate {
            files: &[
                ("src/lib.rs", &lib),
                (
                    "src/a.rs",
                    "flight_memory::buffer_bins! { pub static TWICE: in \"sram\" { 8 x 1 } }\n",
                ),
            ],
            ..Crate::default()
        },
        &[
            "error[E0119]",
            "conflicting implementations of trait",
            "TWICE_at_src_a_rs_1_42",
        ],
    );
}

#[test]
fn a_pool_behind_cfg_attr_is_refused() {
    let lib = with_main(
        "#[cfg_attr(all(), flight_memory::memory_pool(count = 2, region = \"sram\"))]\npub struct Hidden(u32);\n",
    );
    refused(
        "cfg_attr",
        &Crate {
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
        &["#[memory_pool] on `Hidden` is not in the memory budget"],
    );
}

#[test]
fn issue_unknown_region_in_a_pool_is_located() {
    let lib = with_main(
        "#[flight_memory::memory_pool(count = 2, region = \"ccmm\")]\npub struct Sample(u32);\n",
    );
    refused(
        "unknown region, pool",
        &Crate {
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
        &[
            "src/lib.rs:2:50: #[memory_pool] on `Sample` is in region `ccmm`, which memory.toml does not declare \
             for platform `obc`; its regions are `sram` and `dtcm`",
        ],
    );
}

#[test]
fn unknown_region_in_bins_is_located() {
    let lib = with_main("flight_memory::buffer_bins! { pub static B: in \"ccmm\" { 8 x 1 } }\n");
    refused(
        "unknown region, bins",
        &Crate {
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
        &["src/lib.rs:2:48: buffer_bins! `B` is in region `ccmm`"],
    );
}

#[test]
fn bins_in_an_impl_method_are_counted() {
    let lib = with_main(
        "pub struct Radio;\nimpl Radio {\n    pub fn start() {\n        flight_memory::buffer_bins! { static RX: in \"sram\" { 65536 x 2 } }\n        let _ = &RX;\n    }\n}\n",
    );
    refused(
        "impl method",
        &Crate {
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
        &["src/lib.rs:5:46: buffer_bins! `RX`: at least 131072 bytes"],
    );
}

#[test]
fn uses_in_function_bodies_compile_without_warnings() {
    // A use in a function claims a type of the crate's `memory` module: rustc's `non_local_definitions` lint
    // must not fire on it (crates that deny warnings would not build).
    let lib = with_main(
        "pub fn start() -> usize {\n    flight_memory::buffer_bins! { static RX: in \"sram\" { 64 x 2 } }\n\
             #[flight_memory::memory_pool(count = 2, region = \"sram\")]\n    struct Sample(u32);\n\
             let sample = Sample::pool().alloc(Sample(7)).ok().map_or(0, |s| s.0 as usize);\n\
             RX.allocate(10).map_or(0, |b| b.len()) + sample\n}\n",
    );
    let output = crate::app::build(&Crate {
        files: &[("src/lib.rs", &lib)],
        command: "build",
        ..Crate::default()
    });
    let text = crate::harness::show(&output);
    assert!(output.status.success(), "{text}");
    assert!(!text.contains("warning"), "{text}");
}

#[test]
fn bins_in_a_closure_are_counted() {
    let lib = with_main(
        "pub fn run() -> impl Fn() {\n    || {\n        flight_memory::buffer_bins! { static RX: in \"sram\" { 65536 x 2 } }\n        let _ = &RX;\n    }\n}\n",
    );
    refused(
        "closure",
        &Crate {
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
        &["buffer_bins! `RX`: at least 131072 bytes"],
    );
}

#[test]
fn bins_in_nested_modules_and_files_are_counted() {
    let lib = with_main("pub mod radio;\n");
    refused(
        "nested",
        &Crate {
            files: &[
                ("src/lib.rs", &lib),
                ("src/radio.rs", "pub mod link { pub mod frames; }\n"),
                (
                    "src/radio/link/frames.rs",
                    "flight_memory::buffer_bins! { pub static DEEP: in \"sram\" { 65536 x 2 } }\n",
                ),
            ],
            ..Crate::default()
        },
        &["src/radio/link/frames.rs:1:42: buffer_bins! `DEEP`"],
    );
}

#[test]
fn a_pool_of_a_big_type_is_refused_by_rustc_at_the_struct() {
    let lib = with_main(
        "#[flight_memory::memory_pool(count = 2, region = \"sram\")]\npub struct Frame(pub [u8; 40000]);\n",
    );
    refused(
        "big type",
        &Crate {
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
        &[
            "region `sram` of platform `obc` is over its size: its items need",
            "#[memory_pool] on `Frame` (src/lib.rs:3:12)",
            "--> src/lib.rs:3:12",
        ],
    );
}

#[test]
fn several_uses_over_one_region_give_one_error_at_the_first_compiled_use() {
    // Three pools of 30,000-byte values in a 64 KiB region; the first is behind a feature that is off, so the
    // second (line 5) reports the region, once.
    let lib = with_main(
        "#[cfg(feature = \"gated\")]\n#[flight_memory::memory_pool(count = 1, region = \"sram\")]\npub struct A(pub [u8; 30000]);\n\
         #[flight_memory::memory_pool(count = 1, region = \"sram\")]\npub struct B(pub [u8; 30000]);\n\
         #[flight_memory::memory_pool(count = 1, region = \"sram\")]\npub struct C(pub [u8; 30000]);\n\
         #[flight_memory::memory_pool(count = 1, region = \"sram\")]\npub struct D(pub [u8; 30000]);\n",
    );
    let text = refused(
        "three over one region",
        &Crate {
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
        &[
            "region `sram` of platform `obc` is over its size: its items need",
            "#[memory_pool] on `D` (src/lib.rs:10:12)",
            "--> src/lib.rs:6:12",
        ],
    );
    assert_eq!(
        text.matches("is over its size").count(),
        1,
        "one error for the region, at its first compiled use:\n{text}"
    );
    assert!(
        !text.contains("#[memory_pool] on `A`"),
        "A is not compiled:\n{text}"
    );
}

#[test]
fn a_huge_type_is_refused() {
    let lib = with_main(
        "#[flight_memory::memory_pool(count = 4000, region = \"sram\")]\npub struct Huge(pub [u8; 1 << 40]);\n",
    );
    refused(
        "huge",
        &Crate {
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
        &[
            "is over its size: its items need",
            "#[memory_pool] on `Huge` (src/lib.rs:3:12)",
        ],
    );
}

#[test]
fn aligned_bins_count_their_padding() {
    // 64 buffers of 1 byte, each aligned to 4096: 256 KiB.
    let lib = with_main(
        "flight_memory::buffer_bins! { pub static ALIGNED: in \"sram\" align 4096 { 1 x 64 } }\n",
    );
    refused(
        "align",
        &Crate {
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
        &["buffer_bins! `ALIGNED`: at least 262144 bytes"],
    );
}

#[test]
fn a_plan_over_its_region_is_refused_by_the_build_script() {
    let plan = format!(
        "{}\n[pools.blocks]\nregion = \"sram\"\nblock_size = 1024\ncount = 128\n",
        plan(65536)
    );
    refused(
        "plan over",
        &Crate {
            plan,
            files: &[("src/lib.rs", &with_main(""))],
            ..Crate::default()
        },
        &["memory.toml:11:8: pool `blocks` needs 131648 bytes"],
    );
}

#[test]
fn an_edit_that_adds_a_use_is_refused_on_the_next_build() {
    let lib = with_main(BINS_MODULE);
    let krate = Crate {
        plan: plan(ONE_OF_TWO),
        files: &[("src/lib.rs", &lib)],
        ..Crate::default()
    };
    fits("before the edit", &krate);
    let edited = format!("{lib}pub mod more {{ {BINS_MODULE} }}\n");
    refused(
        "after the edit",
        &Crate {
            files: &[("src/lib.rs", &edited)],
            ..krate
        },
        &["buffer_bins! `BINS` (src/lib.rs:3:"],
    );
}

#[test]
fn lib_and_bin_share_the_librarys_plan() {
    let lib = with_main(BINS_MODULE);
    fits(
        "lib + bin",
        &Crate {
            files: &[
                ("src/lib.rs", &lib),
                (
                    "src/main.rs",
                    "use escape_app::memory;\nfn main() {\n    println!(\"{}\", memory::PLATFORM);\n    let _ = &escape_app::BINS;\n}\n",
                ),
            ],
            command: "build",
            ..Crate::default()
        },
    );
}

#[test]
fn a_binary_that_includes_the_librarys_plan_again_is_refused() {
    let lib = with_main(BINS_MODULE);
    refused(
        "bin includes again",
        &Crate {
            files: &[
                ("src/lib.rs", &lib),
                (
                    "src/main.rs",
                    "flight_memory::include_memory!();\nfn main() {}\n",
                ),
            ],
            ..Crate::default()
        },
        &[
            "include_memory!() is in a binary of a package whose library (src/lib.rs) has the memory plan",
        ],
    );
}

#[test]
fn macros_in_a_binary_of_a_library_package_are_refused() {
    let lib = with_main("");
    refused(
        "macros in the bin",
        &Crate {
            files: &[
                ("src/lib.rs", &lib),
                (
                    "src/main.rs",
                    "use escape_app::memory;\nflight_memory::buffer_bins! { static B: in \"sram\" { 8 x 1 } }\nfn main() { let _ = &B; }\n",
                ),
            ],
            ..Crate::default()
        },
        &[
            "it is in a binary, and the build script counts the uses of the package's library (src/lib.rs)",
        ],
    );
}

#[test]
fn issue_a_dependency_with_its_own_copy_of_the_plan_fails_to_link() {
    let lib = "flight_memory::include_memory!();\nflight_memory::buffer_bins! { pub static RADIO: in \"sram\" { 1024 x 40 } }\n";
    let main = "flight_memory::include_memory!();\nflight_memory::buffer_bins! { static APP: in \"sram\" { 1024 x 40 } }\n\
                fn main() { println!(\"{:p} {:p}\", &APP, &radio::RADIO); }\n";
    refused(
        "dependency with its own plan",
        &Crate {
            plan: plan(65536),
            files: &[("src/main.rs", main)],
            members: &[(
                "radio",
                &[
                    ("src/lib.rs", lib),
                    (
                        "build.rs",
                        "fn main() { flight_memory_gen::build(\"../../memory.toml\"); }\n",
                    ),
                ],
            )],
            command: "build",
            ..Crate::default()
        },
        &["flight_memory_plan_included_by_two_crates_of_one_program"],
    );
}

#[test]
fn a_dependency_with_its_own_copy_of_the_plan_fails_to_link_with_lto() {
    // Optimised for size with fat LTO, as firmware is: the whole program is one object, unused code is gone.
    let lib = "flight_memory::include_memory!();\nflight_memory::buffer_bins! { pub static RADIO: in \"sram\" { 1024 x 40 } }\n";
    let main = "flight_memory::include_memory!();\nflight_memory::buffer_bins! { static APP: in \"sram\" { 1024 x 40 } }\n\
                fn main() { println!(\"{:p} {:p}\", &APP, &radio::RADIO); }\n";
    refused(
        "dependency with its own plan, LTO",
        &Crate {
            plan: plan(65536),
            files: &[
                ("src/main.rs", main),
                (
                    ".cargo/config.toml",
                    "[profile.dev]\nopt-level = \"s\"\nlto = \"fat\"\n",
                ),
            ],
            members: &[(
                "radio",
                &[
                    ("src/lib.rs", lib),
                    (
                        "build.rs",
                        "fn main() { flight_memory_gen::build(\"../../memory.toml\"); }\n",
                    ),
                ],
            )],
            command: "build",
            ..Crate::default()
        },
        &["flight_memory_plan_included_by_two_crates_of_one_program"],
    );
}

#[test]
fn a_plan_over_by_itself_gets_advice_that_counts_the_macros_too() {
    let plan = format!(
        "{}\n[pools.blocks]\nregion = \"sram\"\nblock_size = 1024\ncount = 70\n",
        plan(65536)
    );
    // The pool alone needs 72,024 bytes; with the bins' 8192 bytes of buffers, at least 80,216.
    let lib = with_main("flight_memory::buffer_bins! { pub static B: in \"sram\" { 1024 x 8 } }\n");
    refused(
        "plan over, with macros",
        &Crate {
            plan,
            files: &[("src/lib.rs", &lib)],
            ..Crate::default()
        },
        &[
            "pool `blocks` needs 72024 bytes",
            "with the crate's macro uses: memory.toml:6:8: region `sram` of platform `obc` is over its size",
            "Make region `sram` at least 80216 bytes",
        ],
    );
}
