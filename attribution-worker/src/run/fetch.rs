//! Content by URI: `http(s)://` URLs, and `file://` paths when the operator allows them. Every URI comes from the
//! chain, so from anyone: it is checked before anything is fetched (scheme; no private address unless allowed, see
//! [`super::address`]), every body is read under a cap (the smaller of what the chain declares and this worker's
//! `--max-content-mb`, never the declared size alone), and every attempt has a deadline. Transient failures (no
//! connection, a timeout, HTTP 5xx, 408 or 429) are retried with exponential backoff; after the last attempt the
//! URI is reported unreachable. Other HTTP errors are final at once.

use std::{path::PathBuf, time::Duration};
use substrate_prometheus_endpoint::{Counter, U64};
use tokio::io::AsyncReadExt;

use super::address::{check_literal_host, public_resolver, PrivateAddress};

/// Why a URI gave no content.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
	#[error("{uri}: unsupported scheme (this worker fetches http:// and https:// URIs, and file:// with --allow-file-uris)")]
	Unsupported { uri: String },
	#[error("{uri}: {reason}")]
	Refused { uri: String, reason: String },
	#[error("{uri}: unreachable after {attempts} attempts (last: {last})")]
	Unreachable { uri: String, attempts: u32, last: String },
	#[error("{uri}: more than {limit} bytes ({why})")]
	TooLarge { uri: String, limit: u64, why: &'static str },
}

/// What a worker fetches, and how hard it tries.
#[derive(Debug, Clone)]
pub struct FetchPolicy {
	/// Attempts per URI (at least 1).
	pub attempts: u32,
	/// The wait before the second attempt; doubled each time, at most 30 s.
	pub first_delay: Duration,
	/// The deadline of one attempt, connection to last byte.
	pub attempt_timeout: Duration,
	/// The most bytes fetched from one URI, whatever the chain declares.
	pub max_bytes: u64,
	/// Whether `file://` URIs are read (development and tests only: anyone can put a path on chain).
	pub allow_file: bool,
	/// Whether loopback, private and link-local addresses are fetched from (development and tests only).
	pub allow_private: bool,
}

/// How one HTTP attempt ended when it did not deliver.
enum Failure {
	/// Worth another attempt.
	Transient(String),
	Final(FetchError),
}

/// Fetches content under a [`FetchPolicy`], retrying transient failures.
#[derive(Clone)]
pub struct Fetcher {
	client: reqwest::Client,
	policy: FetchPolicy,
	retries: Option<Counter<U64>>,
}

impl Fetcher {
	/// A fetcher under `policy`; every retry counts on `retries`.
	pub fn new(policy: FetchPolicy, retries: Option<Counter<U64>>) -> anyhow::Result<Self> {
		let allow_private = policy.allow_private;
		let redirects = reqwest::redirect::Policy::custom(move |attempt| {
			if attempt.previous().len() >= 5 {
				return attempt.error("more than 5 redirects");
			}
			if !matches!(attempt.url().scheme(), "http" | "https") {
				return attempt.error("a redirect to a scheme other than http(s)");
			}
			if !allow_private {
				if let Err(private) = check_literal_host(attempt.url()) {
					return attempt.error(private);
				}
			}
			attempt.follow()
		});
		let mut client = reqwest::Client::builder()
			.user_agent(concat!("openledger-attribution-worker/", env!("CARGO_PKG_VERSION")))
			.connect_timeout(Duration::from_secs(10))
			.timeout(policy.attempt_timeout)
			.redirect(redirects);
		if !policy.allow_private {
			client = client.dns_resolver(public_resolver());
		}
		let policy = FetchPolicy { attempts: policy.attempts.max(1), ..policy };
		Ok(Self { client: client.build()?, policy, retries })
	}

	/// The policy this fetcher applies.
	pub fn policy(&self) -> &FetchPolicy {
		&self.policy
	}

