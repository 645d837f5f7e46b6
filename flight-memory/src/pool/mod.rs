//! Fixed-block pools: [`MemoryPool`] (untyped: `COUNT` blocks of `BLOCK_SIZE` bytes) and [`TypedPool`] (`N`
//! blocks for a `T`), both O(1), lock-free where the target has compare-and-swap, and `const`-constructible
//! with all-zero state so a `static` pool needs no start-up work.
//!
//! * `ledger`: what both share, the index free list (`crate::free_list`) and the counters, without the blocks.
//! * `storage`: where a `MemoryPool`'s bytes live, inline or in a `static` of their own. Start-up code on real
//!   boards zeroes `.bss` only, and a region in its own section (DTCM, CCM RAM) is often neither zeroed nor
//!   copied; so the pool state, which must start at zero, stays in the pool (`.bss`, or `.data` for the
//!   separate-blocks form), and only the block bytes, which need no initial value, may go to such a section.
//! * `untyped` and `pool_block`: `MemoryPool` and its owning handle `PoolBlock`, with validated raw frees.
//! * `typed` and `pool_box`: `TypedPool` and its owning box `PoolBox`; `typed_slots`: where its values live,
//!   inline or in a `static` of their own, as `storage` for `MemoryPool`.
//!
//! Cost per allocation and per free, for pools of up to 65,533 blocks on targets with 64-bit compare-and-swap:
//! one compare-and-swap on the free list and nothing else, since the list counts in its head word. Larger pools
//! add an atomic add per free, 32-bit targets one per allocation and per free; without compare-and-swap it is a
//! short critical section. Allocations, frees, bytes in use and the peak are derived when statistics are read.

mod ledger;
mod pool_block;
mod pool_box;
mod storage;
mod typed;
mod typed_slots;
mod untyped;

pub use pool_block::PoolBlock;
pub use pool_box::PoolBox;
pub use storage::{PoolBlocks, PoolStorage};
pub use typed::TypedPool;
pub use typed_slots::{TypedSlots, TypedStorage};
pub use untyped::MemoryPool;
