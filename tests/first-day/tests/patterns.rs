//! The documented patterns of a user's first day, run.

use flight_memory::{AllocError, LinearBusy};

#[test]
fn question_mark_works_on_every_allocator_and_keeps_the_reason() {
    assert_eq!(first_day::first_hour(), Ok(13));
    assert_eq!(
        first_day::log_too_many(),
        Err(AllocError::Exhausted { capacity: 8 })
    );
}

#[test]
fn a_static_linear_component_is_reset_after_every_file() {
    let files: [&[u8]; 3] = [&[1; 3000], &[2; 16 * 1024], &[3; 10]];
    assert_eq!(
        first_day::stage_files(&files).unwrap(),
        (3000 + 16 * 1024 + 10, 16 * 1024)
    );
    let too_large: [&[u8]; 1] = [&[0; 16 * 1024 + 1]];
    let error = first_day::stage_files(&too_large).unwrap_err();
    assert!(
        matches!(error.downcast_ref(), Some(AllocError::OutOfMemory { .. })),
        "{error}"
    );
    // Once something is kept through the shared path, no scope may free it.
    let kept = first_day::memory::components::FILE_UPLINK
        .alloc(5u8)
        .unwrap();
    let refused = first_day::stage_files(&files).unwrap_err();
    assert_eq!(refused.downcast_ref(), Some(&LinearBusy::InUse { used: 1 }));
    assert_eq!(*kept, 5);
}

#[test]
fn telemetry_reads_like_fprime_channels() {
    let line = first_day::downlink_telemetry();
    assert!(
        line.starts_with("downlink: TotalBuffs 12 CurrBuffs 0 HiBuffs "),
        "{line}"
    );
    assert!(line.contains(" NoBuffs 0 EmptyBuffs 0 "), "{line}");
}
