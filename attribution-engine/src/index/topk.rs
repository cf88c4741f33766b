//! A bounded top-k with a total order: higher score first, then lower row. The same set of candidates gives
//! the same result whatever order they arrive in, so parallel scans merge deterministically.

/// One scored row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
	pub row: usize,
	pub score: f32,
}

impl Hit {
	/// True if `self` ranks before `other`. The two zeros rank equal (a product that rounds to -0.0 in one
	/// kernel and +0.0 in another is the same score), so such ties go to the lower row like any other.
	pub fn beats(&self, other: &Hit) -> bool {
		match unsigned_zero(self.score).total_cmp(&unsigned_zero(other.score)) {
			std::cmp::Ordering::Greater => true,
			std::cmp::Ordering::Less => false,
			std::cmp::Ordering::Equal => self.row < other.row,
		}
	}
}

/// `x` with -0.0 made +0.0 (IEEE: -0 + +0 = +0); every other value unchanged.
fn unsigned_zero(x: f32) -> f32 {
	x + 0.0
}

/// The best `k` hits seen so far, kept sorted best-first.
#[derive(Clone, Debug)]
pub struct TopK {
	k: usize,
	hits: Vec<Hit>,
}

impl TopK {
	pub fn new(k: usize) -> Self {
		Self { k, hits: Vec::with_capacity(k.saturating_add(1)) }
	}

	/// The score a new hit must beat to enter (−∞ while not full).
	#[inline]
	pub fn threshold(&self) -> f32 {
		if self.hits.len() < self.k {
			f32::NEG_INFINITY
		} else {
			self.hits.last().map_or(f32::NEG_INFINITY, |h| h.score)
		}
	}

	/// Offers a hit.
	#[inline]
	pub fn push(&mut self, hit: Hit) {
		if self.k == 0 {
			return;
		}
		if self.hits.len() >= self.k {
			match self.hits.last() {
				Some(worst) if hit.beats(worst) => {},
				_ => return,
			}
			self.hits.pop();
		}
		let at = self.hits.partition_point(|h| h.beats(&hit));
		self.hits.insert(at, hit);
	}

	/// Folds another top-k in.
	pub fn merge(&mut self, other: TopK) {
		for h in other.hits {
			self.push(h);
		}
	}

	/// The hits, best first.
	pub fn into_sorted(self) -> Vec<Hit> {
		self.hits
	}
}
