//! Model-based tests of `MemoryPool` and `TypedPool`: random sequences of operations (owning handles, raw
//! pointers, and wrong frees of every kind) run against the pool and against a plain model, and after every step
//! the live blocks must be distinct, in bounds, aligned, hold what their owner wrote, and the statistics must equal
//! the model's.
#![cfg(not(loom))]

use std::cell::Cell;
use std::ptr::NonNull;
use std::rc::Rc;
use std::vec::Vec;

use flight_memory::{
    AllocError, Allocator, FreeError, MemoryPool, PoolBlock, PoolBlocks, PoolBox, PoolStorage,
    StatsSnapshot, TypedPool, TypedSlots, TypedStorage,
};
use proptest::prelude::*;
use proptest::sample::Index;

#[derive(Clone, Debug)]
enum Op {
    /// `MemoryPool::allocate`.
    Allocate,
    /// `Allocator::allocate` with this size and alignment (possibly invalid).
    AllocateRaw { size: usize, align: usize },
    /// Drop a handle.
    DropHandle(Index),
    /// `PoolBlock::into_raw`.
    IntoRaw(Index),
    /// `deallocate_raw` of a raw block, or `Allocator::deallocate` when `through_trait`.
    FreeRaw { which: Index, through_trait: bool },
    /// Free the same raw pointer twice: the second must be refused.
    DoubleFree(Index),
    /// Free the start of block `block` when it is not allocated to a raw pointer: refused.
    FreeUnallocated(Index),
    /// Free a pointer `offset` bytes into a block (never its start): refused.
    FreeInterior { block: Index, offset: Index },
    /// Free a pointer outside the pool's blocks: refused.
    FreeForeign { side: u8, distance: usize },
    /// Free the pointer of a block still owned by a handle: refused, and the handle keeps its block.
    FreeHeld(Index),
    /// Overwrite a live block with a new pattern.
    Rewrite(Index),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => Just(Op::Allocate),
        4 => (0usize..80, prop_oneof![(0u32..7).prop_map(|s| 1usize << s), 0usize..40])
            .prop_map(|(size, align)| Op::AllocateRaw { size, align }),
        4 => any::<Index>().prop_map(Op::DropHandle),
        2 => any::<Index>().prop_map(Op::IntoRaw),
        4 => (any::<Index>(), any::<bool>())
            .prop_map(|(which, through_trait)| Op::FreeRaw { which, through_trait }),
        1 => any::<Index>().prop_map(Op::DoubleFree),
        1 => any::<Index>().prop_map(Op::FreeUnallocated),
        1 => (any::<Index>(), any::<Index>())
            .prop_map(|(block, offset)| Op::FreeInterior { block, offset }),
        1 => (any::<u8>(), 1usize..10_000).prop_map(|(side, distance)| Op::FreeForeign { side, distance }),
        1 => any::<Index>().prop_map(Op::FreeHeld),
        2 => any::<Index>().prop_map(Op::Rewrite),
    ]
}

/// What the model knows about a block.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Block {
    /// Free; its bytes are all `fill` (zero after a raw free or if never used, the last pattern after a handle).
    Free {
        fill: Fill,
    },
    Handle,
    Raw,
}

/// The bytes a block holds: zeroes, or the pattern of a tag.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fill {
    Zero,
    Pattern(u8),
}

fn pattern_byte(tag: u8, i: usize) -> u8 {
    tag.wrapping_add((i as u8).wrapping_mul(31)) | 1
}

fn write_pattern(bytes: &mut [u8], tag: u8) {
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = pattern_byte(tag, i);
    }
}

fn holds(bytes: &[u8], fill: Fill) -> bool {
    match fill {
        Fill::Zero => bytes.iter().all(|&b| b == 0),
        Fill::Pattern(tag) => bytes
            .iter()
            .enumerate()
            .all(|(i, &b)| b == pattern_byte(tag, i)),
    }
}

struct Model<'p> {
    blocks: Vec<Block>,
    handles: Vec<(PoolBlock<'p>, u8)>,
    raws: Vec<(NonNull<u8>, u8)>,
    next_tag: u8,
    stats: StatsSnapshot,
    refused: usize,
    block_size: usize,
}

