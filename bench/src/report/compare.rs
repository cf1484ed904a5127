//! Ours against the peers, per scenario. A ratio is a figure of merit: above 1 means ours is better,
//! whichever way the figure points — ours ÷ peer for throughput, peer ÷ ours for latency, memory and CPU.

use super::rounds::RoundByRound;
use crate::result::{Better, RunResult};

/// All results of one scenario, in the order they were read.
#[derive(Debug, Clone)]
pub struct Group {
    /// Scenario name.
    pub scenario: String,
    /// One row per server (a server measured in several rounds is one row: [`super::rounds`]).
    pub rows: Vec<RunResult>,
    /// Ours against each peer round by round, for the peers measured in numbered rounds with ours.
    pub by_round: Vec<(String, RoundByRound)>,
}

impl Group {
    /// Our row, if any.
    pub fn ours(&self) -> Option<&RunResult> {
        self.rows.iter().find(|row| row.ours)
    }

    /// The best peer by the headline figure (ignoring rows without a usable headline).
    pub fn best_peer(&self) -> Option<&RunResult> {
        let better = self.ours().or(self.rows.first())?.headline()?.better;
        self.rows
            .iter()
            .filter(|row| !row.ours)
            .filter(|row| {
                row.headline()
                    .is_some_and(|f| f.value.is_finite() && f.value > 0.0)
            })
            .max_by(|a, b| {
                let (a, b) = (headline(a), headline(b));
                match better {
                    Better::Higher => a.total_cmp(&b),
                    Better::Lower => b.total_cmp(&a),
                }
            })
    }

    /// Ours versus the best peer, as merit (see the module doc).
    pub fn ratio_to_best(&self) -> Option<f64> {
        let ours = self.ours()?;
        merit(ours, self.best_peer()?)
    }

    /// Ours against `peer` round by round, if they ran in numbered rounds.
    pub fn by_round(&self, peer: &str) -> Option<&RoundByRound> {
        self.by_round
            .iter()
            .find(|(server, _)| server == peer)
            .map(|(_, rounds)| rounds)
    }
}

fn headline(row: &RunResult) -> f64 {
    row.headline().map_or(f64::NAN, |f| f.value)
}

/// How much better `ours` is than `peer` on the headline figure; `None` when either is unusable.
pub fn merit(ours: &RunResult, peer: &RunResult) -> Option<f64> {
    let (a, b) = (ours.headline()?, peer.headline()?);
    if !(a.value.is_finite() && b.value.is_finite() && a.value > 0.0 && b.value > 0.0) {
        return None;
    }
    Some(match a.better {
        Better::Higher => a.value / b.value,
        Better::Lower => b.value / a.value,
    })
}

/// Groups results by scenario, one row per server: the harness's scenarios first in their usual order,
/// then their TLS variants in the same order, then any others (client, TFTP) in the order they appear.
pub fn group(results: &[RunResult]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for result in &super::rounds::merge(results) {
        match groups.iter_mut().find(|g| g.scenario == result.scenario) {
            Some(group) => group.rows.push(result.clone()),
            None => groups.push(Group {
                scenario: result.scenario.clone(),
                rows: vec![result.clone()],
                by_round: Vec::new(),
            }),
        }
    }
    for group in &mut groups {
        group.by_round = group
            .rows
            .iter()
            .filter(|row| !row.ours)
            .filter_map(|peer| {
                let rounds = super::rounds::round_by_round(results, &group.scenario, &peer.server)?;
                Some((peer.server.clone(), rounds))
            })
            .collect();
    }
    let names = crate::scenario::NAMES;
    let position = |name: &str| names.iter().position(|n| *n == name);
    // The TLS variants (`retr-big-tls`) after all the plain ones.
    let rank = |name: &str| {
        match name.strip_suffix(crate::scenario::TLS_SUFFIX) {
            Some(base) => position(base).map(|p| names.len() + p),
            None => position(name),
        }
        .unwrap_or(usize::MAX)
    };
    // Stable: scenarios outside NAMES keep their order of appearance.
    groups.sort_by_key(|g| rank(&g.scenario));
    groups
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::result::Figure;

    pub(crate) fn row(scenario: &str, server: &str, ours: bool, figure: Figure) -> RunResult {
        RunResult {
            scenario: scenario.into(),
            server: server.into(),
            ours,
            params: "tiny".into(),
            figures: vec![figure],
            errors: 0,
            first_error: None,
            elapsed_s: 1.0,
            round: None,
            steal_percent: None,
        }
    }

    #[test]
    fn higher_is_better_divides_ours_by_the_fastest_peer() {
        let group = Group {
            scenario: "retr-big".into(),
            rows: vec![
                row(
                    "retr-big",
                    "ours",
                    true,
                    Figure::higher("throughput", 800.0, "MB/s"),
                ),
                row(
                    "retr-big",
                    "vsftpd",
                    false,
                    Figure::higher("throughput", 1600.0, "MB/s"),
                ),
                row(
                    "retr-big",
                    "proftpd",
                    false,
                    Figure::higher("throughput", 400.0, "MB/s"),
                ),
            ],
            by_round: Vec::new(),
        };
        assert_eq!(group.best_peer().unwrap().server, "vsftpd");
        assert_eq!(group.ratio_to_best(), Some(0.5));
    }

    #[test]
    fn lower_is_better_divides_the_best_peer_by_ours() {
        let group = Group {
            scenario: "small-files".into(),
            rows: vec![
                row(
                    "small-files",
                    "vsftpd",
                    false,
                    Figure::lower("p50", 0.5, "ms"),
                ),
                row(
                    "small-files",
                    "ours",
                    true,
                    Figure::lower("p50", 40.0, "ms"),
                ),
                row(
                    "small-files",
                    "proftpd",
                    false,
                    Figure::lower("p50", 2.0, "ms"),
                ),
            ],
            by_round: Vec::new(),
        };
        assert_eq!(group.best_peer().unwrap().server, "vsftpd");
        assert_eq!(group.ratio_to_best(), Some(0.5 / 40.0));
    }

    #[test]
    fn no_ratio_without_ours_a_peer_or_a_usable_value() {
        let only_ours = Group {
            scenario: "x".into(),
            rows: vec![row("x", "ours", true, Figure::higher("r", 1.0, ""))],
            by_round: Vec::new(),
        };
        assert_eq!(only_ours.ratio_to_best(), None);
        let zero_peer = Group {
            scenario: "x".into(),
            rows: vec![
                row("x", "ours", true, Figure::higher("r", 1.0, "")),
                row("x", "peer", false, Figure::higher("r", 0.0, "")),
            ],
            by_round: Vec::new(),
        };
        assert_eq!(zero_peer.ratio_to_best(), None);
    }

    #[test]
    fn groups_in_scenario_order_then_extras() {
        let results = vec![
            row("client-get", "curl", false, Figure::lower("time", 1.0, "s")),
            row("retr-big-tls", "ours", true, Figure::higher("t", 1.0, "")),
            row("sessions", "ours", true, Figure::higher("rate", 1.0, "")),
            row("retr-big", "ours", true, Figure::higher("t", 1.0, "")),
            row("sessions", "vsftpd", false, Figure::higher("rate", 1.0, "")),
        ];
        let names: Vec<_> = group(&results)
            .into_iter()
            .map(|g| (g.scenario, g.rows.len()))
            .collect();
        assert_eq!(
            names,
            [
                ("retr-big".into(), 1),
                ("sessions".into(), 2),
                ("retr-big-tls".into(), 1),
                ("client-get".into(), 1)
            ]
        );
    }
}
