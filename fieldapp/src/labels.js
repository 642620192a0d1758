// Seal-label codes (media/labels.py): JY-<6-digit jurisdiction>-<6-digit serial>-<check>, the check
// character ISO 7064 MOD 11-2 over the 12 digits (0-9 or X). Checked on the device before saving.
const CODE_RE = /^([A-Z]{2})-([0-9]{6})-([0-9]{6})-([0-9X])$/;

export function mod112Check(digits) {
  let p = 0;
  for (const ch of digits) p = ((p + Number(ch)) * 2) % 11;
  const value = (12 - p) % 11;
  return value === 10 ? "X" : String(value);
}

// → {ok: true, code} (canonical: trimmed, upper case) or {ok: false, error} (Chinese, for the inspector)
export function checkLabel(input) {
  if (typeof input !== "string") return { ok: false, error: "封条编号必须是文字" };
  const text = input.trim().toUpperCase();
  const m = CODE_RE.exec(text);
  if (!m) return { ok: false, error: "封条编号格式应为 JY-6位行政区划代码-6位序号-校验位，如 JY-445202-000123-1" };
  const [, prefix, jurisdiction, serial, check] = m;
  if (prefix !== "JY") return { ok: false, error: "封条编号应以 JY 开头" };
  if (!/^[1-9][0-9]{5}$/.test(jurisdiction)) return { ok: false, error: "行政区划代码不正确" };
  if (Number(serial) < 1) return { ok: false, error: "序号 000000 不会签发" };
  if (mod112Check(jurisdiction + serial) !== check) return { ok: false, error: "校验位不符：编号输错或扫错了" };
  return { ok: true, code: text };
}
