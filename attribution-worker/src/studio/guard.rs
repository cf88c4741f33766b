//! What keeps a web page the operator happens to visit from driving the studio (which trains and registers models
//! with the owner's key): every state-changing request must be `application/json` — a cross-site form, or a
//! `fetch` without CORS, can only send text, form or multipart bodies without a preflight, and this server approves
//! no preflight — and, when the browser names an `Origin`, it must be the studio's own (its listening address or
//! its public URL; a DNS-rebinding page's origin is its own name, so it is refused too).

use axum::{
	extract::{Request, State},
	http::{
		header::{CONTENT_TYPE, ORIGIN},
		Method, StatusCode,
	},
	middleware::Next,
	response::{IntoResponse, Response},
};

use super::{ApiError, Studio};

/// The origin (`scheme://host[:port]`) of a URL, lower-cased, without a path.
pub fn origin_of(url: &str) -> Option<String> {
	let parsed = reqwest::Url::parse(url).ok()?;
	let origin = parsed.origin();
	origin.is_tuple().then(|| origin.ascii_serialization())
}

/// Refuses state-changing requests that are not JSON or come from another origin.
pub async fn same_origin_json(State(studio): State<Studio>, request: Request, next: Next) -> Response {
	if request.method() != Method::GET && request.method() != Method::HEAD {
		let json = request
			.headers()
			.get(CONTENT_TYPE)
			.and_then(|value| value.to_str().ok())
			.and_then(|value| value.split(';').next())
			.is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
		if !json {
			return ApiError::new(
				StatusCode::UNSUPPORTED_MEDIA_TYPE,
				"state-changing requests must be application/json (refused: it could come from another site's form)",
			)
			.into_response();
		}
		if let Some(origin) = request.headers().get(ORIGIN) {
			let origin = origin.to_str().unwrap_or_default().to_ascii_lowercase();
			if !studio.origins.contains(&origin) {
				return ApiError::new(
					StatusCode::FORBIDDEN,
					format!("a request from {origin} is refused: only this studio's own page may change anything"),
				)
				.into_response();
			}
		}
	}
	next.run(request).await
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn origins_are_scheme_host_and_port() {
		assert_eq!(origin_of("http://127.0.0.1:8090/").as_deref(), Some("http://127.0.0.1:8090"));
		assert_eq!(origin_of("https://Studio.Example/files").as_deref(), Some("https://studio.example"));
		assert_eq!(origin_of("not a url"), None);
	}
}
