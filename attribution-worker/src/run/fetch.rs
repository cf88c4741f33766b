//! Content by URI: `file://` paths and `http(s)://` URLs. Transient failures (no connection, a timeout, HTTP 5xx,
//! 408 or 429) are retried with exponential backoff; after the last attempt the URI is reported unreachable.
//! Other HTTP errors are final at once. Every body is capped at the size the chain declares, so a misbehaving
//! server can neither stall the worker for long nor fill its disk.

use std::{path::PathBuf, time::Duration};
use substrate_prometheus_endpoint::{Counter, U64};

/// Why a URI gave no content.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
	#[error("{uri}: unsupported scheme (this worker fetches file://, http:// and https:// URIs)")]
	Unsupported { uri: String },
	#[error("{uri}: {reason}")]
	Refused { uri: String, reason: String },
	#[error("{uri}: unreachable after {attempts} attempts (last: {last})")]
	Unreachable { uri: String, attempts: u32, last: String },
	#[error("{uri}: more than the {limit} bytes the chain declares")]
	TooLarge { uri: String, limit: u64 },
}

/// How one HTTP attempt ended when it did not deliver.
enum Failure {
	/// Worth another attempt.
	Transient(String),
	Final(FetchError),
}

/// Fetches content, retrying transient failures.
#[derive(Clone)]
pub struct Fetcher {
	client: reqwest::Client,
	attempts: u32,
	first_delay: Duration,
	retries: Option<Counter<U64>>,
}

impl Fetcher {
	/// A fetcher making up to `attempts` attempts per URI, waiting `first_delay`, then twice as long each time
	/// (at most 30 s); every retry counts on `retries`.
	pub fn new(attempts: u32, first_delay: Duration, retries: Option<Counter<U64>>) -> anyhow::Result<Self> {
		let client = reqwest::Client::builder()
			.user_agent(concat!("openledger-attribution-worker/", env!("CARGO_PKG_VERSION")))
			.connect_timeout(Duration::from_secs(10))
			.timeout(Duration::from_secs(300))
			.build()?;
		Ok(Self { client, attempts: attempts.max(1), first_delay, retries })
	}

	/// The bytes at `uri`, at most `limit` of them.
	///
	/// # Errors
	/// [`FetchError`]: an unsupported scheme, a missing file or a final HTTP status (`Refused`), transient
	/// failures on every attempt (`Unreachable`), or a body over `limit` (`TooLarge`).
	pub async fn fetch(&self, uri: &str, limit: u64) -> Result<Vec<u8>, FetchError> {
		if let Some(path) = uri.strip_prefix("file://") {
			return read_file(uri, PathBuf::from(path), limit).await;
		}
		if !(uri.starts_with("http://") || uri.starts_with("https://")) {
			return Err(FetchError::Unsupported { uri: uri.to_owned() });
		}
		let mut last = String::new();
		for attempt in 0..self.attempts {
			if attempt > 0 {
				let delay = self.first_delay.saturating_mul(1 << (attempt - 1).min(16)).min(Duration::from_secs(30));
				tracing::warn!("{uri}: {last}; retrying in {delay:?} (attempt {} of {})", attempt + 1, self.attempts);
				if let Some(retries) = &self.retries {
					retries.inc();
				}
				tokio::time::sleep(delay).await;
			}
			match self.attempt(uri, limit).await {
				Ok(bytes) => return Ok(bytes),
				Err(Failure::Transient(reason)) => last = reason,
				Err(Failure::Final(error)) => return Err(error),
			}
		}
		Err(FetchError::Unreachable { uri: uri.to_owned(), attempts: self.attempts, last })
	}

	async fn attempt(&self, uri: &str, limit: u64) -> Result<Vec<u8>, Failure> {
		let too_large = || Failure::Final(FetchError::TooLarge { uri: uri.to_owned(), limit });
		let mut response = self.client.get(uri).send().await.map_err(|e| Failure::Transient(describe(&e)))?;
		let status = response.status();
		if status.is_server_error()
			|| status == reqwest::StatusCode::TOO_MANY_REQUESTS
			|| status == reqwest::StatusCode::REQUEST_TIMEOUT
		{
			return Err(Failure::Transient(format!("HTTP {status}")));
		}
		if !status.is_success() {
			return Err(Failure::Final(FetchError::Refused { uri: uri.to_owned(), reason: format!("HTTP {status}") }));
		}
		if response.content_length().is_some_and(|length| length > limit) {
			return Err(too_large());
		}
		let mut body = Vec::new();
		while let Some(chunk) = response.chunk().await.map_err(|e| Failure::Transient(describe(&e)))? {
			if u64::try_from(body.len().saturating_add(chunk.len())).unwrap_or(u64::MAX) > limit {
				return Err(too_large());
			}
			body.extend_from_slice(&chunk);
		}
		Ok(body)
	}
}

