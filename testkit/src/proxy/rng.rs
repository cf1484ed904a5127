//! The proxy's random numbers: SplitMix64, a tiny deterministic PRNG, so that one printed seed replays a
//! run's faults exactly. Hand-written because the workspace's only `rand` is proptest's (dev-only), and a
//! second version would duplicate it; statistical quality beyond "well mixed" is not needed here.

/// A SplitMix64 generator (Steele, Lea, Flood 2014): one `u64` of state, every seed valid.
#[derive(Debug, Clone)]
pub struct SeededRng {
    state: u64,
}

impl SeededRng {
    /// A generator that yields the same sequence for the same seed.
    pub fn new(seed: u64) -> SeededRng {
        SeededRng { state: seed }
    }

    /// An independent generator for sub-stream `stream` (a connection number, a session number), so a
    /// connection's faults do not depend on how many numbers other connections drew before it.
    pub fn derive(seed: u64, stream: u64) -> SeededRng {
        let mut mixer = SeededRng::new(seed ^ stream.wrapping_mul(0xD134_2543_DE82_EF95));
        SeededRng::new(mixer.next_u64())
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (0 when `bound` is 0). The modulo bias is below 2^-40 for the small bounds
    /// used here, which is irrelevant to fault injection.
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            0
        } else {
            self.next_u64() % bound
        }
    }

    /// A number in `low..=high` (`low` when the range is empty).
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high.saturating_sub(low).saturating_add(1))
    }

    /// True with probability `per_mille`/1000.
    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < u64::from(per_mille)
    }

    /// Fills `buffer` with random bytes.
    pub fn fill(&mut self, buffer: &mut [u8]) {
        for chunk in buffer.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_other_seed_other_sequence() {
        let draw = |seed| {
            let mut rng = SeededRng::new(seed);
            (0..8).map(|_| rng.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        assert_ne!(
            SeededRng::derive(7, 1).next_u64(),
            SeededRng::derive(7, 2).next_u64()
        );
    }

    #[test]
    fn between_stays_in_range_and_reaches_both_ends() {
        let mut rng = SeededRng::new(1);
        let draws: Vec<u64> = (0..1000).map(|_| rng.between(3, 5)).collect();
        assert!(draws.iter().all(|d| (3..=5).contains(d)));
        assert!(draws.contains(&3) && draws.contains(&5));
        assert_eq!(rng.between(9, 2), 9);
    }
}
