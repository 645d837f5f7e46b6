//! F´'s initialisation-time allocators: `MemoryRegion` against a model, `MemAllocatorRegistry`, and
//! `MallocAllocator`; multi-thread tests of the regions and the heap allocator.
#![cfg(not(loom))]

use std::sync::{Arc, Barrier, Mutex};
use std::thread;

use flight_memory::{
    AllocError, AllocationStrategy, Allocator, FreeError, MemAllocator, MemAllocatorRegistry,
    MemBlock, MemoryId, MemoryRegion, RegistryError, StatsSnapshot, static_allocator,
};
use proptest::prelude::*;

const ALIGNS: [usize; 10] = [1, 2, 4, 8, 16, 32, 64, 128, 0, 6];
const ID: MemoryId = MemoryId(9);

#[derive(Clone, Debug)]
enum Op {
    Allocate { size: usize, align: usize },
    FreeNewest,
    FreeOlder { pick: usize },
    FreePart,
    FreeForeign,
    RawFree,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0usize..100, proptest::sample::select(&ALIGNS[..]))
            .prop_map(|(size, align)| Op::Allocate { size, align }),
        4 => Just(Op::FreeNewest),
        2 => any::<usize>().prop_map(|pick| Op::FreeOlder { pick }),
        1 => Just(Op::FreePart),
        1 => Just(Op::FreeForeign),
        1 => Just(Op::RawFree),
    ]
}

struct Model {
    base: usize,
    /// Whether the memory holds a block-aligned address.
    fits: bool,
    block_align: usize,
    lead: usize,
    capacity: usize,
    offset: usize,
    stats: StatsSnapshot,
}

impl Model {
    /// Checks the result of giving back the block at `start` that took `taken` bytes, and follows it.
    fn give_back(&mut self, start: usize, taken: usize, got: Result<(), FreeError>) {
        let end = start + taken;
        if taken == 0 {
            // An empty block holds no bytes: giving it back always succeeds and changes nothing.
            assert_eq!(got, Ok(()));
            self.stats.frees += 1;
        } else if end == self.offset {
            assert_eq!(got, Ok(()));
            self.offset = start;
            self.stats.frees += 1;
            self.stats.used -= taken;
        } else {
            let expected = if end < self.offset {
                FreeError::OutOfOrder
            } else {
                FreeError::NotAllocated
            };
            assert_eq!(got, Err(expected));
            self.stats.failures += 1;
        }
    }

    /// `(start, taken)` of a block, relative to the first aligned byte.
    fn carve(&self, size: usize, align: usize) -> Result<(usize, usize), AllocError> {
        let g = self.block_align;
        if !align.is_power_of_two() {
            return Err(AllocError::InvalidAlignment { align });
        }
        if align > g {
            return Err(AllocError::UnsupportedAlignment { align, max: g });
        }
        let taken = size.div_ceil(g) * g;
        if !self.fits || self.offset + taken > self.capacity {
            return Err(AllocError::OutOfMemory {
                requested: size,
                remaining: self.capacity - self.offset,
            });
        }
        Ok((self.offset, taken))
    }
}

/// A block out of the region, with what the model knows of it.
struct Out<'r> {
    block: MemBlock<'r>,
    start: usize,
    taken: usize,
    align: usize,
    fill: u8,
}

