//! The views' JSON, as the node serves it.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
use alloc::vec;

use serde_json::json;
use sp_core::{crypto::AccountId32, H256};

use crate::attribution::{
	Attribution, DatasetAnswer, DatasetAnswers, InferenceView, RequestStatus, Round, Verdict, VoteView,
};

fn alice() -> AccountId32 {
	AccountId32::new([1; 32])
}

#[test]
fn a_request_reads_as_the_documented_json() {
	let weights = Attribution::try_new(vec![(3, 2_500), (7, 7_500)]).unwrap();
	let view = InferenceView::<AccountId32, u128, u32> {
		id: 9,
		status: RequestStatus::Revealing,
		round: Some(Round::Challenge),
		until: Some(40),
		requester: alice(),
		model: 2,
		datanet: 1,
		version: 4,
		fee: 1_000_000_000_000_000_000_000,
		created_at: 12,
		server: Some(alice()),
		assignments: 1,
		prompt: Some(b"dose?".to_vec()),
		output: Some(vec![b'o', b'k', 0xff]),
		worker: None,
		server_commitment: Some(H256::repeat_byte(0xcd)),
		submitted_weights: Some(weights.clone()),
		weights: Some(weights),
		verdict: Some(Verdict::ChallengeInconclusive),
		challenger: None,
		challenge_bond: Some(5),
		votes: vec![VoteView { round: Round::Review, member: alice(), commitment: Some(H256::repeat_byte(0xab)), revealed: None }],
		deposit: 120_000_000_000_000_000,
		retained_until: None,
	};
	let json = serde_json::to_value(&view).unwrap();
	let ss58 = "5C62Ck4UrFPiBtoCmeSrgF7x9yv9mn38446dhCpsi2mLHiFT";
	assert_eq!(json["status"], "revealing");
	assert_eq!(json["round"], "challenge");
	assert_eq!(json["fee"], "1000000000000000000000", "a balance is a decimal string");
	assert_eq!(json["challengeBond"], "5");
	assert_eq!(json["deposit"], "120000000000000000");
	assert_eq!(json["retainedUntil"], serde_json::Value::Null);
	assert_eq!(json["requester"], ss58, "an account is SS58 with the generic prefix");
	assert_eq!(json["prompt"], "dose?");
	assert_eq!(json["output"], "ok\u{fffd}", "text is UTF-8, invalid bytes replaced");
	assert_eq!(json["worker"], serde_json::Value::Null);
	assert_eq!(json["serverCommitment"], format!("0x{}", "cd".repeat(32)));
	assert_eq!(json["weights"], json!([{ "dataset": 3, "bps": 2_500 }, { "dataset": 7, "bps": 7_500 }]));
	assert_eq!(json["verdict"], "challengeInconclusive");
	assert_eq!(json["createdAt"], 12);
	assert_eq!(
		json["votes"],
		json!([{ "round": "review", "member": ss58, "commitment": format!("0x{}", "ab".repeat(32)), "revealed": null }])
	);
}

#[test]
fn byte_blobs_are_hex_and_pages_are_plain() {
	let mut out = vec![];
	super::hex(&[0x00, 0x0f, 0xff], &mut serde_json::Serializer::new(&mut out)).unwrap();
	assert_eq!(out, b"\"0x000fff\"");
	let page = DatasetAnswers { dataset: 3, page: 1, total: 51, answers: vec![DatasetAnswer { request: 8, bps: 40 }] };
	assert_eq!(
		serde_json::to_value(&page).unwrap(),
		json!({ "dataset": 3, "page": 1, "total": 51, "answers": [{ "request": 8, "bps": 40 }] })
	);
}