impl Model<'_> {
    fn live(&self) -> usize {
        self.handles.len() + self.raws.len()
    }

    fn tag(&mut self) -> u8 {
        self.next_tag = self.next_tag.wrapping_add(1);
        self.next_tag
    }

    fn allocated(&mut self) {
        self.stats.allocations += 1;
        self.stats.used = self.live() * self.block_size;
        self.stats.peak = self.stats.peak.max(self.stats.used);
    }

    fn freed(&mut self) {
        self.stats.frees += 1;
        self.stats.used = self.live() * self.block_size;
    }
}

/// Runs `ops` against `pool`, whose blocks start at `base`, after a probe allocation and free of block 0. Wrong
/// pointers are made from `base` with wrapping arithmetic (they are never dereferenced), so Miri can follow them.
/// `deallocate_raw`. The model never frees a stale pointer whose block a new raw allocation has taken: every
/// pointer it passes is a live raw block given back once, or one the pool refuses (free, held, interior,
/// foreign), which changes nothing.
fn free_raw<const B: usize, const C: usize, const A: usize, S>(
    pool: &MemoryPool<B, C, A, S>,
    ptr: NonNull<u8>,
) -> Result<(), FreeError>
where
    flight_memory::Align<A>: flight_memory::Alignment,
    S: PoolStorage<B, C, A>,
{
    // SAFETY: as above.
    unsafe { pool.deallocate_raw(ptr) }
}

