//! One horizontal bar chart per scenario: a bar per server for the headline figure, ours in blue and
//! the peers in grey, each bar labelled with its value, the title saying which way is better. SVG only:
//! text is left to the viewer's fonts, so nothing here loads a font.

use std::path::Path;

use anyhow::{anyhow, Result};
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use super::compare::Group;
use crate::output::number;
use crate::result::Better;

const OURS: RGBColor = RGBColor(31, 119, 180);
const PEER: RGBColor = RGBColor(160, 160, 160);

/// A file name for a scenario (letters, digits and `-` only).
pub fn file_stem(scenario: &str) -> String {
    scenario
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Draws `group`'s chart into `path`.
pub fn draw(group: &Group, path: &Path) -> Result<()> {
    let bars: Vec<(String, f64, bool)> = group
        .rows
        .iter()
        .map(|row| {
            let value = row
                .headline()
                .map_or(0.0, |f| if f.value.is_finite() { f.value } else { 0.0 });
            (row.server.clone(), value, row.ours)
        })
        .collect();
    let Some(figure) = group.rows.iter().find_map(|row| row.headline()) else {
        return Err(anyhow!("{}: no figures to chart", group.scenario));
    };
    let direction = match figure.better {
        Better::Higher => "higher is better",
        Better::Lower => "lower is better",
    };
    let title = format!(
        "{}: {} ({}, {direction})",
        group.scenario, figure.name, figure.unit
    );
    let max = bars.iter().map(|b| b.1).fold(0.0, f64::max);
    let x_max = if max > 0.0 { max * 1.25 } else { 1.0 };
    let height = 90 + 40 * u32::try_from(bars.len()).unwrap_or(20);
    let root = SVGBackend::new(path, (760, height)).into_drawing_area();
    let plot_error = |e: &dyn std::fmt::Display| anyhow!("{e}");
    root.fill(&WHITE).map_err(|e| plot_error(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(170)
        .build_cartesian_2d(0.0..x_max, (0..bars.len()).into_segmented())
        .map_err(|e| plot_error(&e))?;
    let names: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
    let y_label = |value: &SegmentValue<usize>| match value {
        SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_label_formatter(&y_label)
        .x_labels(6)
        .x_label_formatter(&|v| number(*v))
        .draw()
        .map_err(|e| plot_error(&e))?;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (_, value, ours))| {
            let color = if *ours { OURS } else { PEER };
            let mut bar = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(i)),
                    (*value, SegmentValue::Exact(i + 1)),
                ],
                color.filled(),
            );
            bar.set_margin(6, 6, 0, 0);
            bar
        }))
        .map_err(|e| plot_error(&e))?;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (_, value, _))| {
            Text::new(
                format!(" {} {}", number(*value), figure.unit),
                (*value, SegmentValue::CenterOf(i)),
                ("sans-serif", 14),
            )
        }))
        .map_err(|e| plot_error(&e))?;
    root.present().map_err(|e| plot_error(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::compare::group;
    use crate::report::compare::tests::row;
    use crate::result::Figure;

    #[test]
    fn draws_an_svg_with_every_server() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("retr-big.svg");
        let throughput = |server: &str, value: f64| {
            row(
                "retr-big",
                server,
                server == "ours",
                Figure::higher("throughput", value, "MB/s"),
            )
        };
        let groups = group(&[throughput("ours", 812.0), throughput("vsftpd", 1780.0)]);
        draw(&groups[0], &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..100.min(svg.len())]);
        for text in ["ours", "vsftpd", "1780 MB/s", "higher is better"] {
            assert!(svg.contains(text), "{text} missing");
        }
    }

    #[test]
    fn file_stems_are_plain() {
        assert_eq!(file_stem("retr-big"), "retr-big");
        assert_eq!(file_stem("client get/put"), "client-get-put");
    }
}
