//! Rounds: `just bench` measures the close races (bulk transfers, small-file latency, the clients) in
//! rounds, every server (or client) taking its turn in each, so that a slow spell of the shared machine
//! hits all of them alike instead of whichever one happened to run then. Here the rounds of one server
//! become one row, and ours is set against each peer round by round ([`round_by_round`]).

use crate::result::{Better, Figure, RunResult};

/// Ours against one peer in the rounds both ran. The two results of a round were measured seconds
/// apart, while the shared machine's slow spells last minutes: a round's ratio is nearly free of
/// them, where the medians of two servers may each come from a different spell.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundByRound {
    /// Rounds with a usable result from both.
    pub rounds: usize,
    /// Of those, the rounds in which ours was ahead.
    pub ours_ahead: usize,
    /// The rounds' ratios (as merit: above 1, ours is better): the median, lowest and highest.
    pub median: f64,
    pub lowest: f64,
    pub highest: f64,
}

/// Pairs our results of `scenario` with `peer`'s by round number (`--round`); `None` with fewer than
/// two pairs.
pub fn round_by_round(results: &[RunResult], scenario: &str, peer: &str) -> Option<RoundByRound> {
    let mut ratios: Vec<f64> = results
        .iter()
        .filter(|ours| ours.ours && ours.scenario == scenario)
        .filter_map(|ours| {
            let round = ours.round?;
            let theirs = results.iter().find(|r| {
                !r.ours && r.scenario == scenario && r.server == peer && r.round == Some(round)
            })?;
            super::compare::merit(ours, theirs)
        })
        .collect();
    if ratios.len() < 2 {
        return None;
    }
    ratios.sort_by(f64::total_cmp);
    Some(RoundByRound {
        rounds: ratios.len(),
        ours_ahead: ratios.iter().filter(|ratio| **ratio > 1.0).count(),
        median: ratios[ratios.len() / 2],
        lowest: ratios[0],
        highest: ratios[ratios.len() - 1],
    })
}

