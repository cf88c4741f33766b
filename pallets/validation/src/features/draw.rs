//! Drawing a job's committee, with the entropy and the draw attribution committees use.

use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;
use openledger_primitives::{
	draw::{draw, DrawEntropy},
	staking::ValidatorSet,
	validation::ValidationJobId,
};
use sp_runtime::{
	traits::{BlakeTwo256, Hash},
	Saturating,
};

use crate::*;

impl<T: Config> Pallet<T> {
	/// Up to `CommitteeSize` active validators for `id`, seeded by the entropy of this block: the draw block is
	/// `DrawDelay` blocks after the proposal, so nobody knew the seed when it was signed.
	pub(crate) fn draw_committee(id: ValidationJobId) -> Committee<T> {
		let seed = BlakeTwo256::hash_of(&(b"ol/validation", id, T::Entropy::entropy()));
		let size = T::CommitteeSize::get().min(T::MaxCommittee::get()) as usize;
		Committee::<T>::truncate_from(draw(T::Validators::active_validators(), size, seed))
	}

	/// The draw `job` waited for: its committee then commits; with nobody to draw, the job fails.
	pub(crate) fn on_draw(id: ValidationJobId, job: &mut Job<T>, now: BlockNumberFor<T>) -> bool {
		let committee = Self::draw_committee(id);
		if committee.is_empty() {
			Self::fail(id, job, 0);
			return false;
		}
		let until = now.saturating_add(T::CommitWindow::get());
		job.phase = JobPhase::Committing { until };
		Deadlines::<T>::insert(until, id, ());
		Self::deposit_event(Event::ValidationCommitteeDrawn {
			job: id,
			datanet: job.datanet,
			dataset: job.dataset,
			version: job.version,
			members: committee.to_vec(),
			until,
		});
		Committees::<T>::insert(id, committee);
		true
	}
}
