//! Plans that fit exactly: the region is grown to what the errors ask for ("at least N bytes") until the crate
//! builds; then it builds with exactly N bytes and is refused with N - 1. So every advice is right, and no byte
//! is counted twice or left out.

use crate::app::{Crate, build, plan, two_platforms};
use crate::harness::show;

/// The `N` of the first "[Mm]ake region `R` at least N bytes" in `text`.
fn at_least(text: &str) -> Option<u64> {
    let advice = text.find("ake region `")?;
    let start = advice + text[advice..].find("at least ")? + "at least ".len();
    let digits: String = text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Grows region `sram` of `plan_of(size)` from 1 byte as the errors ask, and checks the boundary. Returns the
/// exact size.
fn exact(name: &str, files: &[(&str, &str)], plan_of: fn(u64) -> String) -> u64 {
    let mut size = 1;
    for _ in 0..8 {
        let output = build(&Crate {
            plan: plan_of(size),
            files,
            ..Crate::default()
        });
        if output.status.success() {
            let short = build(&Crate {
                plan: plan_of(size - 1),
                files,
                ..Crate::default()
            });
            assert!(
                !short.status.success(),
                "case `{name}`: fits {size} bytes and also {}\n{}",
                size - 1,
                show(&short)
            );
            return size;
        }
        let text = show(&output);
        let asked = at_least(&text)
            .unwrap_or_else(|| panic!("case `{name}`: no \"at least N bytes\" in\n{text}"));
        assert!(
            asked > size,
            "case `{name}`: asked for {asked} with {size}\n{text}"
        );
        size = asked;
    }
    panic!("case `{name}`: still refused after eight sizes");
}

const LIB_BINS: &str = "flight_memory::include_memory!();\n\
                        flight_memory::buffer_bins! { pub static BINS: in \"sram\" { 100 x 3, 700 x 2 } }\n";

const LIB_POOL: &str = "flight_memory::include_memory!();\n\
                        #[flight_memory::memory_pool(count = 10, region = \"sram\")]\npub struct Sample(pub [u16; 33]);\n";

#[test]
fn bins_fit_exactly() {
    exact("bins", &[("src/lib.rs", LIB_BINS)], plan);
}

#[test]
fn a_macro_pool_fits_exactly() {
    exact("pool", &[("src/lib.rs", LIB_POOL)], plan);
}

fn with_type_pool(size: u64) -> String {
    format!(
        "{}\n[pools.samples]\nregion = \"sram\"\ntype = \"crate::Sample\"\ncount = 7\n",
        plan(size)
    )
}

#[test]
fn a_type_pool_fits_exactly() {
    let lib = "flight_memory::include_memory!();\npub struct Sample(pub [u32; 9]);\n";
    exact("type pool", &[("src/lib.rs", lib)], with_type_pool);
}

fn with_plan_items(size: u64) -> String {
    format!(
        "{}\n[pools.blocks]\nregion = \"sram\"\nblock_size = 100\ncount = 5\n\n[buffer_managers.comm]\n\
         region = \"sram\"\nbins = [ {{ size = 128, count = 2 }} ]\n",
        plan(size)
    )
}

#[test]
fn memory_toml_items_fit_exactly() {
    let lib = "flight_memory::include_memory!();\n";
    exact("plan items", &[("src/lib.rs", lib)], with_plan_items);
}

#[test]
fn everything_in_one_region_fits_exactly() {
    let lib = "flight_memory::include_memory!();\npub struct Sample(pub [u32; 9]);\n\
               flight_memory::buffer_bins! { pub static BINS: in \"sram\" { 100 x 3 } }\n\
               pub fn f() {\n    #[flight_memory::memory_pool(count = 3, region = \"sram\")]\n    struct Local(u64);\n    let _ = Local::pool();\n}\n";
    let size = exact("everything", &[("src/lib.rs", lib)], with_everything);
    assert!(size > 0);
}

fn with_everything(size: u64) -> String {
    format!(
        "{}\n[pools.samples]\nregion = \"sram\"\ntype = \"crate::Sample\"\ncount = 7\n\n[pools.blocks]\nregion = \
         \"sram\"\nblock_size = 100\ncount = 5\n",
        plan(size)
    )
}

#[test]
fn a_second_platform_fits_exactly() {
    let size = exact("ground", &[("src/lib.rs", LIB_BINS)], two_platforms);
    let flight = exact("flight, for comparison", &[("src/lib.rs", LIB_BINS)], plan);
    // The same items on both platforms need the same bytes.
    assert_eq!(size, flight);
}

#[test]
fn the_advice_parser_reads_the_number() {
    assert_eq!(
        at_least("make region `sram` at least 7663 bytes"),
        Some(7663)
    );
    assert_eq!(at_least("no advice"), None);
}