fn run_memory_pool<const B: usize, const C: usize, const A: usize, S>(
    pool: &MemoryPool<B, C, A, S>,
    base: *mut u8,
    ops: &[Op],
) -> Result<(), TestCaseError>
where
    flight_memory::Align<A>: flight_memory::Alignment,
    S: PoolStorage<B, C, A>,
{
    let stride = B.div_ceil(A) * A;
    let span = C * stride;
    let index_of = |ptr: *const u8| -> Option<usize> {
        let offset = (ptr as usize).checked_sub(base as usize)?;
        (offset < span && offset % stride == 0).then_some(offset / stride)
    };
    let mut m = Model {
        blocks: vec![Block::Free { fill: Fill::Zero }; C],
        handles: Vec::new(),
        raws: Vec::new(),
        next_tag: 0,
        stats: StatsSnapshot {
            used: 0,
            peak: B,
            allocations: 1,
            frees: 1,
            failures: 0,
        },
        refused: 0,
        block_size: B,
    };

    for op in ops {
        match op {
            Op::Allocate => match pool.allocate() {
                Ok(mut block) => {
                    let index = index_of(block.as_ptr());
                    prop_assert!(index.is_some(), "block outside the pool");
                    let index = index.unwrap_or_default();
                    let Block::Free { fill } = m.blocks[index] else {
                        return Err(TestCaseError::fail(format!(
                            "block {index} handed out while {:?}",
                            m.blocks[index]
                        )));
                    };
                    prop_assert_eq!(block.len(), B);
                    prop_assert!(holds(&block, fill), "a free block's bytes changed");
                    let tag = m.tag();
                    write_pattern(&mut block, tag);
                    m.blocks[index] = Block::Handle;
                    m.handles.push((block, tag));
                    m.allocated();
                }
                Err(error) => {
                    prop_assert_eq!(m.live(), C, "refused with free blocks");
                    prop_assert_eq!(error, AllocError::Exhausted { capacity: C });
                    m.stats.failures += 1;
                }
            },
            &Op::AllocateRaw { size, align } => {
                let result = Allocator::allocate(pool, size, align);
                let expected_error = if !align.is_power_of_two() {
                    Some(AllocError::InvalidAlignment { align })
                } else if align > A {
                    Some(AllocError::UnsupportedAlignment { align, max: A })
                } else if size > B {
                    Some(AllocError::TooLarge {
                        requested: size,
                        max: B,
                    })
                } else if m.live() == C {
                    Some(AllocError::Exhausted { capacity: C })
                } else {
                    None
                };
                match (result, expected_error) {
                    (Ok(ptr), None) => {
                        let index = index_of(ptr.as_ptr());
                        prop_assert!(index.is_some(), "raw block outside the pool");
                        let index = index.unwrap_or_default();
                        let was_free = matches!(m.blocks[index], Block::Free { .. });
                        prop_assert!(was_free, "raw block {} handed out while in use", index);
                        prop_assert_eq!(ptr.as_ptr() as usize % align, 0);
                        let tag = m.tag();
                        // SAFETY: the pool handed out this block of `B` bytes to us.
                        write_pattern(
                            unsafe { std::slice::from_raw_parts_mut(ptr.as_ptr(), B) },
                            tag,
                        );
                        m.blocks[index] = Block::Raw;
                        m.raws.push((ptr, tag));
                        m.allocated();
                    }
                    (Err(error), Some(expected)) => {
                        prop_assert_eq!(error, expected);
                        m.stats.failures += 1;
                    }
                    (result, expected) => {
                        return Err(TestCaseError::fail(format!(
                            "allocate({size}, {align}) = {result:?}, expected {expected:?}"
                        )));
                    }
                }
            }
            Op::DropHandle(which) => {
                if m.handles.is_empty() {
                    continue;
                }
                let (block, tag) = m.handles.swap_remove(which.index(m.handles.len()));
                let index = index_of(block.as_ptr()).unwrap_or_default();
                drop(block);
                m.blocks[index] = Block::Free {
                    fill: Fill::Pattern(tag),
                };
                m.freed();
            }
            Op::IntoRaw(which) => {
                if m.handles.is_empty() {
                    continue;
                }
                let (block, tag) = m.handles.swap_remove(which.index(m.handles.len()));
                let ptr = block.into_raw();
                let index = index_of(ptr.as_ptr()).unwrap_or_default();
                m.blocks[index] = Block::Raw;
                m.raws.push((ptr, tag));
            }
            &Op::FreeRaw {
                ref which,
                through_trait,
            } => {
                if m.raws.is_empty() {
                    continue;
                }
                let (ptr, _) = m.raws.swap_remove(which.index(m.raws.len()));
                let result = if through_trait {
                    // SAFETY: a live raw block of `pool`, given back once.
                    unsafe { Allocator::deallocate(pool, ptr, B) }
                } else {
                    free_raw(pool, ptr)
                };
                prop_assert_eq!(result, Ok(()));
                let index = index_of(ptr.as_ptr()).unwrap_or_default();
                m.blocks[index] = Block::Free { fill: Fill::Zero };
                m.freed();
            }
            Op::DoubleFree(which) => {
                if m.raws.is_empty() {
                    continue;
                }
                let (ptr, _) = m.raws.swap_remove(which.index(m.raws.len()));
                prop_assert_eq!(free_raw(pool, ptr), Ok(()));
                let index = index_of(ptr.as_ptr()).unwrap_or_default();
                m.blocks[index] = Block::Free { fill: Fill::Zero };
                m.freed();
                prop_assert_eq!(free_raw(pool, ptr), Err(FreeError::NotAllocated));
                m.refused += 1;
            }
            Op::FreeUnallocated(block) => {
                let index = block.index(C);
                if m.blocks[index] == Block::Raw {
                    continue;
                }
                let ptr = NonNull::new(base.wrapping_add(index * stride)).unwrap();
                prop_assert_eq!(free_raw(pool, ptr), Err(FreeError::NotAllocated));
                m.refused += 1;
            }
            Op::FreeInterior { block, offset } => {
                if stride < 2 {
                    continue;
                }
                let offset = 1 + offset.index(stride - 1);
                let ptr =
                    NonNull::new(base.wrapping_add(block.index(C) * stride + offset)).unwrap();
                prop_assert_eq!(
                    free_raw(pool, ptr),
                    Err(FreeError::NotBlockStart { offset })
                );
                m.refused += 1;
            }
            &Op::FreeForeign { side, distance } => {
                let mut local = 0u8;
                let address = match side % 3 {
                    0 => base.wrapping_sub(distance),
                    1 => base.wrapping_add(span + distance - 1),
                    _ => &raw mut local,
                };
                let ptr = NonNull::new(address).unwrap();
                prop_assert_eq!(free_raw(pool, ptr), Err(FreeError::ForeignPointer));
                m.refused += 1;
            }
            Op::FreeHeld(which) => {
                if m.handles.is_empty() {
                    continue;
                }
                let ptr =
                    NonNull::new(m.handles[which.index(m.handles.len())].0.as_ptr() as *mut u8)
                        .unwrap();
                prop_assert_eq!(free_raw(pool, ptr), Err(FreeError::NotAllocated));
                m.refused += 1;
            }
            Op::Rewrite(which) => {
                let live = m.live();
                if live == 0 {
                    continue;
                }
                let tag = m.tag();
                let i = which.index(live);
                if i < m.handles.len() {
                    write_pattern(&mut m.handles[i].0, tag);
                    m.handles[i].1 = tag;
                } else {
                    let raw = &mut m.raws[i - m.handles.len()];
                    // SAFETY: a live raw block of `B` bytes that we own.
                    write_pattern(
                        unsafe { std::slice::from_raw_parts_mut(raw.0.as_ptr(), B) },
                        tag,
                    );
                    raw.1 = tag;
                }
            }
        }

        // Every live block: in bounds, at a block start (so no two overlap when their indices differ), aligned,
        // with distinct indices, holding its owner's pattern, and known to the model as owned that way.
        let mut seen = vec![false; C];
        let live = m
            .handles
            .iter()
            .map(|(block, tag)| (block.as_ptr(), *tag, Block::Handle))
            .chain(
                m.raws
                    .iter()
                    .map(|(ptr, tag)| (ptr.as_ptr().cast_const(), *tag, Block::Raw)),
            );
        for (ptr, tag, kind) in live {
            let index = index_of(ptr);
            prop_assert!(
                index.is_some(),
                "live block out of bounds or not at a block start"
            );
            let index = index.unwrap_or_default();
            prop_assert!(!seen[index], "block {} owned twice", index);
            seen[index] = true;
            prop_assert_eq!(m.blocks[index], kind);
            prop_assert_eq!(ptr as usize % A, 0, "misaligned block");
            // SAFETY: a live block of `B` bytes that the test owns.
            let bytes = unsafe { std::slice::from_raw_parts(ptr, B) };
            prop_assert!(
                holds(bytes, Fill::Pattern(tag)),
                "block {} was overwritten",
                index
            );
        }
        prop_assert_eq!(pool.stats(), m.stats);
        prop_assert_eq!(pool.in_use(), m.live());
        prop_assert_eq!(pool.available(), C - m.live());
        prop_assert_eq!(pool.high_water() * B, m.stats.peak);
        prop_assert_eq!(pool.refused_frees(), m.refused);
        prop_assert_eq!(Allocator::used_memory(pool), m.live() * B);
    }

    // The pool is intact: after giving everything back, every block can be taken exactly once more.
    for (ptr, _) in m.raws.drain(..) {
        prop_assert_eq!(free_raw(pool, ptr), Ok(()));
    }
    m.handles.clear();
    let mut all: Vec<PoolBlock<'_>> = (0..C).filter_map(|_| pool.allocate().ok()).collect();
    prop_assert_eq!(all.len(), C);
    prop_assert!(pool.allocate().is_err());
    let mut indices: Vec<usize> = all.iter().filter_map(|b| index_of(b.as_ptr())).collect();
    indices.sort_unstable();
    prop_assert_eq!(indices, (0..C).collect::<Vec<_>>());
    all.clear();
    prop_assert_eq!(pool.in_use(), 0);
    Ok(())
}

