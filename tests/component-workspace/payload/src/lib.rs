//! The camera payload: image buffers from its own `buffer_bins!` table, frames from its own `#[memory_pool]`.
//! Both are in the program's budget because the binary counts this crate (`Builder::counts_crates`).

flight_memory::include_memory!();

use flight_memory::AllocError;

flight_memory::buffer_bins! {
    /// Image buffers: thumbnails and full frames.
    pub static IMAGES: in "sram" { 1024 x 8, 4096 x 2 }
}

/// One raw frame from the sensor.
#[flight_memory::memory_pool(count = 4, region = "dtcm")]
pub struct Frame(pub [u8; 2048]);

/// Captures a frame and stores a thumbnail of it: the bytes stored.
///
/// # Errors
///
/// When no frame or no image buffer is free.
pub fn capture() -> Result<usize, AllocError> {
    let frame = Frame::pool().alloc(Frame([0x5a; 2048]))?;
    let mut thumbnail = IMAGES.allocate(1000)?;
    let len = thumbnail.len().min(frame.0.len());
    thumbnail[..len].copy_from_slice(&frame.0[..len]);
    Ok(len)
}

#[cfg(test)]
mod tests {
    // The crate's unit tests are a program of their own: they link without the binary.
    #[test]
    fn a_capture_stores_a_thumbnail() {
        assert_eq!(super::capture(), Ok(1000));
    }
}
