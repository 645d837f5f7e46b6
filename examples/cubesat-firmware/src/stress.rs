//! The interrupt stress: the SysTick interrupt and the main loop take and return blocks of the telemetry pool,
//! buffers of the downlink manager (memory.toml) and buffers of the uplink bins (`buffer_bins!`), the same
//! allocators, for [`PREEMPTIONS`] interrupts. Each side holds [`HELD`] of each between its steps, filled with an
//! owner tag ([`crate::tag`]) that it checks before giving them back, so a block handed out twice at once is
//! caught by a tag that changed under its holder.
//!
//! On the Cortex-M4 the allocators are lock-free (compare-and-swap) and the interrupt can land between any two
//! instructions of an allocation in the main loop; on the Cortex-M0 they take a critical section, and the
//! interrupt waits for it. [`Report::preempted_in_allocator`] counts the interrupts that arrived while the main
//! loop was inside an allocator call.
//!
//! Counters shared with the interrupt have a single writer each and use only atomic loads and stores, which
//! ARMv6-M has (it has no read-modify-write atomics).

use core::cell::RefCell;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::{SCB, SYST};
use cortex_m_rt::exception;
use critical_section::Mutex;
use flight_memory::{Buffer, PoolBlock};

use crate::events::UPLINK;
use crate::memory;
use crate::tag;

/// SysTick interrupts the stress runs for.
pub const PREEMPTIONS: u32 = 10_000;
/// Core clock cycles between two SysTick interrupts.
const RELOAD: u32 = 2_000;
/// Main-loop steps after which the stress gives up waiting for the interrupts (the audit then fails).
const MAX_STEPS: u32 = 20_000_000;
/// Blocks, downlink buffers and uplink buffers each side holds between steps. During a step a side holds one
/// more of each, so two sides hold at most 8, which the allocators always have (16 pool blocks, 24 downlink
/// buffers of up to 128 bytes, 8 uplink buffers of 64 bytes): any failed request means that one was lost.
pub const HELD: usize = 3;

/// Feature `fault-leak`: the interrupt step at which it forgets one of its blocks, once, instead of giving it
/// back; the audit must then fail.
const LEAK_AT: Option<u32> = if cfg!(feature = "fault-leak") {
    Some(PREEMPTIONS / 2)
} else {
    None
};

/// Interrupts so far; written by the interrupt only.
static TICKS: AtomicU32 = AtomicU32::new(0);
/// Interrupts that arrived while the main loop was inside an allocator call; written by the interrupt only.
static PREEMPTED: AtomicU32 = AtomicU32::new(0);
/// Whether the main loop is inside an allocator call; written by the main loop only.
static IN_ALLOCATOR: AtomicBool = AtomicBool::new(false);
/// What the interrupt holds between two interrupts. The main loop takes it only once the interrupt is off.
static INTERRUPT_SIDE: Mutex<RefCell<Holder>> = Mutex::new(RefCell::new(Holder::new()));

/// What the stress did and found.
#[derive(Clone, Copy, Debug)]
pub struct Report {
    /// SysTick interrupts, each one a step of the interrupt side.
    pub ticks: u32,
    /// Interrupts that arrived while the main loop was inside an allocator call.
    pub preempted_in_allocator: u32,
    /// The main loop's side.
    pub main: Counts,
    /// The interrupt's side.
    pub interrupt: Counts,
}

/// One side's counts.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counts {
    /// Steps: each returns one block, one downlink and one uplink buffer and takes new ones.
    pub steps: u32,
    /// Blocks and buffers whose tag had changed while held: handed out twice at once.
    pub tag_errors: u32,
    /// Requests refused although the allocators had room: something was lost.
    pub failures: u32,
}

/// A block or buffer, with the tag its holder wrote in it.
type Tagged<T> = Option<(T, u32)>;

