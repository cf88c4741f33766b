//! The rows of a dataset file, counted one way for everyone: the `rows` a contributor declares when registering
//! (`attribution-worker submit-dataset` counts them), and the format check a curator or validator repeats.
//!
//! | content type | a row | refused |
//! |---|---|---|
//! | plain text | a paragraph: lines up to a blank line (a Q/A pair in the demo datasets) | — |
//! | JSON Lines | a non-blank line | a line that is not one JSON object |
//! | CSV | a record after the header line | a record whose field count differs from the header's, or that does not parse |
//!
//! The text must be UTF-8 and not blank (the worker refuses to index anything else, see
//! [`crate::datanet::Dataset::from_bytes`]).

use serde::Serialize;

/// How a dataset's text is split into rows: one definition for the chain's DataNet policy and the worker.
pub use openledger_primitives::dataset::ContentType;

/// A row that does not parse as its content type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RefusedRow {
	/// 1-based line of the file where the row starts.
	pub line: u64,
	pub reason: String,
}

/// What [`count_rows`] found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rows {
	pub content_type: ContentType,
	/// Rows that parse.
	pub rows: u64,
	/// Rows that do not parse.
	pub refused: u64,
	/// The first [`MAX_REPORTED`] refused rows, with their reasons.
	pub first_refused: Vec<RefusedRow>,
}

/// Refused rows reported by line (the count covers all of them).
pub const MAX_REPORTED: usize = 10;

impl Rows {
	fn new(content_type: ContentType) -> Self {
		Self { content_type, rows: 0, refused: 0, first_refused: Vec::new() }
	}

	fn accept(&mut self) {
		self.rows = self.rows.saturating_add(1);
	}

	fn refuse(&mut self, line: u64, reason: impl Into<String>) {
		self.refused = self.refused.saturating_add(1);
		if self.first_refused.len() < MAX_REPORTED {
			self.first_refused.push(RefusedRow { line, reason: reason.into() });
		}
	}
}

/// Counts `text`'s rows as `content_type`.
pub fn count_rows(text: &str, content_type: ContentType) -> Rows {
	parse_rows(text, content_type, &[]).counts
}

/// One parsed row: where it starts and its text as validators read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
	/// 1-based line of the file where the row starts.
	pub line: u64,
	/// Plain text: the paragraph. JSON Lines and CSV: the required fields' values (every string field's, in
	/// key or column order, when none is required), one per line.
	pub text: String,
}

/// [`parse_rows`]' result: the counts and the rows that parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedRows {
	pub counts: Rows,
	pub rows: Vec<Row>,
}

/// Parses `text` as `content_type`, refusing rows that lack a `required` field: a JSON object without the key
/// (or with a null, empty or non-scalar value), a CSV record with an empty required column (a header without it
/// refuses every record). Plain text has no fields: `required` is ignored.
pub fn parse_rows(text: &str, content_type: ContentType, required: &[String]) -> ParsedRows {
	let mut counts = Rows::new(content_type);
	let mut rows = Vec::new();
	match content_type {
		ContentType::Text => {
			let mut current: Option<Row> = None;
			for (number, line) in (1u64..).zip(text.lines()) {
				if line.trim().is_empty() {
					rows.extend(current.take());
					continue;
				}
				match current.as_mut() {
					Some(row) => {
						row.text.push('\n');
						row.text.push_str(line);
					},
					None => {
						counts.accept();
						current = Some(Row { line: number, text: line.to_owned() });
					},
				}
			}
			rows.extend(current);
		},
		ContentType::Jsonl => {
			for (number, line) in (1u64..).zip(text.lines()) {
				if line.trim().is_empty() {
					continue;
				}
				match serde_json::from_str::<serde_json::Value>(line) {
					Ok(serde_json::Value::Object(object)) => match json_row_text(&object, required) {
						Ok(text) => {
							counts.accept();
							rows.push(Row { line: number, text });
						},
						Err(reason) => counts.refuse(number, reason),
					},
					Ok(other) => counts.refuse(number, format!("a JSON {} where an object belongs", json_kind(&other))),
					Err(e) => counts.refuse(number, format!("not JSON ({e})")),
				}
			}
		},
		ContentType::Csv => parse_csv(text, required, &mut counts, &mut rows),
	}
	ParsedRows { counts, rows }
}

