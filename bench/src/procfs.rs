//! A server's footprint from `/proc`: the process and all its descendants, so that a fork-per-session
//! server (vsftpd, proftpd, pure-ftpd) is charged for every session process, as a threaded one is for
//! its threads. Processes that exit while being read are skipped.

use std::collections::HashMap;
use std::fs;

/// Linux reports `utime`/`stime` in USER_HZ ticks, which is 100 on every architecture Linux supports
/// for user space (`sysconf(_SC_CLK_TCK)`); reading it would need `libc`.
const TICKS_PER_SECOND: f64 = 100.0;

/// Memory of a process tree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Memory {
    /// Sum of `VmRSS`: counts pages shared between the processes once per process.
    pub rss_bytes: u64,
    /// Sum of `Pss` from `smaps_rollup`: shared pages split between their sharers, so the sum is what the
    /// tree really holds. `None` when it cannot be read (old kernel, no permission).
    pub pss_bytes: Option<u64>,
    /// Number of processes in the tree.
    pub processes: usize,
}

/// CPU time of a process tree, including reaped children (`cutime`/`cstime`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuTime {
    /// User plus system time, in seconds.
    pub seconds: f64,
    /// Number of processes in the tree.
    pub processes: usize,
}

/// `pid` and every descendant, found through the parent ids in `/proc/*/stat`.
pub fn tree(pid: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(entries) = fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(child) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(parent) = read_stat(child).and_then(|fields| parse_field(&fields, 1)) {
                children.entry(parent as u32).or_default().push(child);
            }
        }
    }
    let mut found = vec![pid];
    let mut next = 0;
    while let Some(current) = found.get(next).copied() {
        if let Some(kids) = children.get(&current) {
            found.extend(kids);
        }
        next += 1;
    }
    found
}

/// RSS and PSS summed over `pid`'s tree; `None` if `pid` itself is gone.
pub fn memory(pid: u32) -> Option<Memory> {
    read_stat(pid)?;
    let pids = tree(pid);
    let mut memory = Memory {
        rss_bytes: 0,
        pss_bytes: Some(0),
        processes: 0,
    };
    for p in pids {
        let Some(rss) = status_kib(p, "VmRSS:") else {
            // Gone, or a kernel thread (no VmRSS).
            continue;
        };
        memory.processes += 1;
        memory.rss_bytes += rss * 1024;
        let pss = fs::read_to_string(format!("/proc/{p}/smaps_rollup"))
            .ok()
            .and_then(|text| kib_field(&text, "Pss:"));
        memory.pss_bytes = match (memory.pss_bytes, pss) {
            (Some(total), Some(pss)) => Some(total + pss * 1024),
            _ => None,
        };
    }
    Some(memory)
}

/// CPU time summed over `pid`'s tree; `None` if `pid` itself is gone.
pub fn cpu_time(pid: u32) -> Option<CpuTime> {
    read_stat(pid)?;
    let mut ticks = 0u64;
    let mut processes = 0;
    for p in tree(pid) {
        let Some(fields) = read_stat(p) else { continue };
        // After the command: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
        let times = [11, 12, 13, 14].map(|i| parse_field(&fields, i).unwrap_or(0));
        ticks += times.iter().sum::<u64>();
        processes += 1;
    }
    Some(CpuTime {
        seconds: ticks as f64 / TICKS_PER_SECOND,
        processes,
    })
}

/// The fields of `/proc/PID/stat` after the command name (which may hold spaces and parentheses).
fn read_stat(pid: u32) -> Option<String> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let close = text.rfind(')')?;
    Some(text.get(close + 1..)?.trim().to_string())
}

fn parse_field(fields: &str, index: usize) -> Option<u64> {
    fields.split_whitespace().nth(index)?.parse().ok()
}

fn status_kib(pid: u32, key: &str) -> Option<u64> {
    let text = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    kib_field(&text, key)
}

/// The number in a `Key:   1234 kB` line.
fn kib_field(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(key))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let me = std::process::id();
        let memory = memory(me).unwrap();
        assert!(memory.rss_bytes > 0);
        assert!(memory.processes >= 1);
        assert!(cpu_time(me).unwrap().processes >= 1);
        assert!(tree(me).contains(&me));
    }

    #[test]
    fn counts_a_child_process() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let found = tree(std::process::id());
        let _ = child.kill();
        let _ = child.wait();
        assert!(found.contains(&child.id()), "{found:?}");
    }

    #[test]
    fn parses_kib_lines() {
        assert_eq!(
            kib_field("Name:\tx\nVmRSS:\t   1234 kB\n", "VmRSS:"),
            Some(1234)
        );
        assert_eq!(kib_field("Name:\tx\n", "VmRSS:"), None);
    }
}