/// What one side holds.
struct Holder {
    blocks: [Tagged<PoolBlock<'static>>; HELD],
    downlink: [Tagged<Buffer<'static>>; HELD],
    uplink: [Tagged<Buffer<'static>>; HELD],
    counts: Counts,
}

impl Holder {
    const fn new() -> Holder {
        Holder {
            blocks: [const { None }; HELD],
            downlink: [const { None }; HELD],
            uplink: [const { None }; HELD],
            counts: Counts {
                steps: 0,
                tag_errors: 0,
                failures: 0,
            },
        }
    }

    /// Checks every tag held, then in one slot takes a new block and two new buffers and returns the old ones.
    fn step(&mut self, owner: u32, main: bool) {
        self.check_all();
        let serial = self.counts.steps;
        self.counts.steps = serial.wrapping_add(1);
        let slot = serial as usize % HELD;
        if !main && LEAK_AT == Some(serial) {
            core::mem::forget(self.blocks[slot].take());
        }
        let tag = tag::of(owner, serial);
        let downlink_size = 1 + (serial as usize * 37) % 128;
        let uplink_size = 1 + (serial as usize * 13) % 64;
        turn(&mut self.blocks[slot], tag, main, &mut self.counts, || {
            memory::pools::TELEMETRY_PACKET.allocate().ok()
        });
        turn(
            &mut self.downlink[slot],
            tag,
            main,
            &mut self.counts,
            || {
                memory::buffer_managers::DOWNLINK
                    .allocate(downlink_size)
                    .ok()
            },
        );
        turn(&mut self.uplink[slot], tag, main, &mut self.counts, || {
            UPLINK.allocate(uplink_size).ok()
        });
    }

    /// Counts every held block and buffer whose tag changed.
    fn check_all(&mut self) {
        let held = self
            .blocks
            .iter_mut()
            .map(|slot| slot.as_mut().map(|(b, t)| (b.as_mut(), *t)));
        let held = held.chain(
            self.downlink
                .iter_mut()
                .map(|s| s.as_mut().map(|(b, t)| (b.as_mut(), *t))),
        );
        let held = held.chain(
            self.uplink
                .iter_mut()
                .map(|s| s.as_mut().map(|(b, t)| (b.as_mut(), *t))),
        );
        let changed = held
            .flatten()
            .filter(|(bytes, tag)| !tag::holds(bytes, *tag))
            .count();
        self.counts.tag_errors += changed as u32;
    }

    /// Checks every tag and gives everything back.
    fn release(&mut self) -> Counts {
        self.check_all();
        self.blocks = [const { None }; HELD];
        self.downlink = [const { None }; HELD];
        self.uplink = [const { None }; HELD];
        self.counts
    }
}

/// Takes a new block or buffer from `allocate`, tagged with `tag`, in place of what `slot` holds, which it gives
/// back after checking its tag. Taking before giving back makes the allocator hand out blocks from deeper in
/// its free list, not only the one just returned.
fn turn<T: AsMut<[u8]>>(
    slot: &mut Tagged<T>,
    tag: u32,
    main: bool,
    counts: &mut Counts,
    allocate: impl FnOnce() -> Option<T>,
) {
    let new = in_allocator(main, allocate).map(|mut new| {
        tag::write(new.as_mut(), tag);
        (new, tag)
    });
    if new.is_none() {
        counts.failures += 1;
    }
    if let Some((mut old, old_tag)) = core::mem::replace(slot, new) {
        if !tag::holds(old.as_mut(), old_tag) {
            counts.tag_errors += 1;
        }
        in_allocator(main, || drop(old));
    }
}

/// Runs `f`, an allocator call, with [`IN_ALLOCATOR`] set when it is the main loop's.
fn in_allocator<R>(main: bool, f: impl FnOnce() -> R) -> R {
    if main {
        IN_ALLOCATOR.store(true, Ordering::SeqCst);
    }
    let result = f();
    if main {
        IN_ALLOCATOR.store(false, Ordering::SeqCst);
    }
    result
}

/// Runs the stress: starts SysTick, steps the main loop until [`PREEMPTIONS`] interrupts have run, stops
/// SysTick and gives back what both sides hold.
pub fn run(mut systick: SYST) -> Report {
    let mut main_side = Holder::new();
    systick.set_clock_source(SystClkSource::Core);
    systick.set_reload(RELOAD);
    systick.clear_current();
    systick.enable_interrupt();
    systick.enable_counter();
    while TICKS.load(Ordering::SeqCst) < PREEMPTIONS && main_side.counts.steps < MAX_STEPS {
        main_side.step(tag::MAIN, true);
    }
    systick.disable_interrupt();
    systick.disable_counter();
    SCB::clear_pendst();
    let interrupt = critical_section::with(|cs| INTERRUPT_SIDE.borrow_ref_mut(cs).release());
    Report {
        ticks: TICKS.load(Ordering::SeqCst),
        preempted_in_allocator: PREEMPTED.load(Ordering::SeqCst),
        main: main_side.release(),
        interrupt,
    }
}

#[exception]
fn SysTick() {
    TICKS.store(TICKS.load(Ordering::SeqCst) + 1, Ordering::SeqCst);
    if IN_ALLOCATOR.load(Ordering::SeqCst) {
        PREEMPTED.store(PREEMPTED.load(Ordering::SeqCst) + 1, Ordering::SeqCst);
    }
    // The main loop borrows this only after disabling the interrupt, so the borrow never fails.
    critical_section::with(|cs| {
        INTERRUPT_SIDE
            .borrow_ref_mut(cs)
            .step(tag::INTERRUPT, false)
    });
}
