//! `POST /api/jobs/{id}/register`: a finished job's adapter registered as a model on chain, with the studio's
//! file URLs as its `adapterUri` and `influenceUri`. The files are re-hashed first (`TrainedModel::read`): a
//! tampered adapter registers nothing.

use super::{bad_request, lock, parse_json, ApiError, Studio};
use crate::{
	factory::{ADAPTER_FILE, INFLUENCE_FILE},
	run::{Listing, TrainedModel},
};
use anyhow::{anyhow, bail, ensure, Context, Result};
use axum::{
	body::Bytes,
	extract::{Path, State},
	http::StatusCode,
	Json,
};
use serde::Deserialize;
use serde_json::{json, Value};

/// Plancks per OPEN.
const DECIMALS: u32 = 18;

/// The body: the fee per answer in OPEN (a decimal string or a JSON number) and a name for the metadata.
#[derive(Deserialize)]
struct RegisterRequest {
	fee: Value,
	#[serde(default)]
	name: String,
}

/// An amount of OPEN, written in decimal (`"1"`, `"0.25"`, up to 18 decimals), in plancks.
pub fn plancks(open: &Value) -> Result<u128> {
	let text = match open {
		Value::String(text) => text.trim().to_owned(),
		Value::Number(number) => number.to_string(),
		other => bail!("the fee must be an amount of OPEN, not {other}"),
	};
	let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
	let digits = |part: &str| part.chars().all(|c| c.is_ascii_digit());
	ensure!(
		!whole.is_empty() && digits(whole) && digits(fraction),
		"the fee {text:?} is not an amount of OPEN (digits, optionally with a decimal point)"
	);
	let scale = 10u128.pow(DECIMALS);
	ensure!(fraction.len() <= DECIMALS as usize, "the fee {text:?} has more than {DECIMALS} decimals");
	let too_large = || format!("the fee {text:?} is too large");
	let whole: u128 = whole.parse().with_context(too_large)?;
	let fraction: u128 = format!("{fraction:0<width$}", width = DECIMALS as usize).parse().with_context(too_large)?;
	whole.checked_mul(scale).and_then(|w| w.checked_add(fraction)).with_context(too_large)
}

/// Refuses to register files other validators cannot fetch: a public URL at a loopback or private address
/// (`localhost` included), unless the studio allows it (development).
fn reachable_by_others(studio: &Studio) -> Result<(), ApiError> {
	if studio.allow_private_url {
		return Ok(());
	}
	let url = reqwest::Url::parse(&studio.public_url).map_err(|e| bad_request(anyhow::anyhow!("the public URL: {e}")))?;
	let private = url.host_str().is_some_and(|host| host.eq_ignore_ascii_case("localhost"))
		|| crate::run::check_literal_host(&url).is_err();
	if private {
		return Err(bad_request(anyhow::anyhow!(
			"the studio publishes files at {}, which other validators' workers cannot reach (and refuse): start it with \
			 --public-url at an address they can reach (--allow-private-url for development)",
			studio.public_url
		)));
	}
	Ok(())
}

/// Registers job `id`'s model; answers `{"model", "adapterUri"}`. 404 for an unknown job, 400 for a bad fee, a job that is not
/// done, or files that do not match training.json, 409 if the job is registered or being registered, 502 if the
/// chain does not take the registration.
pub async fn register(State(studio): State<Studio>, Path(id): Path<u64>, body: Bytes) -> Result<Json<Value>, ApiError> {
	let request: RegisterRequest = parse_json(&body)?;
	let fee = plancks(&request.fee).map_err(bad_request)?;
	reachable_by_others(&studio)?;
	claim(&studio, id)?;
	let outcome = register_job(&studio, id, fee, request.name).await;
	if let Some(job) = lock(&studio.jobs).get_mut(id) {
		job.registering = false;
		job.model = outcome.as_ref().ok().copied();
	}
	let model = outcome?;
	tracing::info!("job {id}: registered as model {model}");
	Ok(Json(json!({ "model": model, "adapterUri": studio.file_url(id, ADAPTER_FILE) })))
}

/// Marks job `id` as being registered, if it can be.
fn claim(studio: &Studio, id: u64) -> Result<(), ApiError> {
	let mut jobs = lock(&studio.jobs);
	let job = jobs.get_mut(id).ok_or_else(|| ApiError::unknown_job(id))?;
	if let Some(model) = job.model {
		return Err(ApiError::new(StatusCode::CONFLICT, format!("job {id} is already registered as model {model}")));
	}
	if job.registering {
		return Err(ApiError::new(StatusCode::CONFLICT, format!("job {id} is being registered")));
	}
	if job.state != super::jobs::JobState::Done {
		return Err(bad_request(anyhow!(
			"job {id} is {}: only a finished training can be registered",
			job.state.name()
		)));
	}
	job.registering = true;
	Ok(())
}

async fn register_job(studio: &Studio, id: u64, fee: u128, name: String) -> Result<u32, ApiError> {
	let dir = studio.job_dir(id);
	let trained = tokio::task::spawn_blocking(move || TrainedModel::read(&dir))
		.await
		.map_err(ApiError::internal)?
		.map_err(bad_request)?;
	let listing = Listing {
		fee,
		name,
		adapter_uri: studio.file_url(id, ADAPTER_FILE),
		influence_uri: Some(studio.file_url(id, INFLUENCE_FILE)),
	};
	trained
		.register(&studio.node, &studio.owner, &listing)
		.await
		.map_err(|e| ApiError::new(StatusCode::BAD_GATEWAY, format!("registering on {}: {e:#}", studio.node)))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn fees_in_open_become_plancks_exactly() {
		assert_eq!(plancks(&json!("1")).unwrap(), 10u128.pow(18));
		assert_eq!(plancks(&json!(" 0.25 ")).unwrap(), 25 * 10u128.pow(16));
		assert_eq!(plancks(&json!(2)).unwrap(), 2 * 10u128.pow(18));
		assert_eq!(plancks(&json!(0.5)).unwrap(), 5 * 10u128.pow(17));
		assert_eq!(plancks(&json!("0.000000000000000001")).unwrap(), 1);
		assert_eq!(plancks(&json!("0")).unwrap(), 0);
	}

	#[test]
	fn what_is_not_an_amount_is_refused_by_name() {
		for bad in [json!("-1"), json!(""), json!("1e3"), json!("one"), json!(".5"), json!(null), json!(-1)] {
			assert!(plancks(&bad).unwrap_err().to_string().contains("fee"), "{bad}");
		}
		assert!(plancks(&json!("0.0000000000000000001")).unwrap_err().to_string().contains("decimals"));
		assert!(plancks(&json!("1000000000000000000000000")).unwrap_err().to_string().contains("too large"));
	}
}
