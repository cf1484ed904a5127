//! CPU time the hypervisor took from this machine during a measurement ("steal", from `/proc/stat`).
//!
//! Why it matters: on a virtual machine, a figure measured while the host ran something else is low for
//! reasons outside the servers under test. On the project's 2-core VM, freeing 12-20 GiB of page cache
//! was followed by about 25 s in which the host took 20-50% of the CPU time while the memory was used
//! again, and 1 GiB uploads ran at 1,000-1,500 MB/s instead of 2,400-2,800, whichever server took the
//! turn. Recording the share lets a reader (and `just bench`, which runs such rounds again) tell those
//! figures apart.

use std::fs;

/// The machine's CPU counters at one moment, summed over all CPUs, in ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuClock {
    stolen: u64,
    total: u64,
}

impl CpuClock {
    /// Now; `None` where `/proc/stat` cannot be read or has no `steal` column (kernels before 2.6.11).
    pub fn now() -> Option<CpuClock> {
        fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|text| CpuClock::parse(&text))
    }

    /// Reads the aggregate `cpu` line: user, nice, system, idle, iowait, irq, softirq, steal (guest
    /// time is already inside user and nice, so it is not added again).
    pub fn parse(stat: &str) -> Option<CpuClock> {
        let line = stat.lines().find(|line| line.starts_with("cpu "))?;
        let ticks: Vec<u64> = line
            .split_whitespace()
            .skip(1)
            .take(8)
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?;
        let [_, _, _, _, _, _, _, stolen] = ticks[..] else {
            return None;
        };
        Some(CpuClock {
            stolen,
            total: ticks.iter().sum(),
        })
    }

    /// The share of CPU time stolen between `self` and `later`, in percent; `None` when no time passed
    /// (or the counters went backwards).
    pub fn stolen_percent(&self, later: &CpuClock) -> Option<f64> {
        let total = later.total.checked_sub(self.total)?;
        let stolen = later.stolen.checked_sub(self.stolen)?;
        (total > 0).then(|| 100.0 * stolen as f64 / total as f64)
    }
}

/// Measures the steal share over `work`: `None` where the counters cannot be read.
pub async fn during<T>(work: impl std::future::Future<Output = T>) -> (T, Option<f64>) {
    let before = CpuClock::now();
    let value = work.await;
    let stolen = before
        .zip(CpuClock::now())
        .and_then(|(a, b)| a.stolen_percent(&b));
    (value, stolen)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = "cpu  100 5 50 800 10 1 4 30 0 0\ncpu0 50 2 25 400 5 0 2 15 0 0\nintr 1\n";
    const AFTER: &str = "cpu  160 5 80 870 10 1 4 70 7 0\ncpu0 80 2 40 435 5 0 2 35 0 0\nintr 2\n";

    #[test]
    fn steal_is_the_share_of_all_ticks_that_passed() {
        let before = CpuClock::parse(BEFORE).unwrap();
        let after = CpuClock::parse(AFTER).unwrap();
        // 60 user + 30 system + 70 idle + 40 steal = 200 ticks, 40 of them stolen (guest is in user).
        assert_eq!(before.stolen_percent(&after), Some(20.0));
        assert_eq!(after.stolen_percent(&before), None);
        assert_eq!(before.stolen_percent(&before), None);
    }

    #[test]
    fn a_stat_without_the_steal_column_or_the_cpu_line_gives_nothing() {
        assert_eq!(CpuClock::parse("cpu  1 2 3 4 5 6 7\n"), None);
        assert_eq!(CpuClock::parse("cpu0 1 2 3 4 5 6 7 8\n"), None);
        assert_eq!(CpuClock::parse("cpu  1 2 x 4 5 6 7 8\n"), None);
        assert_eq!(CpuClock::parse(""), None);
    }

    #[tokio::test]
    async fn the_machine_running_the_tests_reports_a_share_between_0_and_100() {
        let (value, stolen) = during(async {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            7
        })
        .await;
        assert_eq!(value, 7);
        let stolen = stolen.expect("Linux has /proc/stat with a steal column");
        assert!((0.0..=100.0).contains(&stolen), "{stolen}");
    }
}
