// LoRA adapters and content over HTTP for the worker's end-to-end tests.
import { createServer } from 'node:http';

/**
 * A small LoRA adapter in the worker's safetensors layout (`blk.<layer>.<target>.lora_a` is rank × in,
 * `…lora_b` out × rank, `alpha` in the metadata), with deterministic small values. The defaults fit SmolLM2-135M's
 * query projection (576 × 576); other `input`/`output` sizes make an adapter for another base model. Each `seed`
 * gives other values (another adapter, another content hash).
 */
export function loraAdapter({ layer = 0, target = 'attn_q', rank = 2, input = 576, output = 576, alpha = 4, scale = 0.01, seed = 0 } = {}) {
  const a = new Float32Array(rank * input).map((_, i) => Math.sin(i * 12.9898 + seed) * scale);
  const b = new Float32Array(output * rank).map((_, i) => Math.cos(i * 78.233 + seed) * scale);
  const tensors = [[`blk.${layer}.${target}.lora_a`, [rank, input], a], [`blk.${layer}.${target}.lora_b`, [output, rank], b]];
  const header = { __metadata__: { alpha: String(alpha), rank: String(rank) } };
  let offset = 0;
  for (const [name, shape, data] of tensors) {
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  while (json.length % 8) json += ' ';
  const file = Buffer.alloc(8 + json.length + offset);
  file.writeBigUInt64LE(BigInt(json.length), 0);
  file.write(json, 8, 'latin1');
  let position = 8 + json.length;
  for (const [, , data] of tensors) {
    Buffer.from(data.buffer).copy(file, position);
    position += data.byteLength;
  }
  return file;
}

/**
 * Serves `files` (path → bytes) over HTTP on 127.0.0.1; the first `failFirst[path]` requests of a path get a 503.
 * Resolves with `{ url(path), hits(path), close() }`.
 */
export async function serveFiles(files, { failFirst = {} } = {}) {
  const hits = {};
  const server = createServer((request, response) => {
    const path = request.url;
    hits[path] = (hits[path] ?? 0) + 1;
    if (hits[path] <= (failFirst[path] ?? 0)) {
      response.writeHead(503).end();
    } else if (files[path]) {
      response.writeHead(200, { 'content-length': files[path].length }).end(files[path]);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    hits: (path) => hits[path] ?? 0,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * `owner` registers `count` models on one DataNet version, each with its own adapter (`seed` 1…count, written
 * under `dir` and named by `file://` URIs), all transactions in flight at once (explicit nonces). Resolves with
 * the model ids.
 */
export async function registerAdapterModels(api, owner, { datanet, version, datasets, fee, count, dir }) {
  const { writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { contentHash } = await import('./content.mjs');
  const { BASE_MODEL, findEvent, sendAll } = await import('./tx.mjs');
  const txs = Array.from({ length: count }, (_, i) => {
    const bytes = loraAdapter({ seed: i + 1, rank: 1 });
    const path = join(dir, `adapter-${i + 1}.safetensors`);
    writeFileSync(path, bytes);
    return api.tx.models.register(BASE_MODEL, contentHash(bytes), {
      datanet, version, datasets: [...datasets].sort((a, b) => a - b),
      hyperparametersHash: '0x' + '00'.repeat(32), influenceHash: '0x' + '00'.repeat(32),
    }, fee, JSON.stringify({ name: `adapter-${i + 1}`, adapterUri: `file://${path}` }));
  });
  const registered = await sendAll(api, txs, owner);
  return registered.map(({ events }) => findEvent(events, 'models', 'ModelRegistered').data.model.toNumber());
}
