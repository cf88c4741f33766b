//! A job's files over HTTP: `GET /files/{job}/{file}` publishes what training wrote (the adapter and the
//! sketches are what a registered model's `adapterUri` and `influenceUri` point at, so workers fetch them from
//! here), and `GET /api/jobs/{id}/loss.png` is the plot the page shows.

use super::{ApiError, Studio};
use crate::factory::{ADAPTER_FILE, INFLUENCE_FILE, LOSS_PLOT_FILE};
use axum::{
	extract::{Path, State},
	http::{header, StatusCode},
	response::{IntoResponse, Response},
};

/// The files a job directory publishes, with their content types; nothing else is served.
const PUBLISHED: [(&str, &str); 5] = [
	(ADAPTER_FILE, "application/octet-stream"),
	(INFLUENCE_FILE, "application/octet-stream"),
	(LOSS_PLOT_FILE, "image/png"),
	("loss.csv", "text/csv"),
	("training.json", "application/json"),
];

/// `GET /files/{job}/{file}`.
pub async fn published(
	State(studio): State<Studio>,
	Path((job, file)): Path<(u64, String)>,
) -> Result<Response, ApiError> {
	serve(&studio, job, &file).await
}

/// `GET /api/jobs/{id}/loss.png`.
pub async fn loss_plot(State(studio): State<Studio>, Path(id): Path<u64>) -> Result<Response, ApiError> {
	serve(&studio, id, LOSS_PLOT_FILE).await
}

async fn serve(studio: &Studio, job: u64, file: &str) -> Result<Response, ApiError> {
	let not_found = || ApiError::new(StatusCode::NOT_FOUND, format!("job {job} has no file {file}"));
	let (name, content_type) = PUBLISHED.iter().find(|(name, _)| *name == file).ok_or_else(not_found)?;
	match tokio::fs::read(studio.job_dir(job).join(name)).await {
		Ok(bytes) => {
			Ok(([(header::CONTENT_TYPE, *content_type), (header::CACHE_CONTROL, "no-cache")], bytes).into_response())
		},
		Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(not_found()),
		Err(e) => Err(ApiError::internal(e)),
	}
}
