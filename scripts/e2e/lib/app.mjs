// Starts the DataNet app (`node app/serve.mjs`) on a free port with `wsUrl` as its default node, waits until it
// answers, keeps its log; and installs in a Playwright page an injected wallet that behaves as the polkadot.js
// extension does: `window.injectedWeb3[name].enable()` gives accounts and a signer whose `signPayload` signs the
// extrinsic payload (here in the test process, with the account's key pair).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, keepLogs, waitFor } from './dev-node.mjs';

const SERVE = fileURLToPath(new URL('../../../app/serve.mjs', import.meta.url));

export async function startApp(wsUrl) {
  const listen = `127.0.0.1:${await freePort()}`;
  const child = spawn(process.execPath, [SERVE, '--listen', listen, '--node', wsUrl], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = keepLogs(child);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]))) child.kill('SIGKILL');
    }
    return exited;
  };
  const url = `http://${listen}/`;
  try {
    await waitFor('the app to answer', async () => {
      if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode}:\n${logs.join('\n')}`);
      return (await fetch(url)).ok;
    }, { timeoutMs: 60_000 });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, logs, stop };
}

/**
 * Injects wallet `name` holding `pairs` (key pairs) into `page` before any script runs. Each signature request
 * is counted in the returned `{ requests, refuse }` and signed as the extension signs: the payload as the chain's
 * `ExtrinsicPayload`, signed by the pair whose address it names.
 */
export async function injectWallet(page, api, name, pairs) {
  // `refuse(request)`: when it returns true the user "cancels" that request (numbered from 1), as in the extension.
  const signed = { requests: 0, refuse: () => false };
  await page.exposeFunction('openledgerTestSign', (payload) => {
    const pair = pairs.find((p) => p.address === payload.address);
    if (!pair) throw new Error(`the wallet holds no key for ${payload.address}`);
    signed.requests++;
    if (signed.refuse(signed.requests)) throw new Error('Cancelled');
    const { signature } = api.registry.createType('ExtrinsicPayload', payload, { version: payload.version }).sign(pair);
    return { id: signed.requests, signature };
  });
  const accounts = pairs.map((p) => ({ address: p.address, name: p.meta.name, type: p.type }));
  await page.addInitScript(({ name, accounts }) => {
    window.injectedWeb3 = {
      [name]: {
        version: '1.0.0',
        enable: async () => ({
          accounts: { get: async () => accounts, subscribe: (cb) => { cb(accounts); return () => {}; } },
          signer: { signPayload: (payload) => window.openledgerTestSign(payload) },
        }),
      },
    };
  }, { name, accounts });
  return signed;
}
