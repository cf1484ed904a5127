//! Rounds: `just bench` measures the close races (bulk transfers, small-file latency) in rounds, every
//! server taking its turn in each, so that a slow spell of the shared machine hits all of them alike
//! instead of whichever server happened to run then. Here the rounds of one server become one row.

use crate::result::{Better, Figure, RunResult};

/// Results of the same scenario and server become one, kept at the place of the first: the median
/// round by the headline figure, with `fastest` and `slowest` (added when missing) the best and worst
/// headline any round saw, the errors of all rounds added up, and the round count in the params.
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
    merged.params = format!(
        "{}, median of {} rounds (servers taking turns)",
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
        let results = vec![
            bulk("ours", 300.0, 0),
            bulk("vsftpd", 500.0, 0),
            bulk("ours", 100.0, 1),
            bulk("vsftpd", 400.0, 0),
            bulk("ours", 200.0, 0),
        ];
        let merged = merge(&results);
        assert_eq!(merged.len(), 2);
        let ours = &merged[0];
        assert_eq!(ours.server, "ours");
        let values: Vec<f64> = ours.figures.iter().map(|f| f.value).collect();
        assert_eq!(values, [200.0, 300.0, 100.0]);
        assert_eq!(ours.errors, 1);
        assert_eq!(
            ours.params,
            "tiny, median of 3 rounds (servers taking turns)"
        );
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
}