fn json_scalar(value: &serde_json::Value) -> Option<String> {
	match value {
		serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
		serde_json::Value::Number(n) => Some(n.to_string()),
		serde_json::Value::Bool(b) => Some(b.to_string()),
		_ => None,
	}
}

fn json_row_text(object: &serde_json::Map<String, serde_json::Value>, required: &[String]) -> Result<String, String> {
	if required.is_empty() {
		let texts: Vec<&str> = object.values().filter_map(|v| v.as_str()).filter(|s| !s.trim().is_empty()).collect();
		return Ok(texts.join("\n"));
	}
	let mut texts = Vec::with_capacity(required.len());
	for field in required {
		match object.get(field).and_then(json_scalar) {
			Some(text) => texts.push(text),
			None if object.contains_key(field) => return Err(format!("field `{field}` is empty or not text")),
			None => return Err(format!("no field `{field}`")),
		}
	}
	Ok(texts.join("\n"))
}

fn parse_csv(text: &str, required: &[String], counts: &mut Rows, rows: &mut Vec<Row>) {
	let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
	let header = match reader.headers() {
		Ok(header) => header.clone(),
		Err(e) => {
			counts.refuse(1, format!("the header does not parse ({e})"));
			return;
		},
	};
	let columns = header.len();
	let wanted: Result<Vec<usize>, String> = required
		.iter()
		.map(|name| {
			header.iter().position(|h| h.trim() == name).ok_or_else(|| format!("the header has no column `{name}`"))
		})
		.collect();
	for record in reader.records() {
		match record {
			Ok(record) if record.len() == columns => {
				let line = record.position().map_or(0, csv::Position::line);
				let fields: Result<Vec<&str>, String> = match &wanted {
					Err(reason) => Err(reason.clone()),
					Ok(wanted) if wanted.is_empty() => Ok(record.iter().filter(|f| !f.trim().is_empty()).collect()),
					Ok(wanted) => wanted
						.iter()
						.zip(required)
						.map(|(&i, name)| {
							record
								.get(i)
								.filter(|f| !f.trim().is_empty())
								.ok_or_else(|| format!("column `{name}` is empty"))
						})
						.collect(),
				};
				match fields {
					Ok(fields) => {
						counts.accept();
						rows.push(Row { line, text: fields.join("\n") });
					},
					Err(reason) => counts.refuse(line, reason),
				}
			},
			Ok(record) => {
				let line = record.position().map_or(0, csv::Position::line);
				counts.refuse(line, format!("{} fields where the header has {columns}", record.len()));
			},
			Err(e) => {
				let line = e.position().map_or(0, csv::Position::line);
				counts.refuse(line, format!("does not parse ({e})"));
			},
		}
	}
}

