//! Drawing a job's committee, with the entropy and the draw attribution committees use.

use frame_support::{traits::Get, weights::Weight};
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
	/// Up to `committee_size` active validators for `id`, seeded by the entropy of this block: the draw block is
	/// `DrawDelay` blocks after the proposal, so nobody knew the seed when it was signed.
	pub(crate) fn draw_committee(id: ValidationJobId, params: &Params<BlockNumberFor<T>>) -> Committee<T> {
		let seed = BlakeTwo256::hash_of(&(b"ol/validation", id, T::Entropy::entropy()));
		let size = params.committee_size.min(T::MaxCommittee::get()) as usize;
		Committee::<T>::truncate_from(draw(T::Validators::active_validators(), size, seed))
	}

	/// The draw `job` waited for: its committee then commits (`None`). With nobody to draw, the job fails:
	/// `Some` of the weight the DataNets pallet used to record that.
	pub(crate) fn on_draw(id: ValidationJobId, job: &mut Job<T>, now: BlockNumberFor<T>) -> Option<Weight> {
		let params = Self::params();
		let committee = Self::draw_committee(id, &params);
		if committee.is_empty() {
			return Some(Self::fail(id, job, 0));
		}
		let until = now.saturating_add(params.commit_window);
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
		None
	}
}
