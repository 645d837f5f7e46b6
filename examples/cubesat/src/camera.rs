//! The payload camera's thumbnails, in buffers of a bins table declared here with `buffer_bins!` (counted in
//! region `sram` by the build script, with the items of the plan): a 256-byte preview every
//! [`THUMBNAIL_EVERY`] cycles, and every fourth time a 4 KiB thumbnail instead. The telemetry component takes
//! them and counts them; a thumbnail goes back to its bin when it is dropped.

use flight_memory::{AllocError, Buffer, buffer_bins};

buffer_bins! {
    /// Thumbnail buffers: 8 previews of 256 bytes, 2 thumbnails of 4 KiB.
    pub static THUMBNAILS: in "sram" { 256 x 8, 4096 x 2 }
}

/// A thumbnail is taken once in this many cycles.
pub const THUMBNAIL_EVERY: u64 = 100;
/// Bytes of a preview.
const PREVIEW_BYTES: usize = 240;
/// Bytes of a full thumbnail.
const THUMBNAIL_BYTES: usize = 4000;

/// The thumbnail of `cycle`, in a buffer of [`THUMBNAILS`].
///
/// # Errors
///
/// The bin's error when no buffer of the size is free.
pub fn capture(cycle: u64) -> Result<Buffer<'static>, AllocError> {
    let shot = cycle / THUMBNAIL_EVERY;
    let len = if shot % 4 == 3 {
        THUMBNAIL_BYTES
    } else {
        PREVIEW_BYTES
    };
    let mut image = THUMBNAILS.allocate(len)?;
    for (i, pixel) in image.iter_mut().enumerate() {
        *pixel = (i as u64).wrapping_mul(31).wrapping_add(shot) as u8;
    }
    Ok(image)
}
