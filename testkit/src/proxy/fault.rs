//! What can go wrong on one proxied connection: the [`Fault`] it gets, how a [`FaultMix`] picks one from
//! the seed, and the [`FaultCounts`] of faults injected so far.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::rng::SeededRng;

/// Which way bytes flow through the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the client to the server (commands, uploads).
    ToServer,
    /// From the server to the client (replies, downloads).
    ToClient,
}

/// The one fault injected on a connection. Byte positions count the bytes forwarded in `direction`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Forward faithfully.
    None,
    /// Write the first `bytes` bytes of each direction one byte per segment (TCP_NODELAY on), the rest
    /// normally: parsers must cope with any fragmentation.
    OneByteSegments { bytes: u64 },
    /// Hold every chunk back for `base` plus a random part of `jitter`, both directions.
    Delay { base: Duration, jitter: Duration },
    /// After `at_byte` bytes in `direction`, forward nothing in that direction for `pause`.
    Stall {
        direction: Direction,
        at_byte: u64,
        pause: Duration,
    },
    /// After `at_byte` bytes in `direction`, send FIN to that direction's receiver and stop reading from
    /// its sender; the other direction goes on.
    HalfClose { direction: Direction, at_byte: u64 },
    /// After `at_byte` bytes in `direction`, reset both sockets (SO_LINGER 0, so the peers see RST).
    Reset { direction: Direction, at_byte: u64 },
    /// After `at_byte` bytes in `direction`, close both sockets normally (FIN to both peers).
    Drop { direction: Direction, at_byte: u64 },
}

/// The kinds of [`Fault`], for counting and for choosing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    None,
    OneByteSegments,
    Delay,
    Stall,
    HalfClose,
    Reset,
    Drop,
}

impl FaultKind {
    /// Every kind, in the order of [`FaultCounts`] rows.
    pub const ALL: [FaultKind; 7] = [
        FaultKind::None,
        FaultKind::OneByteSegments,
        FaultKind::Delay,
        FaultKind::Stall,
        FaultKind::HalfClose,
        FaultKind::Reset,
        FaultKind::Drop,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FaultKind::None => "none",
            FaultKind::OneByteSegments => "1-byte segments",
            FaultKind::Delay => "delay+jitter",
            FaultKind::Stall => "stall",
            FaultKind::HalfClose => "half-close",
            FaultKind::Reset => "RST",
            FaultKind::Drop => "drop",
        })
    }
}

impl Fault {
    pub fn kind(&self) -> FaultKind {
        match self {
            Fault::None => FaultKind::None,
            Fault::OneByteSegments { .. } => FaultKind::OneByteSegments,
            Fault::Delay { .. } => FaultKind::Delay,
            Fault::Stall { .. } => FaultKind::Stall,
            Fault::HalfClose { .. } => FaultKind::HalfClose,
            Fault::Reset { .. } => FaultKind::Reset,
            Fault::Drop { .. } => FaultKind::Drop,
        }
    }
}

/// How faults are chosen for new connections.
#[derive(Debug, Clone)]
pub enum FaultMix {
    /// Every connection gets this fault (tests of one fault kind).
    Always(Fault),
    /// Each connection draws a kind by weight (per mille of connections for each kind, the rest
    /// [`Fault::None`]) and its parameters from the seed: byte positions up to `max_at_byte`, stalls up to
    /// `max_stall`.
    Random {
        weights: MixWeights,
        max_at_byte: u64,
        max_stall: Duration,
    },
}

/// Per-mille weights of each kind in a [`FaultMix::Random`].
#[derive(Debug, Clone, Copy)]
pub struct MixWeights {
    pub one_byte: u32,
    pub delay: u32,
    pub stall: u32,
    pub half_close: u32,
    pub reset: u32,
    pub drop: u32,
}

impl FaultMix {
    /// Chooses the fault of one connection.
    pub fn pick(&self, rng: &mut SeededRng) -> Fault {
        let (weights, max_at_byte, max_stall) = match self {
            FaultMix::Always(fault) => return fault.clone(),
            FaultMix::Random {
                weights,
                max_at_byte,
                max_stall,
            } => (weights, *max_at_byte, *max_stall),
        };
        let direction = if rng.chance(500) {
            Direction::ToServer
        } else {
            Direction::ToClient
        };
        let at_byte = rng.below(max_at_byte.saturating_add(1));
        let mut roll = rng.below(1000) as u32;
        let mut take = |weight: u32| {
            let hit = roll < weight;
            roll = roll.saturating_sub(weight);
            hit
        };
        if take(weights.one_byte) {
            Fault::OneByteSegments {
                bytes: rng.between(1, 64 * 1024),
            }
        } else if take(weights.delay) {
            Fault::Delay {
                base: Duration::from_millis(rng.below(20)),
                jitter: Duration::from_millis(rng.below(30)),
            }
        } else if take(weights.stall) {
            let millis = u64::try_from(max_stall.as_millis()).unwrap_or(u64::MAX);
            Fault::Stall {
                direction,
                at_byte,
                pause: Duration::from_millis(rng.below(millis.saturating_add(1))),
            }
        } else if take(weights.half_close) {
            Fault::HalfClose { direction, at_byte }
        } else if take(weights.reset) {
            Fault::Reset { direction, at_byte }
        } else if take(weights.drop) {
            Fault::Drop { direction, at_byte }
        } else {
            Fault::None
        }
    }
}

/// Faults injected so far (each counted when it actually fires, not when it is chosen), and the bytes
/// forwarded. Shared by every connection of a proxy.
#[derive(Debug, Default)]
pub struct FaultCounts {
    fired: [AtomicU64; 7],
    connections: AtomicU64,
    bytes: AtomicU64,
}

impl FaultCounts {
    pub(crate) fn fired(&self, kind: FaultKind) {
        self.fired[kind.index()].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn connection(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn forwarded(&self, bytes: usize) {
        self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// How many times faults of `kind` fired.
    pub fn count(&self, kind: FaultKind) -> u64 {
        self.fired[kind.index()].load(Ordering::Relaxed)
    }

    /// Connections proxied (control and data).
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    /// Bytes forwarded in both directions.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_random_mix_draws_every_kind_and_replays_from_its_seed() {
        let mix = FaultMix::Random {
            weights: MixWeights {
                one_byte: 100,
                delay: 100,
                stall: 100,
                half_close: 100,
                reset: 100,
                drop: 100,
            },
            max_at_byte: 1000,
            max_stall: Duration::from_secs(1),
        };
        let draw = |seed| {
            let mut rng = SeededRng::new(seed);
            (0..500).map(|_| mix.pick(&mut rng)).collect::<Vec<_>>()
        };
        let faults = draw(42);
        for kind in FaultKind::ALL {
            assert!(
                faults.iter().any(|f| f.kind() == kind),
                "{kind} never drawn"
            );
        }
        assert_eq!(faults, draw(42));
        assert_ne!(faults, draw(43));
    }
}