async fn read_file(uri: &str, path: PathBuf, limit: u64) -> Result<Vec<u8>, FetchError> {
	let refused = |e: std::io::Error| FetchError::Refused { uri: uri.to_owned(), reason: e.to_string() };
	let length = tokio::fs::metadata(&path).await.map_err(refused)?.len();
	if length > limit {
		return Err(FetchError::TooLarge { uri: uri.to_owned(), limit });
	}
	tokio::fs::read(&path).await.map_err(refused)
}

/// An error with its causes ("error sending request: connection refused").
fn describe(error: &dyn std::error::Error) -> String {
	let mut text = error.to_string();
	let mut source = error.source();
	while let Some(cause) = source {
		text.push_str(": ");
		text.push_str(&cause.to_string());
		source = cause.source();
	}
	text
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::sync::{
		atomic::{AtomicUsize, Ordering},
		Arc,
	};
	use tokio::{
		io::{AsyncReadExt, AsyncWriteExt},
		net::TcpListener,
	};

	/// Serves each connection the next of `responses` (the last one repeats); counts the connections.
	async fn server(responses: Vec<&'static str>) -> (String, Arc<AtomicUsize>) {
		let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
		let url = format!("http://{}/data.txt", listener.local_addr().unwrap());
		let served = Arc::new(AtomicUsize::new(0));
		let counter = served.clone();
		tokio::spawn(async move {
			loop {
				let (mut socket, _) = listener.accept().await.unwrap();
				let n = counter.fetch_add(1, Ordering::SeqCst);
				let response = responses.get(n).or(responses.last()).copied().unwrap_or_default();
				let mut request = [0u8; 1024];
				let _ = socket.read(&mut request).await;
				socket.write_all(response.as_bytes()).await.unwrap();
				socket.shutdown().await.unwrap();
			}
		});
		(url, served)
	}

	const OK: &str = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
	const BUSY: &str = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
	const GONE: &str = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

	fn fetcher(attempts: u32) -> Fetcher {
		Fetcher::new(attempts, Duration::from_millis(10), None).unwrap()
	}

	#[tokio::test]
	async fn transient_failures_are_retried_until_the_content_comes() {
		let (url, served) = server(vec![BUSY, BUSY, OK]).await;
		assert_eq!(fetcher(4).fetch(&url, 100).await.unwrap(), b"hello");
		assert_eq!(served.load(Ordering::SeqCst), 3);
	}

	#[tokio::test]
	async fn an_unreachable_uri_is_reported_after_the_last_attempt() {
		let (url, served) = server(vec![BUSY]).await;
		let error = fetcher(3).fetch(&url, 100).await.unwrap_err();
		assert!(matches!(error, FetchError::Unreachable { attempts: 3, ref last, .. } if last.contains("503")), "{error}");
		assert_eq!(served.load(Ordering::SeqCst), 3);

		// Nobody listening: connection errors are transient too.
		let closed = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
		let error = fetcher(2).fetch(&format!("http://{closed}/x"), 100).await.unwrap_err();
		assert!(matches!(error, FetchError::Unreachable { attempts: 2, .. }), "{error}");
	}

	#[tokio::test]
	async fn a_final_status_is_not_retried() {
		let (url, served) = server(vec![GONE]).await;
		let error = fetcher(5).fetch(&url, 100).await.unwrap_err();
		assert!(matches!(error, FetchError::Refused { ref reason, .. } if reason.contains("404")), "{error}");
		assert_eq!(served.load(Ordering::SeqCst), 1);
	}

	#[tokio::test]
	async fn bodies_over_the_declared_size_are_refused() {
		let (url, _) = server(vec![OK]).await;
		assert!(matches!(fetcher(1).fetch(&url, 4).await, Err(FetchError::TooLarge { limit: 4, .. })));
		let file = tempfile::NamedTempFile::new().unwrap();
		std::fs::write(file.path(), b"hello").unwrap();
		let uri = format!("file://{}", file.path().display());
		assert_eq!(fetcher(1).fetch(&uri, 5).await.unwrap(), b"hello");
		assert!(matches!(fetcher(1).fetch(&uri, 4).await, Err(FetchError::TooLarge { .. })));
	}

	#[tokio::test]
	async fn other_schemes_and_missing_files_are_refused() {
		assert!(matches!(fetcher(1).fetch("ipfs://bafy", 10).await, Err(FetchError::Unsupported { .. })));
		assert!(matches!(fetcher(1).fetch("file:///no/such/file", 10).await, Err(FetchError::Refused { .. })));
	}
}
