// The demo scripts/dev.sh runs once the node and the worker are up: the shipped medical DataNet goes on chain,
// a question is asked, Alice's worker answers it, and the script prints the answer, the datasets it credited,
// and the OPEN now pending to their owners.   Usage: node demo.mjs [ws-url] [http-url]
import { rpc } from './lib/dev-node.mjs';
import { OPEN, askAndWait, setUpDemo } from './lib/demo.mjs';
import { connectChain } from './lib/fixture.mjs';

const [wsUrl = 'ws://127.0.0.1:9944', httpUrl = 'http://127.0.0.1:9944'] = process.argv.slice(2);
const log = (line) => console.log(`  ${line}`);
const chain = await connectChain(wsUrl, { httpUrl });
const { api, accounts: keys } = chain;
try {
  console.log('demo: a medical DataNet, a model on it, and a question');
  const demo = await setUpDemo(api, {
    curator: keys.alice, contributors: [keys.charlie, keys.dave, keys.eve], owner: keys.bob, fee: OPEN, log,
  });
  const question = 'What aspirin dose is recommended after a myocardial infarction?';
  const paid = await askAndWait(api, httpUrl, { app: keys.ferdie, model: demo.model, fee: OPEN, question, log });
  const names = Object.fromEntries(demo.datasets.map((d) => [d.id, d]));
  console.log(`\n  Q: ${question}\n  A: ${paid.output}\n`);
  console.log('  credited (basis points of 10 000):');
  for (const { dataset, bps } of paid.weights) {
    console.log(`    dataset ${dataset} (${names[dataset].name}): ${bps}`);
  }
  console.log('\n  pending rewards (OPEN), claimable with rewards.claim():');
  const roles = [[keys.charlie, 'contributor'], [keys.dave, 'contributor'], [keys.eve, 'contributor'],
    [keys.bob, 'model owner'], [keys.alice, 'validator: served the answer']];
  for (const [who, role] of roles) {
    const { pending } = await rpc(httpUrl, 'rewards_pending', [who.address]);
    console.log(`    ${who.meta.name.padEnd(8)} ${(Number(BigInt(pending)) / Number(OPEN)).toFixed(6)}   ${role}`);
  }
  console.log(`\n  Explore it: attribution_inference(${paid.id}), attribution_byDataset(…), rewards_pending(…)`);
} finally {
  await chain.stop();
}
