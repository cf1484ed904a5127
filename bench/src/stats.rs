//! Latency summaries: percentiles by the nearest-rank method over the measured samples, so p99 of 100
//! samples is the 99th smallest, never an interpolated value nobody measured.

use std::time::Duration;

/// The nearest-rank percentile `p` (0 < p <= 100) of sorted samples; `None` when there are none.
pub fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted.len()) - 1;
    sorted.get(index).copied()
}

/// p50, p99 and the extremes of a set of latencies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latency {
    /// Number of samples.
    pub count: usize,
    /// Median.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Slowest sample.
    pub max: Duration,
}

impl Latency {
    /// Summarises the samples (sorting them); `None` when there are none.
    pub fn of(samples: &mut [Duration]) -> Option<Latency> {
        samples.sort_unstable();
        Some(Latency {
            count: samples.len(),
            p50: percentile(samples, 50.0)?,
            p99: percentile(samples, 99.0)?,
            max: *samples.last()?,
        })
    }
}

/// Milliseconds as a float, for tables and JSON.
pub fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|v| Duration::from_millis(*v)).collect()
    }

    #[test]
    fn nearest_rank() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&samples, 50.0), Some(Duration::from_millis(50)));
        assert_eq!(percentile(&samples, 99.0), Some(Duration::from_millis(99)));
        assert_eq!(
            percentile(&samples, 100.0),
            Some(Duration::from_millis(100))
        );
        assert_eq!(percentile(&samples, 0.1), Some(Duration::from_millis(1)));
    }

    #[test]
    fn small_sets_and_empty() {
        assert_eq!(percentile(&[], 50.0), None);
        let one = ms(&[7]);
        assert_eq!(percentile(&one, 50.0), Some(Duration::from_millis(7)));
        assert_eq!(percentile(&one, 99.0), Some(Duration::from_millis(7)));
        // Of 3 samples the median is the 2nd; p99 is the largest.
        let three = ms(&[1, 2, 30]);
        assert_eq!(percentile(&three, 50.0), Some(Duration::from_millis(2)));
        assert_eq!(percentile(&three, 99.0), Some(Duration::from_millis(30)));
    }

    #[test]
    fn summary_sorts_first() {
        let mut samples = ms(&[9, 1, 5, 3, 7]);
        let latency = Latency::of(&mut samples).unwrap();
        assert_eq!(latency.count, 5);
        assert_eq!(latency.p50, Duration::from_millis(5));
        assert_eq!(latency.p99, Duration::from_millis(9));
        assert_eq!(latency.max, Duration::from_millis(9));
        assert_eq!(Latency::of(&mut []), None);
        assert!((millis(Duration::from_micros(1500)) - 1.5).abs() < 1e-9);
    }
}
