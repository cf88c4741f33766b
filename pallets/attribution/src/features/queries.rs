//! What apps read: one request in full, and the answers that credited a dataset.

use alloc::vec::Vec;
use frame_support::traits::Get;
use openledger_primitives::dataset::DatasetId;

use crate::*;

impl<T: Config> Pallet<T> {
	/// A request with its prompt, answer, standing weights and every committee member's vote.
	pub fn inference(id: RequestId) -> Option<InferenceView<T>> {
		let request = Requests::<T>::get(id)?;
		let mut votes = Vec::new();
		for round in [Round::Review, Round::Challenge] {
			for member in Committees::<T>::get(id, round).unwrap_or_default() {
				let vote = Votes::<T>::get((id, round, &member));
				votes.push((round, member, vote));
			}
		}
		Some(InferenceView {
			request,
			prompt: Prompts::<T>::get(id).unwrap_or_default(),
			answer: Answers::<T>::get(id),
			weights: Standing::<T>::get(id),
			votes,
		})
	}

	/// The `page`-th page (`AnswersPerPage` entries, oldest first) of the paid answers that credited `dataset`.
	pub fn by_dataset(dataset: DatasetId, page: u32) -> DatasetPage {
		let total = DatasetAnswerCount::<T>::get(dataset);
		let size = T::AnswersPerPage::get();
		let start = page.saturating_mul(size);
		let end = start.saturating_add(size).min(total);
		let answers = (start..end).filter_map(|index| DatasetAnswers::<T>::get(dataset, index)).collect();
		DatasetPage { total, answers }
	}
}
