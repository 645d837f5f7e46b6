//! Owner tags: whoever holds a block or buffer fills it with a tag of its own and checks the tag before giving
//! it back. A block handed out to two holders at once is overwritten by the second, and the first one's check
//! fails.

/// The main loop's tags have this in their top byte.
pub const MAIN: u32 = 0x4d00_0000;
/// The SysTick interrupt's.
pub const INTERRUPT: u32 = 0x4900_0000;

/// The tag of the `serial`-th allocation of `owner`.
pub const fn of(owner: u32, serial: u32) -> u32 {
    owner | (serial & 0x00ff_ffff)
}

/// Fills `bytes` with `tag`, little-endian, word after word (any tail takes the tag's first bytes).
pub fn write(bytes: &mut [u8], tag: u32) {
    let word = tag.to_le_bytes();
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = word[i % 4];
    }
}

/// Whether `bytes` still hold `tag` everywhere, as [`write`] left them.
pub fn holds(bytes: &[u8], tag: u32) -> bool {
    let word = tag.to_le_bytes();
    bytes
        .iter()
        .enumerate()
        .all(|(i, byte)| *byte == word[i % 4])
}
