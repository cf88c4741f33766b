// How the app shows amounts, accounts and bytes.
export const DECIMALS = 18n;
export const OPEN = 10n ** DECIMALS;

/** `amount` (planck: a bigint, number or decimal string) in OPEN, every significant decimal kept: "1.5 OPEN". */
export function formatOpen(amount) {
  const value = BigInt(amount.toString());
  const sign = value < 0n ? '-' : '';
  const abs = value < 0n ? -value : value;
  const whole = abs / OPEN;
  const fraction = (abs % OPEN).toString().padStart(Number(DECIMALS), '0').replace(/0+$/, '');
  return `${sign}${whole.toLocaleString('en-US')}${fraction ? `.${fraction}` : ''} OPEN`;
}

/** A decimal OPEN amount typed by a user ("1.25") in planck; throws a named error for anything else. */
export function parseOpen(text) {
  const match = /^\s*(\d+)(?:\.(\d{1,18}))?\s*$/.exec(text);
  if (!match) throw new Error(`"${text}" is not an amount of OPEN (digits, at most 18 decimals)`);
  return BigInt(match[1]) * OPEN + BigInt((match[2] ?? '').padEnd(18, '0'));
}

export const shortAddress = (address) => `${address.slice(0, 6)}…${address.slice(-4)}`;

export function formatBytes(bytes) {
  const n = Number(bytes);
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export const percent = (bps) => `${(bps / 100).toFixed(2)} %`;

/** Escapes text for HTML. Everything from the chain (names, metadata, prompts, answers) goes through it. */
export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** A dataset's metadata (hex of JSON `{ title, format }` as the CLI and the app write it), or `{}`. */
export function datasetMetadata(hex) {
  try {
    const bytes = hex.replace(/^0x/, '').match(/../g) ?? [];
    const json = JSON.parse(new TextDecoder().decode(Uint8Array.from(bytes.map((b) => parseInt(b, 16)))));
    return json && typeof json === 'object' ? json : {};
  } catch {
    return {};
  }
}
