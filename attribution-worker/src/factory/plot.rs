//! `loss.png`: the training and validation loss per epoch, drawn in pure Rust (plotters' bitmap backend and
//! PNG encoder; text through ab_glyph from DejaVu Sans, read at run time). Without the font the curves and axes
//! are drawn without any text rather than not at all.

use anyhow::{anyhow, Result};
use attribution_engine::train::EpochLoss;
use plotters::{prelude::*, style::register_font};
use std::{path::Path, sync::OnceLock};

/// Where Debian's `fonts-dejavu-core` installs the font the labels are drawn in.
pub(crate) const FONT_PATH: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
/// The family name the font is registered under for plotters.
pub(crate) const FONT: &str = "sans-serif";
/// The picture's width and height in pixels.
pub const SIZE: (u32, u32) = (800, 480);

/// Registers DejaVu Sans with plotters once per process; false when it cannot be read or parsed.
pub(crate) fn font_available() -> bool {
	static REGISTERED: OnceLock<bool> = OnceLock::new();
	*REGISTERED.get_or_init(|| match std::fs::read(FONT_PATH) {
		// plotters keeps fonts for the life of the process: the bytes are leaked once.
		Ok(bytes) => register_font(FONT, FontStyle::Normal, Box::leak(bytes.into_boxed_slice())).is_ok(),
		Err(e) => {
			tracing::warn!("{FONT_PATH}: {e}; loss plots are drawn without text (install fonts-dejavu-core)");
			false
		},
	})
}

/// Draws the loss curve into `path` (PNG): validation loss from epoch 0 (the base model, `base_validation`)
/// and training loss from epoch 1, with labelled axes and a legend when the font is available.
///
/// # Errors
/// The picture cannot be drawn or written.
pub fn plot_losses(path: &Path, base_validation: f64, losses: &[EpochLoss]) -> Result<()> {
	draw(path, base_validation, losses, font_available())
}

fn draw(path: &Path, base_validation: f64, losses: &[EpochLoss], with_text: bool) -> Result<()> {
	let failed = |e: &dyn std::fmt::Display| anyhow!("drawing {}: {e}", path.display());
	let train: Vec<(f64, f64)> = losses.iter().map(|l| (l.epoch as f64, l.train)).collect();
	let validation: Vec<(f64, f64)> =
		std::iter::once((0.0, base_validation)).chain(losses.iter().map(|l| (l.epoch as f64, l.validation))).collect();
	let last_epoch = losses.iter().map(|l| l.epoch).max().unwrap_or(1).max(1);
	let (low, high) = loss_range(train.iter().chain(&validation).map(|&(_, loss)| loss));

	let root = BitMapBackend::new(path, SIZE).into_drawing_area();
	root.fill(&WHITE).map_err(|e| failed(&e))?;
	let mut builder = ChartBuilder::on(&root);
	builder.margin(20);
	if with_text {
		builder.caption("Loss per epoch", (FONT, 24)).x_label_area_size(50).y_label_area_size(70);
	}
	let mut chart = builder.build_cartesian_2d(0f64..last_epoch as f64, low..high).map_err(|e| failed(&e))?;
	let mut mesh = chart.configure_mesh();
	if with_text {
		mesh.x_desc("epoch")
			.y_desc("loss (nats per target token)")
			.x_labels(last_epoch.saturating_add(1).min(11))
			.x_label_formatter(&|epoch| format!("{epoch:.0}"))
			.label_style((FONT, 15))
			.axis_desc_style((FONT, 17));
	} else {
		mesh.x_labels(0).y_labels(0);
	}
	mesh.draw().map_err(|e| failed(&e))?;

	let series = [("validation", &validation, RED), ("train", &train, BLUE)];
	for (name, points, colour) in series {
		let drawn = chart
			.draw_series(LineSeries::new(points.iter().copied(), colour.stroke_width(2)).point_size(4))
			.map_err(|e| failed(&e))?;
		if with_text {
			drawn.label(name).legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
		}
	}
	if with_text {
		chart
			.configure_series_labels()
			.position(SeriesLabelPosition::UpperRight)
			.label_font((FONT, 15))
			.background_style(WHITE.mix(0.8))
			.border_style(BLACK)
			.draw()
			.map_err(|e| failed(&e))?;
	}
	root.present().map_err(|e| failed(&e))?;
	Ok(())
}

/// The y range shown: every finite loss with a margin of 5 % (at least 0.05 nats) on each side.
fn loss_range(losses: impl Iterator<Item = f64>) -> (f64, f64) {
	let (low, high) = losses
		.filter(|loss| loss.is_finite())
		.fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), loss| (low.min(loss), high.max(loss)));
	if low > high {
		return (0.0, 1.0);
	}
	let margin = ((high - low) * 0.05).max(0.05);
	(low - margin, high + margin)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn curve() -> Vec<EpochLoss> {
		vec![
			EpochLoss { epoch: 1, train: 2.56, validation: 2.58 },
			EpochLoss { epoch: 2, train: 1.71, validation: 2.64 },
			EpochLoss { epoch: 3, train: 1.03, validation: 2.80 },
		]
	}

	/// The width and height a PNG's IHDR chunk records (the first chunk, right after the signature).
	fn png_size(bytes: &[u8]) -> (u32, u32) {
		assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
		assert_eq!(&bytes[12..16], b"IHDR", "IHDR comes first");
		let word = |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
		(word(16), word(20))
	}

	#[test]
	fn the_loss_curve_is_a_png_of_the_stated_size() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("loss.png");
		plot_losses(&path, 3.01, &curve()).unwrap();
		let bytes = std::fs::read(&path).unwrap();
		assert!(bytes.len() > 1_000, "{} bytes", bytes.len());
		assert_eq!(png_size(&bytes), SIZE);
	}

	#[test]
	fn without_a_font_the_curves_are_still_drawn() {
		let dir = tempfile::tempdir().unwrap();
		let (with_text, without_text) = (dir.path().join("text.png"), dir.path().join("plain.png"));
		draw(&without_text, 3.01, &curve(), false).unwrap();
		assert_eq!(png_size(&std::fs::read(&without_text).unwrap()), SIZE);
		if font_available() {
			draw(&with_text, 3.01, &curve(), true).unwrap();
			assert_ne!(std::fs::read(&with_text).unwrap(), std::fs::read(&without_text).unwrap(), "labels drawn");
		}
	}

	#[test]
	fn a_single_epoch_or_a_flat_curve_still_has_a_range() {
		let dir = tempfile::tempdir().unwrap();
		let flat = [EpochLoss { epoch: 1, train: 2.0, validation: 2.0 }];
		plot_losses(&dir.path().join("flat.png"), 2.0, &flat).unwrap();
		assert_eq!(loss_range([2.0, 2.0].into_iter()), (1.95, 2.05));
		assert_eq!(loss_range([f64::NAN].into_iter()), (0.0, 1.0));
	}
}