fn with_block_align(region: MemoryRegion<'_>, g: usize) -> MemoryRegion<'_> {
    match g {
        1 => region.with_block_align::<1>(),
        4 => region.with_block_align::<4>(),
        8 => region.with_block_align::<8>(),
        16 => region.with_block_align::<16>(),
        _ => region.with_block_align::<64>(),
    }
}

fn run(len: usize, skew: usize, g: usize, ops: Vec<Op>) {
    let mut buffer = vec![0u8; len + skew];
    let memory = &mut buffer[skew..];
    let base = memory.as_ptr() as usize;
    let region = with_block_align(MemoryRegion::from_slice("model", memory), g);
    let mut other_buffer = [0u8; 64];
    let other = MemoryRegion::from_slice("other", &mut other_buffer).with_block_align::<1>();
    // Memory too short to hold a `g`-aligned address has no capacity, not even for empty blocks.
    let lead = base.div_ceil(g) * g - base;
    let fits = lead <= len;
    let mut model = Model {
        base,
        block_align: g,
        fits,
        lead,
        capacity: if fits { (len - lead) / g * g } else { 0 },
        offset: 0,
        stats: StatsSnapshot::default(),
    };
    assert_eq!(region.total_memory(), model.capacity);
    let mut out: Vec<Out<'_>> = Vec::new();
    let mut next_fill = 0u8;
    for op in ops {
        match op {
            Op::Allocate { size, align } => {
                match (model.carve(size, align), region.allocate(ID, size, align)) {
                    (Ok((start, taken)), Ok(mut block)) => {
                        assert_eq!(
                            block.as_ptr().as_ptr() as usize,
                            model.base + model.lead + start
                        );
                        assert_eq!(block.len(), size);
                        assert!(!block.is_recoverable());
                        next_fill = next_fill.wrapping_add(1);
                        block.as_mut_slice().fill(next_fill);
                        model.offset += taken;
                        model.stats.allocations += 1;
                        model.stats.used += taken;
                        model.stats.peak = model.stats.peak.max(model.stats.used);
                        out.push(Out {
                            block,
                            start,
                            taken,
                            align,
                            fill: next_fill,
                        });
                    }
                    (Err(expected), Err(got)) => {
                        assert_eq!(got, expected);
                        model.stats.failures += 1;
                    }
                    (expected, got) => {
                        panic!("expected {expected:?}, got {:?}", got.map(|b| b.len()))
                    }
                }
            }
            Op::FreeNewest => {
                let Some(newest) = out.pop() else { continue };
                let (start, taken) = (newest.start, newest.taken);
                let got = region.deallocate(ID, newest.block);
                model.give_back(start, taken, got);
            }
            Op::FreeOlder { pick } => {
                if out.len() < 2 {
                    continue;
                }
                let index = pick % (out.len() - 1);
                let older = &mut out[index];
                if older.taken > 0 && older.start + older.taken < model.offset {
                    // A second handle to the same bytes (a reborrow): refused, and the real block stays out.
                    // SAFETY: deliberately breaks `from_slice`'s contract to check that the region still refuses
                    // what it can detect; the copy is refused and never used.
                    let copy = unsafe { MemBlock::from_slice(older.block.as_mut_slice(), false) };
                    assert_eq!(region.deallocate(ID, copy), Err(FreeError::OutOfOrder));
                    model.stats.failures += 1;
                } else {
                    // Only empty blocks are newer: this one is the most recent with bytes, so it rolls back.
                    let older = out.remove(index);
                    let (start, taken) = (older.start, older.taken);
                    let got = region.deallocate(ID, older.block);
                    model.give_back(start, taken, got);
                }
            }
            Op::FreePart => {
                // A block that starts inside the newest one is refused. (With a block alignment of 1 every byte
                // is a block start, and a tail of the newest block would be taken for a block: see the
                // note on recognising blocks in `MemoryRegion`.)
                let g = model.block_align;
                let Some(newest) = out.last_mut().filter(|out| out.block.len() > 1 && g > 1) else {
                    continue;
                };
                // SAFETY: as above, a forged block that the region refuses and nobody uses.
                let part =
                    unsafe { MemBlock::from_slice(&mut newest.block.as_mut_slice()[1..], false) };
                assert_eq!(
                    region.deallocate(ID, part),
                    Err(FreeError::NotBlockStart { offset: 1 })
                );
                model.stats.failures += 1;
            }
            Op::FreeForeign => {
                if let Ok(block) = other.allocate(ID, 1, 1) {
                    assert_eq!(region.deallocate(ID, block), Err(FreeError::ForeignPointer));
                    model.stats.failures += 1;
                }
            }
            Op::RawFree => {
                let Some(newest) = out.last() else { continue };
                let (ptr, len) = (newest.block.as_ptr(), newest.block.len());
                // SAFETY: a region frees nothing by pointer; it refuses and changes nothing.
                let refused = unsafe { Allocator::deallocate(&region, ptr, len) };
                assert_eq!(
                    refused,
                    Err(FreeError::Unsupported {
                        strategy: AllocationStrategy::Region
                    })
                );
                model.stats.failures += 1;
            }
        }
        // Every invariant, after every step.
        assert_eq!(region.stats(), model.stats);
        assert_eq!(region.used_memory(), model.offset);
        assert_eq!(region.high_water(), model.stats.peak);
        assert_eq!(region.available_memory(), model.capacity - model.offset);
        let mut spans = Vec::new();
        for out in &out {
            let addr = out.block.as_ptr().as_ptr() as usize;
            assert_eq!(addr % out.align, 0);
            assert_eq!(addr % model.block_align, 0);
            assert!(out.start + out.taken <= model.capacity);
            // SAFETY: the block is live and only this test writes it.
            let bytes =
                unsafe { std::slice::from_raw_parts(out.block.as_ptr().as_ptr(), out.block.len()) };
            assert!(bytes.iter().all(|&b| b == out.fill), "block overwritten");
            if out.taken > 0 {
                spans.push((out.start, out.start + out.taken));
            }
        }
        for pair in spans.windows(2) {
            assert!(pair[0].1 <= pair[1].0, "overlap: {pair:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn memory_region_matches_the_model(
        len in 0usize..800,
        skew in 0usize..64,
        g in proptest::sample::select(&[1usize, 4, 8, 16, 64][..]),
        ops in proptest::collection::vec(op(), 1..100),
    ) {
        run(len, skew, g, ops);
    }
}

#[test]
fn region_reset_keeps_the_high_water_mark() {
    let mut ram = [0u8; 256];
    let mut region = MemoryRegion::from_slice("sram", &mut ram).with_block_align::<8>();
    let block = region.allocate(ID, 100, 8).unwrap();
    drop(block); // leaked until the reset
    assert_eq!(region.used_memory(), 104);
    region.reset();
    assert_eq!((region.used_memory(), region.high_water()), (0, 104));
    assert_eq!(region.name(), "sram");
    assert_eq!(region.block_align(), 8);
    assert_eq!(Allocator::strategy(&region), AllocationStrategy::Region);
}

#[test]
fn threads_carve_one_static_region_without_overlap() {
    static_allocator! {
        static SRAM: MemoryRegion("sram", 32 * 1024, align = 16);
    }
    const THREADS: usize = 4;
    let barrier = Arc::new(Barrier::new(THREADS));
    let kept = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = (0..THREADS)
        .map(|thread_id| {
            let barrier = Arc::clone(&barrier);
            let kept = Arc::clone(&kept);
            thread::spawn(move || {
                let mark = thread_id as u8 + 1;
                let mut seed = thread_id as u64 + 5;
                let (mut given_back, mut refused) = (0, 0);
                barrier.wait();
                for _ in 0..2000 {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let size = (seed >> 33) as usize % 100;
                    let Ok(mut block) = SRAM.allocate(MemoryId(thread_id as u32), size, 16) else {
                        continue;
                    };
                    block.as_mut_slice().fill(mark);
                    assert!(
                        block.as_mut_slice().iter().all(|&b| b == mark),
                        "another thread wrote here"
                    );
                    if (seed >> 45) % 2 == 0 {
                        let span = (block.as_ptr().as_ptr() as usize, size.div_ceil(16) * 16);
                        match SRAM.deallocate(MemoryId(0), block) {
                            Ok(()) => given_back += 1,
                            Err(FreeError::OutOfOrder) => {
                                refused += 1;
                                kept.lock().unwrap().push(span);
                            }
                            Err(other) => panic!("unexpected {other:?}"),
                        }
                    } else {
                        let span = (block.as_ptr().as_ptr() as usize, size.div_ceil(16) * 16);
                        kept.lock().unwrap().push(span);
                    }
                }
                (given_back, refused)
            })
        })
        .collect();
    let (mut given_back, mut refused) = (0, 0);
    for handle in handles {
        let (g, r) = handle.join().unwrap();
        given_back += g;
        refused += r;
    }
    // Empty blocks take no bytes (one may sit where a block was rolled back and carved again).
    let kept = kept.lock().unwrap().clone();
    let kept_count = kept.len();
    let mut kept: Vec<(usize, usize)> = kept.into_iter().filter(|&(_, taken)| taken > 0).collect();
    kept.sort_unstable();
    for pair in kept.windows(2) {
        assert!(pair[0].0 + pair[0].1 <= pair[1].0, "overlap: {pair:?}");
    }
    let stats = SRAM.stats();
    assert_eq!(stats.frees, given_back);
    assert_eq!(stats.allocations, kept_count + given_back);
    assert!(stats.failures >= refused);
    // Blocks still out are reserved; everything above the highest one was rolled back.
    let start = kept.first().map_or(0, |first| first.0);
    let top = kept
        .iter()
        .map(|&(addr, taken)| addr + taken)
        .max()
        .unwrap_or(start);
    assert!(SRAM.used_memory() >= top - start);
    assert_eq!(SRAM.used_memory(), stats.used);
}

#[test]
fn registry_maps_ids_with_a_default() {
    static_allocator! {
        static SRAM: MemoryRegion("sram", 1024);
        static DTCM: MemoryRegion("dtcm", 1024);
        static CCM: MemoryRegion("ccm", 1024);
    }
    let mut registry = MemAllocatorRegistry::<'_, 2>::new(&SRAM);
    assert!(registry.is_empty());
    assert_eq!(registry.capacity(), 2);
    assert!(registry.get(MemoryId(1)).is_none());
    registry.register(MemoryId(1), &DTCM).unwrap();
    registry.register(MemoryId(2), &CCM).unwrap();
    assert_eq!(
        registry.register(MemoryId(1), &SRAM),
        Err(RegistryError::Duplicate { id: MemoryId(1) })
    );
    assert_eq!(
        registry.register(MemoryId(3), &SRAM),
        Err(RegistryError::Full { capacity: 2 })
    );
    assert_eq!(registry.len(), 2);
    let ids: Vec<MemoryId> = registry.iter().map(|(id, _)| id).collect();
    assert_eq!(ids, [MemoryId(1), MemoryId(2)]);

    // Each id reaches its own allocator; an unknown id reaches the default.
    let _ = registry
        .get_or_default(MemoryId(1))
        .allocate(MemoryId(1), 16, 8)
        .unwrap();
    let _ = registry
        .get_or_default(MemoryId(2))
        .allocate(MemoryId(2), 32, 8)
        .unwrap();
    let _ = registry
        .get_or_default(MemoryId(7))
        .allocate(MemoryId(7), 48, 8)
        .unwrap();
    let _ = registry
        .default_allocator()
        .allocate(MemoryId(8), 16, 8)
        .unwrap();
    assert_eq!(
        (DTCM.used_memory(), CCM.used_memory(), SRAM.used_memory()),
        (16, 32, 64)
    );
    assert!(format!("{registry:?}").contains("MemoryId(2)"));
    assert_eq!(
        RegistryError::Full { capacity: 2 }.to_string(),
        "memory allocator registry is full (2 entries); raise its capacity"
    );
}

#[test]
fn registry_can_be_built_in_a_constant_context() {
    struct Refuses;
    impl MemAllocator for Refuses {
        fn allocate(&self, _: MemoryId, _: usize, _: usize) -> Result<MemBlock<'_>, AllocError> {
            Err(AllocError::Exhausted { capacity: 0 })
        }
        fn deallocate(&self, _: MemoryId, _: MemBlock<'_>) -> Result<(), FreeError> {
            Err(FreeError::NotAllocated)
        }
    }
    // The same checks as a runtime `register`: a listed id is refused a second time, and at most `N` ids.
    const DUPLICATE: Result<MemAllocatorRegistry<'static, 2>, RegistryError> =
        MemAllocatorRegistry::from_entries(
            &Refuses,
            &[(MemoryId(4), &Refuses), (MemoryId(4), &Refuses)],
        );
    const TOO_MANY: Result<MemAllocatorRegistry<'static, 1>, RegistryError> =
        MemAllocatorRegistry::from_entries(
            &Refuses,
            &[(MemoryId(4), &Refuses), (MemoryId(6), &Refuses)],
        );
    const REGISTRY: MemAllocatorRegistry<'static, 2> =
        match MemAllocatorRegistry::from_entries(&Refuses, &[(MemoryId(4), &Refuses)]) {
            Ok(registry) => registry,
            Err(_) => panic!("one entry fits in two"),
        };
    assert_eq!(
        DUPLICATE.err(),
        Some(RegistryError::Duplicate { id: MemoryId(4) })
    );
    assert_eq!(TOO_MANY.err(), Some(RegistryError::Full { capacity: 1 }));
    assert_eq!(REGISTRY.len(), 1);
    assert!(REGISTRY.get(MemoryId(4)).is_some());
    assert!(
        REGISTRY
            .get_or_default(MemoryId(5))
            .allocate(MemoryId(5), 1, 1)
            .is_err()
    );

    // A compile-time registry takes more ids at run time, while there is room, with the same checks.
    let mut registry = REGISTRY;
    assert_eq!(
        registry.register(MemoryId(4), &Refuses),
        Err(RegistryError::Duplicate { id: MemoryId(4) })
    );
    registry.register(MemoryId(5), &Refuses).unwrap();
    assert_eq!(
        registry.register(MemoryId(6), &Refuses),
        Err(RegistryError::Full { capacity: 2 })
    );
    let ids: Vec<MemoryId> = registry.iter().map(|(id, _)| id).collect();
    assert_eq!(ids, [MemoryId(4), MemoryId(5)]);
    assert_eq!(REGISTRY.len(), 1, "a constant is a fresh value at each use");
}

#[test]
fn a_static_registry_reaches_static_regions() {
    static_allocator! {
        static SRAM: MemoryRegion("sram", 1024);
        static DTCM: MemoryRegion("dtcm", 1024);
    }
    static REGISTRY: MemAllocatorRegistry<'static, 1> =
        match MemAllocatorRegistry::from_entries(&SRAM, &[(MemoryId(1), &DTCM)]) {
            Ok(registry) => registry,
            Err(_) => panic!("one entry fits in one"),
        };
    let _ = REGISTRY
        .get_or_default(MemoryId(1))
        .allocate(MemoryId(1), 16, 8)
        .unwrap();
    let _ = REGISTRY
        .get_or_default(MemoryId(2))
        .allocate(MemoryId(2), 32, 8)
        .unwrap();
    assert_eq!((DTCM.used_memory(), SRAM.used_memory()), (16, 32));
}

#[cfg(feature = "alloc")]
mod malloc {
    use super::*;
    use flight_memory::MallocAllocator;

    #[test]
    fn blocks_come_from_the_heap_and_go_back() {
        let heap = MallocAllocator::new();
        let mut block = heap.allocate(ID, 1000, 64).unwrap();
        assert_eq!(block.as_ptr().as_ptr() as usize % 64, 0);
        block.as_mut_slice().fill(3);
        let empty = heap.allocate(ID, 0, 32).unwrap();
        assert_eq!(empty.as_ptr().as_ptr() as usize % 32, 0);
        assert_eq!((heap.live_blocks(), heap.stats().used), (1, 1000));
        heap.deallocate(ID, empty).unwrap();
        heap.deallocate(ID, block).unwrap();
        assert_eq!(heap.live_blocks(), 0);
        assert_eq!(
            heap.stats(),
            StatsSnapshot {
                used: 0,
                peak: 1000,
                allocations: 2,
                frees: 2,
                failures: 0
            }
        );
        assert_eq!(
            heap.allocate(ID, 8, 3).unwrap_err(),
            AllocError::InvalidAlignment { align: 3 }
        );
        assert_eq!(
            heap.allocate(ID, usize::MAX, 8).unwrap_err(),
            AllocError::SizeOverflow
        );
    }

    #[test]
    fn blocks_of_other_allocators_and_double_frees_are_refused() {
        let heap = MallocAllocator::<4>::with_slots();
        let mut ram = [0u8; 64];
        let region = MemoryRegion::from_slice("sram", &mut ram);
        let mut from_region = region.allocate(ID, 16, 8).unwrap();
        from_region.as_mut_slice().fill(1);
        // SAFETY: deliberately breaks `from_slice`'s contract; the heap refuses the forged block.
        let copy = unsafe { MemBlock::from_slice(from_region.as_mut_slice(), false) };
        assert_eq!(heap.deallocate(ID, copy), Err(FreeError::NotAllocated));
        assert_eq!(region.deallocate(ID, from_region), Ok(()));

        let mut block = heap.allocate(ID, 32, 8).unwrap();
        // SAFETY: as above.
        let part = unsafe { MemBlock::from_slice(&mut block.as_mut_slice()[..16], false) };
        assert_eq!(heap.deallocate(ID, part), Err(FreeError::NotAllocated));
        let raw = block.as_ptr();
        // SAFETY: `raw` is a `MemBlock`'s pointer, not a raw allocation; the heap refuses it.
        let refused = unsafe { Allocator::deallocate(&heap, raw, 32) };
        assert_eq!(refused, Err(FreeError::NotAllocated));
        heap.deallocate(ID, block).unwrap();
        // SAFETY: freed already, and no raw allocation has been made since that could reuse the address.
        let refused = unsafe { Allocator::deallocate(&heap, raw, 32) };
        assert_eq!(refused, Err(FreeError::NotAllocated));
        assert_eq!(heap.stats().failures, 4);
        assert_eq!(Allocator::strategy(&heap), AllocationStrategy::Heap);
    }

    #[test]
    fn the_table_bounds_the_blocks_out() {
        let heap = MallocAllocator::<2>::with_slots();
        let a = heap.allocate(ID, 8, 8).unwrap();
        let b = Allocator::allocate(&heap, 8, 8).unwrap();
        assert_eq!(
            heap.allocate(ID, 8, 8).unwrap_err(),
            AllocError::Exhausted { capacity: 2 }
        );
        heap.deallocate(ID, a).unwrap();
        let c = heap.allocate(ID, 8, 8).unwrap();
        // SAFETY: `b` is a live raw allocation of `heap`, given back once.
        unsafe { Allocator::deallocate(&heap, b, 8) }.unwrap();
        drop(c); // freed when `heap` drops
        assert_eq!(heap.capacity(), 2);
    }

    #[test]
    fn threads_share_one_static_heap_allocator() {
        static HEAP: MallocAllocator<16> = MallocAllocator::with_slots();
        const THREADS: usize = 4;
        let barrier = Arc::new(Barrier::new(THREADS));
        let handles: Vec<_> = (0..THREADS)
            .map(|thread_id| {
                let barrier = Arc::clone(&barrier);
                thread::spawn(move || {
                    let mark = thread_id as u8 + 1;
                    let mut mine: Vec<MemBlock<'static>> = Vec::new();
                    let mut exhausted = 0;
                    barrier.wait();
                    for round in 0..3000 {
                        if round % 3 == 2 {
                            if let Some(mut block) = mine.pop() {
                                assert!(block.as_mut_slice().iter().all(|&b| b == mark));
                                HEAP.deallocate(ID, block).unwrap();
                            }
                            continue;
                        }
                        match HEAP.allocate(ID, 24, 8) {
                            Ok(mut block) => {
                                block.as_mut_slice().fill(mark);
                                mine.push(block);
                            }
                            Err(AllocError::Exhausted { capacity: 16 }) => exhausted += 1,
                            Err(other) => panic!("unexpected {other:?}"),
                        }
                        if mine.len() > 3 {
                            HEAP.deallocate(ID, mine.remove(0)).unwrap();
                        }
                    }
                    for block in mine {
                        HEAP.deallocate(ID, block).unwrap();
                    }
                    exhausted
                })
            })
            .collect();
        let exhausted: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        let stats = HEAP.stats();
        assert_eq!(HEAP.live_blocks(), 0);
        assert_eq!(stats.used, 0);
        assert_eq!(stats.failures, exhausted);
        assert_eq!(stats.allocations, stats.frees);
        assert!(stats.peak <= 16 * 24);
    }
}
