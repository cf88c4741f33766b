// The node's command line behaves like any Substrate node's, and bad input fails loudly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
