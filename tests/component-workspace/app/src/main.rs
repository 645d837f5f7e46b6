//! The flight software: starts the payload and the radio, then reports the memory plan.

flight_memory::include_memory!();

use flight_memory::Allocator;

fn main() -> Result<(), flight_memory::AllocError> {
    let images = payload::capture()?;
    let frames = comms::receive()?;
    let downlink = memory::buffer_managers::DOWNLINK.allocate(200)?;
    println!(
        "payload captured {images} bytes, comms received {frames} bytes, downlink buffer {} bytes",
        downlink.len()
    );
    println!("{}", memory::PLATFORM);
    println!(
        "downlink: {} bytes in use",
        memory::buffer_managers::DOWNLINK.used_memory()
    );
    Ok(())
}
