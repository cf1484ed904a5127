//! `ftp-bench report`: reads the JSON results of a run and writes `docs/benchmarks.md` with one SVG bar
//! chart per scenario.
//!
//! - [`compare`]: groups results by scenario and computes ours versus the best peer.
//! - [`rounds`]: a server (or client) measured in several rounds, taking turns with the others, becomes
//!   one row; and ours against each of the others round by round.
//! - [`machine`]: what the machine is (CPUs, memory, kernel) and today's date, from `/proc`.
//! - [`markdown`]: the document.
//! - [`chart`]: the SVG bar charts (plotters, SVG backend only).

pub mod chart;
pub mod compare;
pub mod machine;
pub mod markdown;
pub mod rounds;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::result::RunResult;

/// Reads results from files holding JSON objects one after another (what `--json` prints, one per line)
/// or a JSON array of them.
pub fn load(paths: &[PathBuf]) -> Result<Vec<RunResult>> {
    let mut results = Vec::new();
    for path in paths {
        let text =
            fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        results.extend(parse(&text).with_context(|| format!("parsing {}", path.display()))?);
    }
    Ok(results)
}

/// Parses a stream of results (objects or arrays of objects).
pub fn parse(text: &str) -> Result<Vec<RunResult>> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(RunResult),
        Many(Vec<RunResult>),
    }
    let mut results = Vec::new();
    for item in serde_json::Deserializer::from_str(text).into_iter::<OneOrMany>() {
        match item? {
            OneOrMany::One(result) => results.push(result),
            OneOrMany::Many(many) => results.extend(many),
        }
    }
    Ok(results)
}

/// Writes the markdown to `out` and the charts under `charts`, returning the files written.
pub fn write(results: &[RunResult], out: &Path, charts: &Path, note: &str) -> Result<Vec<PathBuf>> {
    let groups = compare::group(results);
    fs::create_dir_all(charts).with_context(|| format!("creating {}", charts.display()))?;
    let mut written = Vec::new();
    let mut links = Vec::new();
    for group in &groups {
        let file = charts.join(format!("{}.svg", chart::file_stem(&group.scenario)));
        chart::draw(group, &file).with_context(|| format!("drawing {}", file.display()))?;
        links.push(relative_to(&file, out));
        written.push(file);
    }
    let machine = machine::Machine::read();
    let text = markdown::render(&groups, &links, &machine, note);
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    fs::write(out, text).with_context(|| format!("writing {}", out.display()))?;
    written.push(out.to_path_buf());
    Ok(written)
}

/// `file` as a link from the document `doc` (relative when it sits under the document's directory).
fn relative_to(file: &Path, doc: &Path) -> String {
    let base = doc.parent().unwrap_or(Path::new(""));
    file.strip_prefix(base)
        .unwrap_or(file)
        .to_string_lossy()
        .replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines_and_arrays() {
        let one = r#"{"scenario":"retr-big","server":"ours","ours":true,"params":"1 MiB","figures":[{"name":"throughput","value":10.0,"unit":"MB/s","better":"higher"}]}"#;
        let text = format!("{one}\n{one}\n[{one},{one}]");
        let results = parse(&text).unwrap();
        assert_eq!(results.len(), 4);
        assert_eq!(results[0].errors, 0);
        assert!(parse("{nonsense").is_err());
    }

    #[test]
    fn chart_links_are_relative_to_the_document() {
        assert_eq!(
            relative_to(
                Path::new("docs/benchmarks/x.svg"),
                Path::new("docs/benchmarks.md")
            ),
            "benchmarks/x.svg"
        );
        assert_eq!(
            relative_to(Path::new("/tmp/c/x.svg"), Path::new("docs/benchmarks.md")),
            "/tmp/c/x.svg"
        );
    }
}
