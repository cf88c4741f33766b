// The node's command line behaves like any Substrate node's, bad input fails loudly, and a killed node has let go
// of its database by the time the scripts (scripts/lib.sh's `wait_exited`) say it has exited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from './lib/dev-node.mjs';

const bin = process.env.OPENLEDGER_NODE_BIN;
// A plain chain spec carries the runtime wasm as hex (over 1 MiB): allow large outputs.
const run = (...args) => spawnSync(bin, args, { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });

test('a missing --chain file is a clear error with a non-zero exit', () => {
  const result = run('--chain', '/no/such/spec.json', '--tmp');
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /error: .*chain spec '\/no\/such\/spec\.json' not found/);
});

test('a malformed --chain file is a clear error with a non-zero exit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openledger-cli-'));
  try {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{"name": broken');
    const result = run('--chain', path, '--tmp');
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /is not a valid chain specification/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('build-spec emits the local testnet with OPEN properties, and the raw spec loads back', () => {
  const plain = run('build-spec', '--chain', 'local');
  assert.equal(plain.status, 0, plain.stderr);
  const spec = JSON.parse(plain.stdout);
  assert.equal(spec.id, 'openledger_local');
  assert.deepEqual(spec.properties, { ss58Format: 42, tokenDecimals: 18, tokenSymbol: 'OPEN' });

  const dir = mkdtempSync(join(tmpdir(), 'openledger-cli-'));
  try {
    const raw = run('build-spec', '--chain', 'local', '--raw');
    assert.equal(raw.status, 0, raw.stderr);
    const path = join(dir, 'local-raw.json');
    writeFileSync(path, raw.stdout);
    // `export-state`-free check that the file is a loadable spec: build-spec reads it back.
    const again = run('build-spec', '--chain', path, '--raw');
    assert.equal(again.status, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).genesis.raw.top['0x3a636f6465'], JSON.parse(raw.stdout).genesis.raw.top['0x3a636f6465']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('key inspect derives the well-known //Alice address', () => {
  const result = run('key', 'inspect', '//Alice');
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY/);
});

test('purge-chain removes a node database', () => {
  const base = mkdtempSync(join(tmpdir(), 'openledger-cli-'));
  try {
    const db = join(base, 'chains', 'openledger_dev', 'paritydb');
    mkdirSync(db, { recursive: true });
    writeFileSync(join(db, 'marker'), 'x');
    const result = run('purge-chain', '--dev', '--base-path', base, '-y');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(existsSync(db), false);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

/** Whether /proc/locks lists a lock on the file with inode `ino` (`MAJ:MIN:INODE` in its sixth column). */
const locked = (ino) => readFileSync('/proc/locks', 'utf8').split('\n')
  .some((line) => line.split(/\s+/)[5]?.endsWith(`:${ino}`));

test('a node killed with SIGKILL has let go of its database once the scripts\' exit check passes', async () => {
  // scripts/testnet.sh restarts a killed node as soon as `wait_exited` (scripts/lib.sh) returns. A killed node's
  // main thread turns zombie while its other threads still hold the database lock; a check that stopped there
  // let a restart fail with "Database file is in use" (CI stops 44 and 54). Each round kills a node holding its
  // lock and, the instant the check passes, looks for the lock in /proc/locks — inside the same bash process,
  // with no sleep between. The test process does not reap the child meanwhile (spawnSync blocks its loop), as
  // nothing reaps a testnet node that its launching shell has left.
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const base = mkdtempSync(join(tmpdir(), 'openledger-cli-'));
  const lock = join(base, 'chains', 'openledger_dev', 'paritydb', 'full', 'lock');
  const check = `source "$1/scripts/lib.sh"
kill -KILL "$2"
wait_exited "$2" 30 || { echo "pid $2 did not exit"; exit 1; }
awk -v ino=":$3" 'substr($6, length($6) - length(ino) + 1) == ino { print "still locked: " $0; bad = 1 } END { exit bad }' /proc/locks`;
  try {
    for (let round = 0; round < 4; round += 1) {
      const args = ['--dev', '--base-path', base, '--port', String(await freePort()),
        '--rpc-port', String(await freePort()), '--no-prometheus', '--no-telemetry', '--no-mdns'];
      const node = spawn(bin, args, { stdio: 'ignore' });
      try {
        await waitFor('the node to lock its database', () => existsSync(lock) && locked(statSync(lock).ino),
          { timeoutMs: 60_000, intervalMs: 100 });
        const result = spawnSync('bash', ['-c', check, 'bash', root, String(node.pid), String(statSync(lock).ino)],
          { encoding: 'utf8', timeout: 60_000 });
        assert.equal(result.status, 0, `round ${round}: ${result.stdout}${result.stderr}`);
      } finally {
        node.kill('SIGKILL');
      }
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