/// The address of block 0 of a fresh inline pool: its first allocation, which must lie inside the pool.
fn probe_base<const B: usize, const C: usize, const A: usize>(pool: &MemoryPool<B, C, A>) -> *mut u8
where
    flight_memory::Align<A>: flight_memory::Alignment,
{
    let first = pool.allocate().expect("a fresh pool has a block");
    let base = first.into_raw();
    let start = pool as *const _ as usize;
    let address = base.as_ptr() as usize;
    assert!(address >= start && address + C * B <= start + size_of_val(pool));
    assert_eq!(free_raw(pool, base), Ok(()));
    base.as_ptr()
}

/// As `probe_base` for a pool over separate blocks: block 0 is the start of the blocks.
fn probe_separate<const B: usize, const C: usize, const A: usize>(
    pool: &MemoryPool<B, C, A, &'static PoolBlocks<B, C, A>>,
    blocks: &'static PoolBlocks<B, C, A>,
) -> *mut u8
where
    flight_memory::Align<A>: flight_memory::Alignment,
{
    let first = pool
        .allocate()
        .expect("a fresh pool has a block")
        .into_raw();
    assert_eq!(first.as_ptr() as usize, blocks as *const _ as usize);
    assert_eq!(free_raw(pool, first), Ok(()));
    first.as_ptr()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn inline_pool_with_padded_blocks_matches_the_model(ops in prop::collection::vec(op(), 1..80)) {
        // 24-byte blocks aligned to 16: a stride of 32, so pointers into the padding are interior too.
        let pool = Box::new(MemoryPool::<24, 6, 16>::new());
        let base = probe_base(&pool);
        run_memory_pool(&*pool, base, &ops)?;
    }

    #[test]
    fn inline_pool_of_byte_blocks_matches_the_model(ops in prop::collection::vec(op(), 1..80)) {
        let pool = Box::new(MemoryPool::<1, 5, 1>::new());
        let base = probe_base(&pool);
        run_memory_pool(&*pool, base, &ops)?;
    }

    #[test]
    fn pool_over_separate_blocks_matches_the_model(ops in prop::collection::vec(op(), 1..80)) {
        let blocks: &'static PoolBlocks<64, 4, 32> = Box::leak(Box::new(PoolBlocks::new()));
        let result = {
            // SAFETY: `blocks` was just created and is given to this pool only.
            let pool = unsafe { MemoryPool::with_blocks(blocks) };
            let base = probe_separate(&pool, blocks);
            run_memory_pool(&pool, base, &ops)
        };
        // SAFETY: `blocks` came from `Box::leak` above, and the only pool that used them went out of scope.
        drop(unsafe { Box::from_raw(std::ptr::from_ref(blocks).cast_mut()) });
        result?;
    }
}