fn json_kind(value: &serde_json::Value) -> &'static str {
	match value {
		serde_json::Value::Null => "null",
		serde_json::Value::Bool(_) => "boolean",
		serde_json::Value::Number(_) => "number",
		serde_json::Value::String(_) => "string",
		serde_json::Value::Array(_) => "array",
		serde_json::Value::Object(_) => "object",
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::path::Path;

	#[test]
	fn the_type_follows_the_extension() {
		assert_eq!(ContentType::of_path(Path::new("a/b.JSONL")), ContentType::Jsonl);
		assert_eq!(ContentType::of_path(Path::new("b.ndjson")), ContentType::Jsonl);
		assert_eq!(ContentType::of_path(Path::new("b.csv")), ContentType::Csv);
		assert_eq!(ContentType::of_path(Path::new("b.txt")), ContentType::Text);
		assert_eq!(ContentType::of_path(Path::new("README")), ContentType::Text);
	}

	#[test]
	fn text_rows_are_paragraphs() {
		let demo = "Q: one?\nA: yes.\n\nQ: two?\nA: no.\n\n\n  \nQ: three?\nA: maybe.\n";
		let rows = count_rows(demo, ContentType::Text);
		assert_eq!((rows.rows, rows.refused), (3, 0));
		assert_eq!(count_rows("one line, no newline", ContentType::Text).rows, 1);
		assert_eq!(count_rows("\n\n", ContentType::Text).rows, 0);
		// Windows line ends too.
		assert_eq!(count_rows("a\r\nb\r\n\r\nc\r\n", ContentType::Text).rows, 2);
	}

	#[test]
	fn jsonl_refuses_every_line_that_is_not_one_object_by_line() {
		let text = "{\"q\": \"a\"}\n\n[1, 2]\n{\"q\": \"b\"}\n{broken\n\"text\"\n{\"q\": \"c\"}";
		let rows = count_rows(text, ContentType::Jsonl);
		assert_eq!((rows.rows, rows.refused), (3, 3));
		let lines: Vec<u64> = rows.first_refused.iter().map(|r| r.line).collect();
		assert_eq!(lines, [3, 5, 6]);
		assert!(rows.first_refused[0].reason.contains("array"), "{:?}", rows.first_refused);
		assert!(rows.first_refused[1].reason.starts_with("not JSON"), "{:?}", rows.first_refused);
	}

	#[test]
	fn csv_counts_records_after_the_header_and_refuses_ragged_ones() {
		let text = "question,answer\n\"What, exactly?\",\"A quoted, comma\"\nshort\nq,a\n\"multi\nline\",x\n";
		let rows = count_rows(text, ContentType::Csv);
		assert_eq!((rows.rows, rows.refused), (3, 1), "{rows:?}");
		assert_eq!(rows.first_refused[0].line, 3);
		assert!(rows.first_refused[0].reason.contains("1 fields where the header has 2"));
		assert_eq!(count_rows("only,a,header\n", ContentType::Csv).rows, 0);
	}

	#[test]
	fn only_the_first_refused_rows_are_listed_but_all_are_counted() {
		let text = "x\n".repeat(25);
		let rows = count_rows(&text, ContentType::Jsonl);
		assert_eq!((rows.rows, rows.refused, rows.first_refused.len()), (0, 25, MAX_REPORTED));
	}

	#[test]
	fn parsed_rows_carry_their_text_and_required_fields_are_checked() {
		let text = "first line\nsecond\n\n\nthird\n";
		let parsed = parse_rows(text, ContentType::Text, &["ignored".into()]);
		let rows: Vec<(u64, &str)> = parsed.rows.iter().map(|r| (r.line, r.text.as_str())).collect();
		assert_eq!(rows, [(1, "first line\nsecond"), (5, "third")]);

		let jsonl = "{\"q\": \"a?\", \"a\": \"yes\", \"n\": 1}\n{\"q\": \"b?\"}\n{\"q\": \"c?\", \"a\": \" \"}\n{\"q\": 2, \"a\": true}";
		let required = ["q".to_owned(), "a".to_owned()];
		let parsed = parse_rows(jsonl, ContentType::Jsonl, &required);
		assert_eq!((parsed.counts.rows, parsed.counts.refused), (2, 2));
		assert_eq!(parsed.rows.iter().map(|r| r.text.as_str()).collect::<Vec<_>>(), ["a?\nyes", "2\ntrue"]);
		let reasons: Vec<&str> = parsed.counts.first_refused.iter().map(|r| r.reason.as_str()).collect();
		assert_eq!(reasons, ["no field `a`", "field `a` is empty or not text"]);
		// Without required fields every string value, in key order.
		let all = parse_rows(jsonl, ContentType::Jsonl, &[]);
		assert_eq!(all.rows.first().map(|r| r.text.as_str()), Some("yes\na?"));

		let csv = "question,answer,extra\nwhy?,because,x\nhow?,,y\n";
		let parsed = parse_rows(csv, ContentType::Csv, &["answer".into(), "question".into()]);
		assert_eq!((parsed.counts.rows, parsed.counts.refused), (1, 1));
		assert_eq!(parsed.rows.first().map(|r| (r.line, r.text.as_str())), Some((2, "because\nwhy?")));
		let missing = parse_rows(csv, ContentType::Csv, &["source".into()]);
		assert_eq!((missing.counts.rows, missing.counts.refused), (0, 2));
		assert_eq!(
			missing.counts.first_refused.first().map(|r| r.reason.as_str()),
			Some("the header has no column `source`")
		);
		// The counts never depend on whether texts are kept.
		for kind in ContentType::ALL {
			assert_eq!(count_rows(csv, kind), parse_rows(csv, kind, &[]).counts);
		}
	}
}