	/// The bytes at `uri`: at most `declared`, and never more than the policy's `max_bytes`.
	///
	/// # Errors
	/// [`FetchError`]: an unsupported or refused URI (`Unsupported`, `Refused`: a scheme, a `file://` URI or a
	/// private address the policy does not allow, a missing file, a final HTTP status), transient failures on
	/// every attempt (`Unreachable`), or more bytes than the cap (`TooLarge`).
	pub async fn fetch(&self, uri: &str, declared: u64) -> Result<Vec<u8>, FetchError> {
		let limit = self.limit(uri, declared)?;
		if let Some(path) = uri.strip_prefix("file://") {
			if !self.policy.allow_file {
				return Err(FetchError::Refused {
					uri: uri.to_owned(),
					reason: "file:// URIs are refused (--allow-file-uris permits them, for development)".into(),
				});
			}
			let read = read_file(uri, PathBuf::from(path), limit);
			return tokio::time::timeout(self.policy.attempt_timeout, read).await.unwrap_or_else(|_| {
				Err(FetchError::Refused { uri: uri.to_owned(), reason: "reading the file timed out".into() })
			});
		}
		let url = reqwest::Url::parse(uri).map_err(|e| FetchError::Refused { uri: uri.to_owned(), reason: e.to_string() })?;
		if !matches!(url.scheme(), "http" | "https") {
			return Err(FetchError::Unsupported { uri: uri.to_owned() });
		}
		if !self.policy.allow_private {
			check_literal_host(&url).map_err(|e| FetchError::Refused { uri: uri.to_owned(), reason: e.to_string() })?;
		}
		let mut last = String::new();
		for attempt in 0..self.policy.attempts {
			if attempt > 0 {
				let delay =
					self.policy.first_delay.saturating_mul(1 << (attempt - 1).min(16)).min(Duration::from_secs(30));
				tracing::warn!("{uri}: {last}; retrying in {delay:?} (attempt {} of {})", attempt + 1, self.policy.attempts);
				if let Some(retries) = &self.retries {
					retries.inc();
				}
				tokio::time::sleep(delay).await;
			}
			match self.attempt(url.clone(), uri, limit).await {
				Ok(bytes) => return Ok(bytes),
				Err(Failure::Transient(reason)) => last = reason,
				Err(Failure::Final(error)) => return Err(error),
			}
		}
		Err(FetchError::Unreachable { uri: uri.to_owned(), attempts: self.policy.attempts, last })
	}

	/// The cap for `uri`: the declared size, refused outright when it is over the policy's.
	fn limit(&self, uri: &str, declared: u64) -> Result<(u64, &'static str), FetchError> {
		if declared > self.policy.max_bytes {
			return Err(FetchError::TooLarge {
				uri: uri.to_owned(),
				limit: self.policy.max_bytes,
				why: "this worker's --max-content-mb; the chain declares more",
			});
		}
		Ok((declared, "the size the chain declares"))
	}