// ---- TypedPool ----

/// A value that counts its drops and checks it is dropped once.
#[derive(Debug)]
struct Tracked {
    id: u64,
    payload: [u16; 3],
    drops: Rc<Cell<usize>>,
    dropped: bool,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        assert!(!self.dropped, "dropped twice");
        self.dropped = true;
        self.drops.set(self.drops.get() + 1);
    }
}

#[derive(Clone, Debug)]
enum TypedOp {
    Alloc,
    Drop(Index),
    IntoInner(Index),
    Mutate(Index, u16),
}

fn typed_op() -> impl Strategy<Value = TypedOp> {
    prop_oneof![
        5 => Just(TypedOp::Alloc),
        3 => any::<Index>().prop_map(TypedOp::Drop),
        2 => any::<Index>().prop_map(TypedOp::IntoInner),
        2 => (any::<Index>(), any::<u16>()).prop_map(|(i, v)| TypedOp::Mutate(i, v)),
    ]
}

const TYPED_N: usize = 5;

/// Runs `ops` on a fresh typed pool of `TYPED_N` values whose slots are `[start, end)`, against the model.
fn run_typed_pool<S: TypedStorage<Tracked, TYPED_N>>(
    pool: &TypedPool<Tracked, TYPED_N, S>,
    (start, end): (usize, usize),
    ops: Vec<TypedOp>,
) -> Result<(), TestCaseError> {
    let drops = Rc::new(Cell::new(0));
    let mut live: Vec<(PoolBox<'_, Tracked>, [u16; 3])> = Vec::new();
    let mut next_id = 0u64;
    let mut expected = StatsSnapshot::default();
    let mut expected_drops = 0;
    let size = size_of::<Tracked>();

    for op in ops {
        match op {
            TypedOp::Alloc => {
                next_id += 1;
                let payload = [next_id as u16, 7, !(next_id as u16)];
                let value = Tracked {
                    id: next_id,
                    payload,
                    drops: drops.clone(),
                    dropped: false,
                };
                match pool.alloc(value) {
                    Ok(boxed) => {
                        prop_assert!(live.len() < TYPED_N);
                        live.push((boxed, payload));
                        expected.allocations += 1;
                    }
                    Err(rejected) => {
                        prop_assert_eq!(live.len(), TYPED_N);
                        prop_assert_eq!(
                            rejected.error(),
                            AllocError::Exhausted { capacity: TYPED_N }
                        );
                        let value = rejected.into_inner();
                        prop_assert_eq!(value.id, next_id);
                        prop_assert_eq!(value.payload, payload);
                        drop(value);
                        expected_drops += 1;
                        expected.failures += 1;
                    }
                }
            }
            TypedOp::Drop(i) => {
                if live.is_empty() {
                    continue;
                }
                drop(live.swap_remove(i.index(live.len())));
                expected_drops += 1;
                expected.frees += 1;
            }
            TypedOp::IntoInner(i) => {
                if live.is_empty() {
                    continue;
                }
                let (boxed, payload) = live.swap_remove(i.index(live.len()));
                let value = PoolBox::into_inner(boxed);
                expected.frees += 1;
                prop_assert_eq!(value.payload, payload);
                prop_assert_eq!(drops.get(), expected_drops, "into_inner dropped the value");
                drop(value);
                expected_drops += 1;
            }
            TypedOp::Mutate(i, v) => {
                if live.is_empty() {
                    continue;
                }
                let i = i.index(live.len());
                live[i].0.payload[1] = v;
                live[i].1[1] = v;
            }
        }
        expected.used = live.len() * size;
        expected.peak = expected.peak.max(expected.used);

        let mut addresses: Vec<usize> = Vec::new();
        for (boxed, payload) in &live {
            let address = &**boxed as *const Tracked as usize;
            prop_assert!(
                address >= start && address + size <= end,
                "box outside the pool"
            );
            prop_assert_eq!(address % align_of::<Tracked>(), 0);
            prop_assert_eq!(&boxed.payload, payload);
            prop_assert!(!boxed.dropped);
            addresses.push(address);
        }
        addresses.sort_unstable();
        prop_assert!(
            addresses.windows(2).all(|w| w[1] - w[0] >= size),
            "boxes overlap"
        );
        prop_assert_eq!(drops.get(), expected_drops);
        prop_assert_eq!(pool.stats(), expected);
        prop_assert_eq!(pool.in_use(), live.len());
        prop_assert_eq!(pool.available(), TYPED_N - live.len());
    }
    let count = live.len();
    live.clear();
    prop_assert_eq!(drops.get(), expected_drops + count);
    prop_assert_eq!(pool.in_use(), 0);
    Ok(())
}

proptest! {
    #[test]
    fn typed_pool_matches_the_model(ops in prop::collection::vec(typed_op(), 1..80)) {
        let pool = Box::new(TypedPool::<Tracked, TYPED_N>::new());
        let start = &*pool as *const _ as usize;
        run_typed_pool(&pool, (start, start + size_of::<TypedPool<Tracked, TYPED_N>>()), ops)?;
    }

    #[test]
    fn typed_pool_over_separate_slots_matches_the_model(ops in prop::collection::vec(typed_op(), 1..80)) {
        let slots: &'static TypedSlots<Tracked, TYPED_N> = Box::leak(Box::new(TypedSlots::new()));
        let start = slots as *const _ as usize;
        let result = {
            // SAFETY: `slots` was just created and is given to this pool only.
            let pool = unsafe { TypedPool::with_slots(slots) };
            run_typed_pool(&pool, (start, start + size_of::<TypedSlots<Tracked, TYPED_N>>()), ops)
        };
        // SAFETY: `slots` came from `Box::leak` above, the only pool that used them went out of scope, and every
        // box of it was dropped by `run_typed_pool`, so no slot holds a value.
        drop(unsafe { Box::from_raw(std::ptr::from_ref(slots).cast_mut()) });
        result?;
    }

    #[test]
    fn typed_pool_of_zero_sized_values_counts_its_boxes(allocs in prop::collection::vec(any::<bool>(), 1..40)) {
        let pool = TypedPool::<(), 3>::new();
        let mut live = Vec::new();
        let mut failures = 0;
        for alloc in allocs {
            if alloc {
                match pool.alloc(()) {
                    Ok(boxed) => live.push(boxed),
                    Err(rejected) => {
                        prop_assert_eq!(live.len(), 3);
                        prop_assert_eq!(rejected.error(), AllocError::Exhausted { capacity: 3 });
                        failures += 1;
                    }
                }
            } else {
                live.pop();
            }
            prop_assert_eq!(pool.in_use(), live.len());
            prop_assert_eq!(pool.stats().used, 0);
            prop_assert_eq!(pool.stats().failures, failures);
        }
    }
}

#[test]
fn typed_pool_of_over_aligned_values_aligns_every_box() {
    #[repr(align(64))]
    struct Line([u8; 10]);
    let pool = Box::new(TypedPool::<Line, 4>::new());
    let boxes: Vec<_> = (0..4u8)
        .map(|i| pool.alloc(Line([i; 10])).unwrap())
        .collect();
    for (i, boxed) in boxes.iter().enumerate() {
        assert_eq!(&**boxed as *const Line as usize % 64, 0);
        assert_eq!(boxed.0, [i as u8; 10]);
    }
    assert_eq!(pool.block_size(), 64);
}

#[test]
fn static_pools_work_through_the_allocator_trait_object() {
    static POOL: MemoryPool<32, 3, 8> = MemoryPool::new();
    let allocator: &'static dyn Allocator = &POOL;
    let a = allocator.allocate(0, 1).unwrap();
    let b = allocator.allocate(32, 8).unwrap();
    assert_ne!(a, b);
    assert_eq!(allocator.used_memory(), 64);
    assert_eq!(allocator.total_memory(), 96);
    assert_eq!(allocator.available_memory(), 32);
    // SAFETY: `a` and `b` are live raw blocks given back once; the second free of `b` comes before any new
    // raw allocation, so the pool sees the block free and refuses it.
    unsafe {
        assert_eq!(allocator.deallocate(b, 32), Ok(()));
        assert_eq!(allocator.deallocate(b, 32), Err(FreeError::NotAllocated));
        assert_eq!(allocator.deallocate(a, 0), Ok(()));
    }
    assert_eq!(POOL.refused_frees(), 1);
    assert_eq!(
        allocator.stats(),
        StatsSnapshot {
            used: 0,
            peak: 64,
            allocations: 2,
            frees: 2,
            failures: 0
        }
    );
}

#[test]
fn handles_and_boxes_have_the_right_auto_traits() {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    send::<PoolBlock<'static>>();
    sync::<PoolBlock<'static>>();
    send::<PoolBox<'static, u32>>();
    sync::<PoolBox<'static, u32>>();
    sync::<MemoryPool<8, 2>>();
    sync::<MemoryPool<8, 2, 8, &'static PoolBlocks<8, 2>>>();
    sync::<TypedPool<std::cell::Cell<u8>, 2>>(); // Cell is Send, not Sync
    send::<TypedPool<u8, 2>>();
    sync::<TypedPool<std::cell::Cell<u8>, 2, &'static TypedSlots<std::cell::Cell<u8>, 2>>>();
    send::<TypedPool<u8, 2, &'static TypedSlots<u8, 2>>>();
}

/// Issue 12, item 9: cFE's `CFE_ES_GetPoolBufInfo` for a pool: the block size of an outstanding block (raw or
/// held), an error for anything else, and nothing counted.
#[test]
fn block_info_names_outstanding_blocks_only() {
    let pool = MemoryPool::<24, 3, 8>::new();
    let held = pool.allocate().unwrap();
    let raw = Allocator::allocate(&pool, 5, 1).unwrap();
    assert_eq!(pool.block_info(held.as_ptr()), Ok(24));
    assert_eq!(pool.block_info(raw.as_ptr()), Ok(24));
    assert_eq!(
        pool.block_info(raw.as_ptr().wrapping_add(3)),
        Err(FreeError::NotBlockStart { offset: 3 })
    );
    let third = raw.as_ptr().wrapping_add(24);
    let first = held.as_ptr();
    let free = if third.cast_const() == first {
        raw.as_ptr().wrapping_sub(24)
    } else {
        third
    };
    assert_eq!(pool.block_info(free), Err(FreeError::NotAllocated));
    let local = 0u8;
    assert_eq!(
        pool.block_info(&raw const local),
        Err(FreeError::ForeignPointer)
    );
    drop(held);
    assert_eq!(pool.block_info(first), Err(FreeError::NotAllocated));
    assert_eq!(pool.refused_frees(), 0);
    assert_eq!(free_raw(&pool, raw), Ok(()));
}
