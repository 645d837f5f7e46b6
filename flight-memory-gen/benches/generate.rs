//! How long a build script's work takes: checking a memory.toml (every platform) and generating the code of one
//! platform, for 100, 1,000 and 10,000 items. The target is at most 100 ms for 10,000 items.
//!
//! ```text
//! cargo bench -p flight-memory-gen --bench generate
//! ```
//!
//! The figures are in BENCHMARKS.md at the root of the workspace.

// `criterion_group!` declares a public function without documentation.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// A memory.toml with `items` items spread over four regions, on two platforms: block pools, typed pools,
/// buffer managers, linear and stack components.
fn config(items: usize) -> String {
    let mut text = String::from(
        "[platforms.flight]\nbudget = \"4 GiB\"\ndefault = true\n\n\
         [platforms.ground]\nbudget = \"64 GiB\"\nregions = { r0 = \"8 GiB\", r1 = \"8 GiB\" }\n\n",
    );
    for r in 0..4 {
        text.push_str(&format!(
            "[regions.r{r}]\nsize = \"1 GiB\"\nsection = \".bss.r{r}\"\n\n"
        ));
    }
    for i in 0..items {
        let region = i % 4;
        match i % 5 {
            0 => text.push_str(&format!(
                "[pools.pool_{i}]\nregion = \"r{region}\"\nblock_size = {}\ncount = {}\nalign = 16\n\n",
                32 + i % 200,
                1 + i % 50
            )),
            1 => text.push_str(&format!(
                "[components.stack_{i}]\nregion = \"r{region}\"\nstrategy = \"stack\"\nsize = \"{} KiB\"\n\n",
                1 + i % 8
            )),
            2 => text.push_str(&format!(
                "[buffer_managers.bm_{i}]\nregion = \"r{region}\"\nbins = [ {{ size = 128, count = 8 }}, \
                 {{ size = \"1 KiB\", count = 4 }}, {{ size = 4096, count = 2 }} ]\nid = {i}\n\n"
            )),
            3 => text.push_str(&format!(
                "[components.lin_{i}]\nregion = \"r{region}\"\nstrategy = \"linear\"\nsize = \"{} KiB\"\n\n",
                1 + i % 16
            )),
            _ => text.push_str(&format!(
                "[pools.typed_{i}]\nregion = \"r{region}\"\ntype = \"crate::msg::Packet{}\"\ncount = 8\n\n",
                i % 7
            )),
        }
    }
    text
}

fn check_and_generate(c: &mut Criterion) {
    let mut group = c.benchmark_group("memory_toml");
    for items in [100usize, 1_000, 10_000] {
        let text = config(items);
        if items >= 10_000 {
            group.sample_size(20);
            group.measurement_time(Duration::from_secs(4));
        }
        group.bench_with_input(
            BenchmarkId::new("check_and_generate", items),
            &text,
            |b, text| {
                b.iter(|| {
                    let checked = flight_memory_gen::check_str("memory.toml", black_box(text))
                        .expect("the config passes");
                    flight_memory_gen::generate(&checked, "flight").expect("a platform")
                });
            },
        );
        group.bench_with_input(BenchmarkId::new("check", items), &text, |b, text| {
            b.iter(|| {
                flight_memory_gen::check_str("memory.toml", black_box(text)).expect("passes")
            });
        });
        let checked = flight_memory_gen::check_str("memory.toml", &text).expect("passes");
        group.bench_with_input(
            BenchmarkId::new("generate", items),
            &checked,
            |b, checked| {
                b.iter(|| {
                    flight_memory_gen::generate(black_box(checked), "flight").expect("a platform")
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, check_and_generate);
criterion_main!(benches);