	async fn attempt(&self, url: reqwest::Url, uri: &str, (limit, why): (u64, &'static str)) -> Result<Vec<u8>, Failure> {
		let too_large = || Failure::Final(FetchError::TooLarge { uri: uri.to_owned(), limit, why });
		let mut response = self.client.get(url).send().await.map_err(|e| classify(uri, &e))?;
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
		while let Some(chunk) = response.chunk().await.map_err(|e| classify(uri, &e))? {
			if u64::try_from(body.len().saturating_add(chunk.len())).unwrap_or(u64::MAX) > limit {
				return Err(too_large());
			}
			body.extend_from_slice(&chunk);
		}
		Ok(body)
	}
}

/// A request error: final when a private address was refused (at resolution or on a redirect), else transient.
fn classify(uri: &str, error: &reqwest::Error) -> Failure {
	let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
	while let Some(cause) = source {
		if let Some(private) = cause.downcast_ref::<PrivateAddress>() {
			return Failure::Final(FetchError::Refused { uri: uri.to_owned(), reason: private.to_string() });
		}
		source = cause.source();
	}
	if error.is_redirect() {
		return Failure::Final(FetchError::Refused { uri: uri.to_owned(), reason: describe(error) });
	}
	Failure::Transient(describe(error))
}

/// Reads a regular file, streamed under `limit`: a device (`/dev/zero`), a FIFO or a directory is refused, and a
/// file that grows past the cap while read is cut off.
async fn read_file(uri: &str, path: PathBuf, (limit, why): (u64, &'static str)) -> Result<Vec<u8>, FetchError> {
	let refused = |reason: String| FetchError::Refused { uri: uri.to_owned(), reason };
	let file = tokio::fs::File::open(&path).await.map_err(|e| refused(e.to_string()))?;
	let metadata = file.metadata().await.map_err(|e| refused(e.to_string()))?;
	if !metadata.is_file() {
		return Err(refused("not a regular file".into()));
	}
	if metadata.len() > limit {
		return Err(FetchError::TooLarge { uri: uri.to_owned(), limit, why });
	}
	let mut bytes = Vec::new();
	file.take(limit.saturating_add(1)).read_to_end(&mut bytes).await.map_err(|e| refused(e.to_string()))?;
	if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
		return Err(FetchError::TooLarge { uri: uri.to_owned(), limit, why });
	}
	Ok(bytes)
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

	/// A development policy (local servers and files allowed) with quick retries.
	fn lenient(attempts: u32) -> FetchPolicy {
		FetchPolicy {
			attempts,
			first_delay: Duration::from_millis(10),
			attempt_timeout: Duration::from_secs(5),
			max_bytes: 1 << 20,
			allow_file: true,
			allow_private: true,
		}
	}

	/// `attribution-worker run`'s defaults: public http(s) only.
	fn strict() -> FetchPolicy {
		FetchPolicy { allow_file: false, allow_private: false, max_bytes: 256 << 20, ..lenient(5) }
	}

	fn fetcher(attempts: u32) -> Fetcher {
		Fetcher::new(lenient(attempts), None).unwrap()
	}

	/// Accepts connections and sends an endless body (no length), or nothing at all (`hang`).
	async fn endless_server(hang: bool) -> String {
		let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
		let url = format!("http://{}/forever", listener.local_addr().unwrap());
		tokio::spawn(async move {
			loop {
				let (mut socket, _) = listener.accept().await.unwrap();
				tokio::spawn(async move {
					let mut request = [0u8; 1024];
					let _ = socket.read(&mut request).await;
					if hang {
						tokio::time::sleep(Duration::from_secs(3600)).await;
					}
					let _ = socket.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n").await;
					let zeros = vec![0u8; 64 << 10];
					while socket.write_all(&zeros).await.is_ok() {}
				});
			}
		});
		url
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
		// A declared size over the worker's own cap is refused before anything is fetched.
		let (url, served) = server(vec![OK]).await;
		let error = fetcher(1).fetch(&url, 2 << 20).await.unwrap_err();
		assert!(matches!(error, FetchError::TooLarge { limit: 1_048_576, .. }), "{error}");
		assert_eq!(served.load(Ordering::SeqCst), 0);
		let file = tempfile::NamedTempFile::new().unwrap();
		std::fs::write(file.path(), b"hello").unwrap();
		let uri = format!("file://{}", file.path().display());
		assert_eq!(fetcher(1).fetch(&uri, 5).await.unwrap(), b"hello");
		assert!(matches!(fetcher(1).fetch(&uri, 4).await, Err(FetchError::TooLarge { .. })));
	}

	#[tokio::test]
	async fn an_endless_body_stops_at_the_cap_and_a_silent_server_at_the_deadline() {
		let url = endless_server(false).await;
		let error = fetcher(3).fetch(&url, 1 << 20).await.unwrap_err();
		assert!(matches!(error, FetchError::TooLarge { limit: 1_048_576, .. }), "{error}");

		let url = endless_server(true).await;
		let policy = FetchPolicy { attempt_timeout: Duration::from_millis(200), ..lenient(2) };
		let started = std::time::Instant::now();
		let error = Fetcher::new(policy, None).unwrap().fetch(&url, 100).await.unwrap_err();
		assert!(matches!(error, FetchError::Unreachable { attempts: 2, .. }), "{error}");
		assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
	}

	#[tokio::test]
	async fn devices_are_not_files_and_file_uris_need_permission() {
		let error = fetcher(1).fetch("file:///dev/zero", 1).await.unwrap_err();
		assert!(matches!(error, FetchError::Refused { ref reason, .. } if reason.contains("not a regular file")), "{error}");
		let file = tempfile::NamedTempFile::new().unwrap();
		std::fs::write(file.path(), b"hello").unwrap();
		let uri = format!("file://{}", file.path().display());
		let strict = Fetcher::new(strict(), None).unwrap();
		let error = strict.fetch(&uri, 5).await.unwrap_err();
		assert!(matches!(error, FetchError::Refused { ref reason, .. } if reason.contains("--allow-file-uris")), "{error}");
	}

	#[tokio::test]
	async fn private_addresses_are_refused_unless_allowed_and_never_retried() {
		let (url, served) = server(vec![OK]).await;
		let strict = Fetcher::new(strict(), None).unwrap();
		let error = strict.fetch(&url, 100).await.unwrap_err();
		assert!(matches!(error, FetchError::Refused { ref reason, .. } if reason.contains("non-public")), "{error}");
		// By name: `localhost` resolves to loopback only.
		let by_name = url.replace("127.0.0.1", "localhost");
		let error = strict.fetch(&by_name, 100).await.unwrap_err();
		assert!(matches!(error, FetchError::Refused { ref reason, .. } if reason.contains("non-public")), "{error}");
		assert_eq!(served.load(Ordering::SeqCst), 0, "nothing reached the private server");
		assert_eq!(fetcher(1).fetch(&url, 100).await.unwrap(), b"hello", "allowed in development");
	}

	#[tokio::test]
	async fn a_redirect_off_http_is_refused() {
		let redirect = "HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		let (url, served) = server(vec![redirect]).await;
		let error = fetcher(3).fetch(&url, 100).await.unwrap_err();
		assert!(matches!(error, FetchError::Refused { .. }), "{error}");
		assert_eq!(served.load(Ordering::SeqCst), 1, "not retried");
	}

	#[tokio::test]
	async fn other_schemes_and_missing_files_are_refused() {
		assert!(matches!(fetcher(1).fetch("ipfs://bafy", 10).await, Err(FetchError::Unsupported { .. })));
		assert!(matches!(fetcher(1).fetch("file:///no/such/file", 10).await, Err(FetchError::Refused { .. })));
	}
}
