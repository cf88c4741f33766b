//! How the runtime's read views look as JSON (the node serves them with serde, unchanged): balances as decimal
//! strings (a u128 does not fit a JSON number), byte blobs as 0x-hex, text as UTF-8 (lossy: the chain stores
//! bytes), accounts as SS58 and hashes as 0x-hex (their own serde forms).

use alloc::string::String;
use core::fmt::{self, Display};

use serde::{ser::SerializeSeq, Serializer};

/// A number as a decimal string.
pub fn string<T: Display, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
	serializer.collect_str(value)
}

/// An optional number as a decimal string, or null.
pub fn optional_string<T: Display, S: Serializer>(value: &Option<T>, serializer: S) -> Result<S::Ok, S::Error> {
	match value {
		Some(value) => serializer.collect_str(value),
		None => serializer.serialize_none(),
	}
}

/// Bytes as UTF-8 text.
pub fn text<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
	serializer.serialize_str(&String::from_utf8_lossy(bytes))
}

/// Optional bytes as UTF-8 text, or null.
pub fn optional_text<S: Serializer>(bytes: &Option<alloc::vec::Vec<u8>>, serializer: S) -> Result<S::Ok, S::Error> {
	match bytes {
		Some(bytes) => text(bytes, serializer),
		None => serializer.serialize_none(),
	}
}

/// A list of byte strings as a list of UTF-8 texts.
pub fn texts<S: Serializer>(list: &[alloc::vec::Vec<u8>], serializer: S) -> Result<S::Ok, S::Error> {
	let mut seq = serializer.serialize_seq(Some(list.len()))?;
	for bytes in list {
		seq.serialize_element(&String::from_utf8_lossy(bytes))?;
	}
	seq.end()
}

/// Bytes as 0x-prefixed lower-case hex.
pub fn hex<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
	serializer.collect_str(&Hex(bytes))
}

struct Hex<'a>(&'a [u8]);

impl Display for Hex<'_> {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str("0x")?;
		self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
	}
}

#[cfg(test)]
mod tests;