/// Results of the same scenario and server become one, kept at the place of the first: the median
/// round by the headline figure, with `fastest` and `slowest` (added when missing) the best and worst
/// headline any round saw, the errors of all rounds added up, the most CPU time any round had stolen,
/// and the round count in the params.
/// Single results pass through unchanged.
pub fn merge(results: &[RunResult]) -> Vec<RunResult> {
    let mut keys: Vec<(&str, &str)> = Vec::new();
    for result in results {
        let key = (result.scenario.as_str(), result.server.as_str());
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys.into_iter()
        .filter_map(|(scenario, server)| {
            let rounds: Vec<&RunResult> = results
                .iter()
                .filter(|r| r.scenario == scenario && r.server == server)
                .collect();
            median_round(&rounds)
        })
        .collect()
}

fn median_round(rounds: &[&RunResult]) -> Option<RunResult> {
    if let [only] = rounds {
        return Some((*only).clone());
    }
    let mut by_headline: Vec<&RunResult> = rounds.to_vec();
    by_headline.sort_by(|a, b| headline(a).total_cmp(&headline(b)));
    let mut merged = (*by_headline.get(by_headline.len() / 2)?).clone();
    // The extremes: of the rounds' headlines, and of the runs inside a round when it had several.
    let head = merged.headline()?.clone();
    let seen: Vec<f64> = rounds
        .iter()
        .flat_map(|round| round.figures.iter().enumerate())
        .filter(|(index, f)| *index == 0 || f.name == "fastest" || f.name == "slowest")
        .map(|(_, f)| f.value)
        .collect();
    let (fastest, slowest) = match head.better {
        Better::Higher => (max(&seen), min(&seen)),
        Better::Lower => (min(&seen), max(&seen)),
    };
    set(&mut merged, &head, "fastest", fastest);
    set(&mut merged, &head, "slowest", slowest);
    merged.errors = rounds.iter().map(|r| r.errors).sum();
    merged.first_error = rounds.iter().find_map(|r| r.first_error.clone());
    merged.elapsed_s = rounds.iter().map(|r| r.elapsed_s).sum();
    merged.steal_percent = rounds
        .iter()
        .filter_map(|r| r.steal_percent)
        .reduce(f64::max);
    merged.round = None;
    merged.params = format!(
        "{}, median of {} rounds (taking turns)",
        merged.params,
        rounds.len()
    );
    Some(merged)
}

fn headline(result: &RunResult) -> f64 {
    result.headline().map_or(f64::NAN, |f| f.value)
}

fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

fn min(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

/// Sets the figure `name` (a variant of the headline `head`), adding it when the rounds lacked it.
fn set(result: &mut RunResult, head: &Figure, name: &str, value: f64) {
    match result.figures.iter_mut().find(|f| f.name == name) {
        Some(figure) => figure.value = value,
        None => result.figures.push(Figure {
            name: name.into(),
            value,
            ..head.clone()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::compare::tests::row;

    fn bulk(server: &str, throughput: f64, errors: u64) -> RunResult {
        let mut result = row(
            "retr-big",
            server,
            server == "ours",
            Figure::higher("throughput", throughput, "MB/s"),
        );
        result
            .figures
            .push(Figure::higher("fastest", throughput, "MB/s"));
        result
            .figures
            .push(Figure::higher("slowest", throughput, "MB/s"));
        result.errors = errors;
        result
    }

    #[test]
    fn the_median_round_stands_for_the_server_with_the_extremes_beside_it() {
        let stolen = |mut result: RunResult, percent: f64| {
            result.steal_percent = Some(percent);
            result
        };
        let results = vec![
            stolen(bulk("ours", 300.0, 0), 0.5),
            bulk("vsftpd", 500.0, 0),
            stolen(bulk("ours", 100.0, 1), 7.5),
            bulk("vsftpd", 400.0, 0),
            bulk("ours", 200.0, 0),
        ];
        let merged = merge(&results);
        assert_eq!(merged.len(), 2);
        let ours = &merged[0];
        assert_eq!(ours.server, "ours");
        let values: Vec<f64> = ours.figures.iter().map(|f| f.value).collect();
        assert_eq!(values, [200.0, 300.0, 100.0]);
        assert_eq!(ours.steal_percent, Some(7.5));
        assert_eq!(ours.errors, 1);
        assert_eq!(ours.params, "tiny, median of 3 rounds (taking turns)");
        // Two rounds: the upper of the middle two.
        assert_eq!(merged[1].figures[0].value, 500.0);
    }

    #[test]
    fn lower_is_better_gains_its_extremes_the_other_way_and_single_results_pass_through() {
        let latency = |p50: f64| row("small-files", "ours", true, Figure::lower("p50", p50, "ms"));
        let merged = merge(&[latency(0.3), latency(0.2), latency(0.4)]);
        let figures: Vec<(&str, f64)> = merged[0]
            .figures
            .iter()
            .map(|f| (f.name.as_str(), f.value))
            .collect();
        assert_eq!(figures, [("p50", 0.3), ("fastest", 0.2), ("slowest", 0.4)]);
        assert!(merged[0].figures.iter().all(|f| f.better == Better::Lower));
        let single = latency(0.5);
        assert_eq!(merge(std::slice::from_ref(&single)), vec![single]);
    }

    fn in_round(mut result: RunResult, round: u32) -> RunResult {
        result.round = Some(round);
        result
    }

    #[test]
    fn rounds_pair_by_number_and_count_where_ours_was_ahead() {
        let results = vec![
            in_round(bulk("ours", 300.0, 0), 1),
            in_round(bulk("vsftpd", 200.0, 0), 1),
            in_round(bulk("vsftpd", 400.0, 0), 2),
            in_round(bulk("ours", 200.0, 0), 2),
            // Round 3 has no vsftpd result (its run failed): it is left out, not paired with round 4.
            in_round(bulk("ours", 900.0, 0), 3),
            in_round(bulk("ours", 330.0, 0), 4),
            in_round(bulk("vsftpd", 300.0, 0), 4),
            // A result without a round number is no round.
            bulk("vsftpd", 1.0, 0),
        ];
        let rounds = round_by_round(&results, "retr-big", "vsftpd").unwrap();
        assert_eq!((rounds.rounds, rounds.ours_ahead), (3, 2));
        assert_eq!((rounds.lowest, rounds.highest), (0.5, 1.5));
        assert!((rounds.median - 1.1).abs() < 1e-9, "{rounds:?}");
        assert_eq!(round_by_round(&results, "retr-big", "proftpd"), None);
        assert_eq!(merge(&results)[0].round, None);
    }

    #[test]
    fn a_lower_figure_is_ahead_and_one_pair_is_too_few() {
        let latency = |server: &str, p50: f64, round: u32| {
            let figure = Figure::lower("p50", p50, "ms");
            in_round(row("small-files", server, server == "ours", figure), round)
        };
        let one = [latency("ours", 0.1, 1), latency("pure-ftpd", 0.2, 1)];
        assert_eq!(round_by_round(&one, "small-files", "pure-ftpd"), None);
        let two = [
            &one[..],
            &[latency("ours", 0.4, 2), latency("pure-ftpd", 0.2, 2)],
        ]
        .concat();
        let rounds = round_by_round(&two, "small-files", "pure-ftpd").unwrap();
        assert_eq!(
            (rounds.ours_ahead, rounds.lowest, rounds.highest),
            (1, 0.5, 2.0)
        );
    }
}
