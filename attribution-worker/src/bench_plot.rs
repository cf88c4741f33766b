//! The PubMedQA bench's picture: each method's linear datamodeling score (with its 95 % interval) against its
//! cost in full-prompt passes per answer, so a method's quality is read beside what it costs a validator.

use crate::factory::plot::{font_available, FONT};
use anyhow::{anyhow, Result};
use attribution_engine::evaluate::report::PartReport;
use plotters::prelude::*;
use std::path::Path;

/// The picture's width and height in pixels.
pub const SIZE: (u32, u32) = (900, 560);

/// Draws LDS against passes per answer for every method of `report` into `path` (PNG).
///
/// # Errors
/// The picture cannot be drawn or written.
pub fn quality_against_cost(path: &Path, report: &PartReport) -> Result<()> {
	let failed = |e: &dyn std::fmt::Display| anyhow!("drawing {}: {e}", path.display());
	let with_text = font_available();
	let points: Vec<(&str, f64, f64, f64, f64)> = report
		.methods
		.iter()
		.filter(|(_, m)| m.lds.mean.is_finite())
		.map(|(name, m)| (*name, m.passes.mean.max(0.0), m.lds.mean, m.lds.lo, m.lds.hi))
		.collect();
	let x_max = points.iter().map(|p| p.1).fold(1.0f64, f64::max) * 1.15;
	let (y_lo, y_hi) = points.iter().fold((0.0f64, 0.0f64), |(lo, hi), p| (lo.min(p.3), hi.max(p.4)));
	let (y_lo, y_hi) = (y_lo - 0.05, (y_hi + 0.05).max(y_lo + 0.2));
	let root = BitMapBackend::new(path, SIZE).into_drawing_area();
	root.fill(&WHITE).map_err(|e| failed(&e))?;
	let mut builder = ChartBuilder::on(&root);
	builder.margin(20);
	if with_text {
		builder
			.caption(format!("PubMedQA: faithfulness against cost ({} answers)", report.attributed), (FONT, 22))
			.x_label_area_size(50)
			.y_label_area_size(70);
	}
	let mut chart = builder.build_cartesian_2d(0f64..x_max, y_lo..y_hi).map_err(|e| failed(&e))?;
	let mut mesh = chart.configure_mesh();
	if with_text {
		mesh.x_desc("cost: full-prompt passes per answer")
			.y_desc("LDS (Spearman, all 256 subsets), 95 % CI")
			.label_style((FONT, 14))
			.axis_desc_style((FONT, 16));
	} else {
		mesh.x_labels(0).y_labels(0);
	}
	mesh.draw().map_err(|e| failed(&e))?;
	// One colour per method, named in the legend (labels beside the points would overlap: several methods
	// cost nothing at query time and sit on the same vertical).
	for (i, (name, x, y, lo, hi)) in points.iter().enumerate() {
		let colour = Palette99::pick(i).to_rgba();
		chart
			.draw_series(std::iter::once(PathElement::new(vec![(*x, *lo), (*x, *hi)], colour.stroke_width(2))))
			.map_err(|e| failed(&e))?;
		let drawn = chart
			.draw_series(std::iter::once(Circle::new((*x, *y), 6, colour.filled())))
			.map_err(|e| failed(&e))?;
		if with_text {
			drawn
				.label(format!("{name}  {y:.2}"))
				.legend(move |(lx, ly)| Circle::new((lx + 8, ly), 5, colour.filled()));
		}
	}
	if with_text {
		chart
			.configure_series_labels()
			.position(SeriesLabelPosition::LowerRight)
			.label_font((FONT, 14))
			.background_style(WHITE.mix(0.85))
			.border_style(BLACK)
			.draw()
			.map_err(|e| failed(&e))?;
	}
	root.present().map_err(|e| failed(&e))?;
	Ok(())
}
