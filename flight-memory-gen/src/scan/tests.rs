use super::*;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fm-scan-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src/radio")).unwrap();
    dir
}

#[test]
fn follows_module_files_and_walks_every_body() {
    let dir = temp_dir("walk");
    let src = dir.join("src");
    std::fs::write(
        src.join("lib.rs"),
        "mod tlm; mod radio; mod missing; #[path = \"other_place.rs\"] mod other;\n\
         pub mod inner { pub mod deeper { #[memory_pool(count = 2, region = \"dtcm\")] pub struct Cmd; } }",
    )
    .unwrap();
    std::fs::write(
        src.join("tlm.rs"),
        "#[memory_pool(count = 64, region = \"sram\")]\npub struct Packet { b: [u8; 100] }\n\
         #[memory_pool(pool = \"telemetry_packet\")] pub struct Bound;\n\
         #[memory_pool(count = 4, region = \"sram\")] pub struct Generic<T>(T);\n\
         fn f() { buffer_bins! { static LOCAL: in \"sram\" { 64 x 4 } } }\n\
         impl Bound { fn g() { let _ = || { #[memory_pool(count = 1, region = \"sram\")] struct InClosure; }; } }",
    )
    .unwrap();
    std::fs::write(
        src.join("radio/mod.rs"),
        "mod link;\nbuffer_bins! { pub static UPLINK: in \"sram\" align 64 id 3 { 128 x 32, 1024 x 16 } \
         static DMA: in \"dtcm\" { 512 x 2 } }",
    )
    .unwrap();
    std::fs::write(
        src.join("radio/link.rs"),
        "#[flight_memory_macros::memory_pool(count = 3, region = \"sram\")] struct Frame(u32);",
    )
    .unwrap();
    std::fs::write(
        src.join("other_place.rs"),
        "macro_rules! hidden { () => { buffer_bins! { static H: in \"sram\" { 8 x 1 } } } }\n\
         trait T { fn f() { buffer_bins! { static IN_TRAIT: in \"sram\" { 8 x 1 } } } }",
    )
    .unwrap();
    let terms = scan_crate(src.join("lib.rs"), Some(&dir)).unwrap();
    let keys: Vec<&str> = terms.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "src/lib.rs:2:88",
            "src/tlm.rs:2:12",
            "src/tlm.rs:5:32",
            "src/tlm.rs:6:86",
            "src/radio/mod.rs:2:27",
            "src/radio/mod.rs:2:90",
            "src/radio/link.rs:1:73",
            "src/other_place.rs:2:42",
        ]
    );
    assert_eq!(terms[1].claim.as_deref(), Some("Packet_at_src_tlm_rs_2_12"));
    assert_eq!(terms[1].what, "#[memory_pool] on `Packet`");
    assert_eq!(terms[1].region_location.as_deref(), Some("src/tlm.rs:1:36"));
    // 64 values of at least 0 bytes: the pool's state and links.
    assert_eq!(terms[1].known_bytes, 64 + 64 * 4);
    // 128 x 32 + 1024 x 16, each aligned to 64.
    assert_eq!(terms[4].known_bytes, 128 * 32 + 1024 * 16);
    assert_eq!(terms[5].known_bytes, 512 * 2);
    assert_eq!(terms[5].region, "dtcm");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn records_the_cfg_around_each_use() {
    let terms = scan_source(
        "#[cfg(feature = \"gated\")] mod gated { buffer_bins! { static A: in \"sram\" { 8 x 1 } } }\n\
         #[cfg(any())] buffer_bins! { static B: in \"sram\" { 8 x 1 } }\n\
         fn f() { #[cfg(test)] { buffer_bins! { static C: in \"sram\" { 8 x 1 } } } }\n\
         #[cfg(unix)] impl X { #[cfg(not(test))] fn g() { buffer_bins! { static D: in \"sram\" { 8 x 1 } } } }\n\
         buffer_bins! { static E: in \"sram\" { 8 x 1 } }",
        "src/lib.rs",
    )
    .unwrap();
    let cfgs: Vec<Vec<&str>> = terms
        .iter()
        .map(|t| t.cfg.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        cfgs,
        [
            vec!["feature = \"gated\""],
            vec!["any ()"],
            vec!["test"],
            vec!["unix", "not (test)"],
            vec![],
        ]
    );
}

#[test]
fn a_file_reached_twice_is_counted_once() {
    let dir = temp_dir("twice");
    let src = dir.join("src");
    std::fs::write(
        src.join("lib.rs"),
        "mod a; #[path = \"a.rs\"] mod b; #[path = \"lib.rs\"] mod again;",
    )
    .unwrap();
    std::fs::write(
        src.join("a.rs"),
        "buffer_bins! { static A: in \"sram\" { 8 x 1 } }",
    )
    .unwrap();
    let terms = scan_crate(src.join("lib.rs"), Some(&dir)).unwrap();
    assert_eq!(terms.len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unparsable_sources_are_errors_and_bad_uses_are_left_to_the_macro() {
    assert!(scan_source("fn (", "src/lib.rs").is_err());
    let terms = scan_source(
        "#[memory_pool(cuont = 1, region = \"sram\")] struct A;\n\
         #[memory_pool(region = \"sram\")] struct B;\n\
         buffer_bins! { static X: in \"sram\" { 0 y 1 } }\n\
         other_macro! { buffer_bins! { static Y: in \"sram\" { 8 x 1 } } }",
        "src/lib.rs",
    )
    .unwrap();
    assert!(terms.is_empty());
}

#[test]
fn keys_are_relative_to_the_crate() {
    assert_eq!(
        key_file(Path::new("/w/app/src/a.rs"), Some(Path::new("/w/app"))),
        "src/a.rs"
    );
    assert_eq!(
        key_file(Path::new("/elsewhere/a.rs"), Some(Path::new("/w/app"))),
        "/elsewhere/a.rs"
    );
    assert_eq!(claim_name("X", "/e/a.rs", 1, 2), "X_at__e_a_rs_1_2");
}
