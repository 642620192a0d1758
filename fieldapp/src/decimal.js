// Exact decimals on BigInt: value = n / 10^s. Enough for the quick-test judgements, which compare
// measured values with table values on the full value (GB/T 8170-2008 全数值比较法).

export function dec(value) {
  // A table string ("7.41") or a JS number (read through its shortest repr, as Python's Decimal(str(x))).
  const text = typeof value === "string" ? value.trim() : String(value);
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[2] === "" && (m[3] === undefined || m[3] === ""))) throw new Error(`not a decimal: ${text}`);
  const digits = (m[2] || "") + (m[3] || "");
  let s = (m[3] || "").length - Number(m[4] || 0);
  let n = BigInt(digits || "0");
  if (m[1] === "-") n = -n;
  if (s < 0) { n *= 10n ** BigInt(-s); s = 0; }
  return { n, s };
}

function align(a, b) {
  const s = Math.max(a.s, b.s);
  return [a.n * 10n ** BigInt(s - a.s), b.n * 10n ** BigInt(s - b.s), s];
}

export function cmp(a, b) {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}
export const add = (a, b) => { const [x, y, s] = align(a, b); return { n: x + y, s }; };
export const sub = (a, b) => { const [x, y, s] = align(a, b); return { n: x - y, s }; };
export const mul = (a, b) => ({ n: a.n * b.n, s: a.s + b.s });
export const toNumber = (a) => Number(toString(a));
export function toString(a) {
  const neg = a.n < 0n;
  let digits = (neg ? -a.n : a.n).toString().padStart(a.s + 1, "0");
  const text = a.s ? `${digits.slice(0, digits.length - a.s)}.${digits.slice(digits.length - a.s)}` : digits;
  return (neg ? "-" : "") + text;
}
export function decimalsOf(text) { return Math.max(0, dec(text).s); }

// Rational p/q (q > 0) rounded half-up (away from zero on ties) to `places` decimals → decimal.
export function roundRational(p, q, places, mode = "half-up") {
  const scale = 10n ** BigInt(places);
  const num = p * scale;
  const neg = num < 0n;
  const a = neg ? -num : num;
  let k = a / q;
  const r = a % q;
  if (mode === "half-up" && 2n * r >= q) k += 1n;
  if (mode === "ceiling" && r !== 0n && !neg) k += 1n;
  if (mode === "ceiling" && neg) { /* toward +inf: truncation already */ }
  return { n: neg ? -k : k, s: places };
}
