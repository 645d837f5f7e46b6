//! Telemetry as text that reads like F´'s channels: `Display` for [`BufferTelemetry`], [`BinTelemetry`] and
//! [`StatsSnapshot`], and, with feature `defmt`, the same text as `defmt::Format` for logging on the target.
//!
//! Each value prints its channels as `Name value` pairs, in F´'s names and order; the component's name is the
//! caller's to add:
//!
//! ```
//! use flight_memory::{buffer_manager, Allocator};
//!
//! buffer_manager! {
//!     static DOWNLINK: id 10, bins [128 x 4, 512 x 2];
//! }
//!
//! let frame = DOWNLINK.allocate(300)?;
//! drop(frame);
//! assert!(DOWNLINK.allocate(4096).is_err());
//!
//! assert_eq!(
//!     format!("downlink: {}", DOWNLINK.telemetry()),
//!     "downlink: TotalBuffs 6 CurrBuffs 0 HiBuffs 1 NoBuffs 1 EmptyBuffs 0 RejectedReturns 0 ZeroSizeRequests 0"
//! );
//! let bins: Vec<String> = DOWNLINK.bin_telemetry().map(|bin| bin.to_string()).collect();
//! assert_eq!(
//!     bins[1],
//!     "bin 1 (512 B): TotalBuffs 2 CurrBuffs 0 HiBuffs 1 NoBuffs 0 ZeroSizeRequests 0 Spills 0 RejectedReturns 0"
//! );
//! assert_eq!(
//!     DOWNLINK.stats().to_string(),
//!     "Used 0 Peak 512 Allocations 1 Frees 1 Failures 1"
//! );
//! # Ok::<(), flight_memory::AllocError>(())
//! ```

use core::fmt;

use crate::buffer_manager::{BinTelemetry, BufferTelemetry};
use crate::stats::StatsSnapshot;

impl fmt::Display for BufferTelemetry {
    /// `TotalBuffs 56 CurrBuffs 0 HiBuffs 8 NoBuffs 0 EmptyBuffs 0 RejectedReturns 0 ZeroSizeRequests 0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TotalBuffs {} CurrBuffs {} HiBuffs {} NoBuffs {} EmptyBuffs {} RejectedReturns {} ZeroSizeRequests {}",
            self.total_buffs,
            self.curr_buffs,
            self.hi_buffs,
            self.no_buffs,
            self.empty_buffs,
            self.rejected_returns,
            self.zero_size_requests
        )
    }
}

impl fmt::Display for BinTelemetry {
    /// `bin 1 (512 B): TotalBuffs 16 CurrBuffs 0 HiBuffs 5 NoBuffs 0 ZeroSizeRequests 0 Spills 0 RejectedReturns 0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bin {} ({} B): TotalBuffs {} CurrBuffs {} HiBuffs {} NoBuffs {} ZeroSizeRequests {} Spills {} \
             RejectedReturns {}",
            self.bin,
            self.size,
            self.total_buffs,
            self.curr_buffs,
            self.hi_buffs,
            self.no_buffs,
            self.zero_size_requests,
            self.spills,
            self.rejected_returns
        )
    }
}

impl fmt::Display for StatsSnapshot {
    /// `Used 0 Peak 4224 Allocations 4552 Frees 4552 Failures 0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Used {} Peak {} Allocations {} Frees {} Failures {}",
            self.used, self.peak, self.allocations, self.frees, self.failures
        )
    }
}

#[cfg(feature = "defmt")]
mod defmt_format {
    use super::{BinTelemetry, BufferTelemetry, StatsSnapshot};
    use crate::buffer_manager::ManagerId;

    impl defmt::Format for BufferTelemetry {
        fn format(&self, f: defmt::Formatter<'_>) {
            defmt::write!(
                f,
                "TotalBuffs {=usize} CurrBuffs {=usize} HiBuffs {=usize} NoBuffs {=usize} EmptyBuffs {=usize} \
                 RejectedReturns {=usize} ZeroSizeRequests {=usize}",
                self.total_buffs,
                self.curr_buffs,
                self.hi_buffs,
                self.no_buffs,
                self.empty_buffs,
                self.rejected_returns,
                self.zero_size_requests
            );
        }
    }

    impl defmt::Format for BinTelemetry {
        fn format(&self, f: defmt::Formatter<'_>) {
            defmt::write!(
                f,
                "bin {=usize} ({=usize} B): TotalBuffs {=usize} CurrBuffs {=usize} HiBuffs {=usize} \
                 NoBuffs {=usize} ZeroSizeRequests {=usize} Spills {=usize} RejectedReturns {=usize}",
                self.bin,
                self.size,
                self.total_buffs,
                self.curr_buffs,
                self.hi_buffs,
                self.no_buffs,
                self.zero_size_requests,
                self.spills,
                self.rejected_returns
            );
        }
    }

    impl defmt::Format for StatsSnapshot {
        fn format(&self, f: defmt::Formatter<'_>) {
            defmt::write!(
                f,
                "Used {=usize} Peak {=usize} Allocations {=usize} Frees {=usize} Failures {=usize}",
                self.used,
                self.peak,
                self.allocations,
                self.frees,
                self.failures
            );
        }
    }

    impl defmt::Format for ManagerId {
        fn format(&self, f: defmt::Formatter<'_>) {
            defmt::write!(f, "{=u32}", self.0);
        }
    }
}
