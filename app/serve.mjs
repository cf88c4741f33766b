#!/usr/bin/env node
// Serves the DataNet app: bundles src/main.mjs with esbuild (polkadot.js included) and serves the page, the bundle
// and the style sheet — nothing else, so no request can reach another file.
//   node app/serve.mjs [--listen 127.0.0.1:8090] [--node ws://127.0.0.1:9944]
// `--node` is the page's default node; the page may connect to any other (its Node field, or ?node=ws://…).
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    listen: { type: 'string', default: '127.0.0.1:8090' },
    node: { type: 'string', default: 'ws://127.0.0.1:9944' },
  },
});
const match = /^([^:]+):(\d{1,5})$/.exec(values.listen);
if (!match) {
  console.error(`--listen ${values.listen} is not host:port`);
  process.exit(2);
}
if (!/^wss?:\/\/\S+$/.test(values.node)) {
  console.error(`--node ${values.node} is not a ws:// or wss:// address`);
  process.exit(2);
}

const bundle = await build({
  entryPoints: [join(here, 'src', 'main.mjs')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  write: false,
  logLevel: 'error',
});
const files = {
  '/': { type: 'text/html; charset=utf-8', body: readFileSync(join(here, 'index.html')) },
  '/app.js': { type: 'text/javascript; charset=utf-8', body: Buffer.from(bundle.outputFiles[0].contents) },
  '/style.css': { type: 'text/css; charset=utf-8', body: readFileSync(join(here, 'style.css')) },
  '/config.js': { type: 'text/javascript; charset=utf-8', body: Buffer.from(`window.OPENLEDGER_NODE = ${JSON.stringify(values.node)};\n`) },
};
files['/index.html'] = files['/'];

const server = createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://app').pathname;
  const file = files[path];
  if (path === '/favicon.ico') {
    response.writeHead(204).end();
  } else if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end('only GET and HEAD\n');
  } else if (!file) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end(`no ${path} here\n`);
  } else {
    response.writeHead(200, {
      'content-type': file.type,
      'content-length': file.body.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      // polkadot.js compiles its crypto to WebAssembly: 'wasm-unsafe-eval' allows that and no other eval.
      'content-security-policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src ws: wss: 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
    });
    response.end(request.method === 'HEAD' ? undefined : file.body);
  }
});
server.listen(Number(match[2]), match[1], () => {
  console.log(`DataNet app on http://${values.listen}/ (default node ${values.node}; bundle ${(files['/app.js'].body.length / 1024).toFixed(0)} KiB)`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
