// The quick-test judgements of checklists/engine, on the device, from the tables the server serves
// (GET /api/v1/quicktests/tables/, built from checklists.engine.method_tables()). Limits are judged on
// the full value (GB/T 8170-2008 全数值比较法): nothing is rounded before it is compared, except where
// the standard itself says how to round (insulation-thickness: the mean, IEC 60227-2 §1.9).
// evaluate(method, inputs, catalogue) → {verdict, result, limit, basis}; a malformed input throws
// InputError(field, message) naming the same field as the server.
import { dec, cmp, add, mul, sub, toNumber, roundRational } from "./decimal.js";

export class InputError extends Error {
  constructor(field, message) { super(`${field}: ${message}`); this.field = field; this.detail = message; }
}
const PASS = "pass", FAIL = "fail", INVALID = "invalid";
const verdict = (v, result, limit, basis) => ({ verdict: v, result, limit, basis });
const invalid = (field, reason, basis, limit = null) => verdict(INVALID, { field, reason }, limit, basis);
const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const ulen = (s) => [...s].length;

// --- typed readers (checklists/engine/inputs.py) ---------------------------------------------------
function checkKeys(inputs, allowed) {
  if (!isObj(inputs)) throw new InputError("inputs", "必须是对象（JSON object）");
  for (const key of Object.keys(inputs)) {
    if (!allowed.includes(key)) throw new InputError(`inputs.${key}`, `未知的输入项；允许的输入项：${[...allowed].sort().join(", ")}`);
  }
  return inputs;
}
const MISSING = Symbol("missing");
function get(inputs, name, required) {
  const v = Object.prototype.hasOwnProperty.call(inputs, name) ? inputs[name] : undefined;
  if (v === undefined || v === null) {
    if (required) throw new InputError(`inputs.${name}`, "缺少必填输入项");
    return MISSING;
  }
  return v;
}
function number(inputs, name, required = true) {
  const v = get(inputs, name, required);
  if (v === MISSING) return null;
  if (typeof v !== "number") throw new InputError(`inputs.${name}`, "必须是数值");
  if (!Number.isFinite(v)) throw new InputError(`inputs.${name}`, "必须是有限数值");
  return v;
}
function integer(inputs, name, required = true) {
  const v = get(inputs, name, required);
  if (v === MISSING) return null;
  if (typeof v !== "number" || !Number.isSafeInteger(v)) throw new InputError(`inputs.${name}`, "必须是整数");
  return v;
}
function boolean(inputs, name, required = true) {
  const v = get(inputs, name, required);
  if (v === MISSING) return null;
  if (typeof v !== "boolean") throw new InputError(`inputs.${name}`, "必须是布尔值 true/false");
  return v;
}
function text(inputs, name, required = true, maxLength = 200) {
  const v = get(inputs, name, required);
  if (v === MISSING) return null;
  if (typeof v !== "string") throw new InputError(`inputs.${name}`, "必须是字符串");
  if (ulen(v) > maxLength) throw new InputError(`inputs.${name}`, `不得超过 ${maxLength} 个字符`);
  return v;
}
function choice(inputs, name, options, required = true) {
  const v = get(inputs, name, required);
  if (v === MISSING) return null;
  if (typeof v === "boolean" || !options.includes(v)) throw new InputError(`inputs.${name}`, `取值必须是 ${options.join(" | ")} 之一`);
  return v;
}
function numberList(inputs, name, maxItems = 1000) {
  const v = get(inputs, name, true);
  if (!Array.isArray(v)) throw new InputError(`inputs.${name}`, "必须是数值列表");
  if (!v.length) throw new InputError(`inputs.${name}`, "至少需要一个测量值");
  if (v.length > maxItems) throw new InputError(`inputs.${name}`, `测量值不得超过 ${maxItems} 个`);
  v.forEach((item, i) => {
    if (typeof item !== "number") throw new InputError(`inputs.${name}[${i}]`, "必须是数值");
    if (!Number.isFinite(item)) throw new InputError(`inputs.${name}[${i}]`, "必须是有限数值");
  });
  return [...v];
}
function stringList(inputs, name, required = true, maxItems = 10) {
  const v = get(inputs, name, required);
  if (v === MISSING) return null;
  if (!Array.isArray(v)) throw new InputError(`inputs.${name}`, "必须是字符串列表");
  if (v.length > maxItems) throw new InputError(`inputs.${name}`, `不得超过 ${maxItems} 项`);
  v.forEach((item, i) => { if (typeof item !== "string") throw new InputError(`inputs.${name}[${i}]`, "必须是字符串"); });
  return [...v];
}
const fmt = (x) => String(x);

// --- conductor-resistance (GB/T 3956-2008) ---------------------------------------------------------
const CR_BASIS = "GB/T 3956-2008《电缆的导体》20 °C 导体直流电阻最大值";
const MATERIAL = { copper: "铜", aluminium: "铝" };
function conductorResistance(inputs, t) {
  const allowed = ["material", "coated", "conductor_class", "cross_section_mm2", "length_m", "measured_ohm", "temperature_c"];
  const data = checkKeys(inputs, allowed);
  const material = choice(data, "material", ["copper", "aluminium"]);
  const coated = Boolean(boolean(data, "coated", material === "copper"));
  const cls = integer(data, "conductor_class");
  const size = number(data, "cross_section_mm2");
  const length = number(data, "length_m");
  const measured = number(data, "measured_ohm");
  const temperature = number(data, "temperature_c");
  if (![1, 2, 5, 6].includes(cls)) return invalid("inputs.conductor_class", `导体种类 ${cls} 不在 GB/T 3956 表内（只有第1、2、5、6种）`, CR_BASIS);
  const table = t.classes[String(cls)];
  if (!table) return invalid("inputs.conductor_class", `第${cls}种导体的电阻表未编码（数值未经核实），无法判定`, CR_BASIS);
  if (material === "aluminium" && coated) return invalid("inputs.coated", "GB/T 3956 无镀金属铝导体的电阻值", CR_BASIS);
  if (size <= 0) return invalid("inputs.cross_section_mm2", "标称截面必须大于 0", CR_BASIS);
  if (length <= 0) return invalid("inputs.length_m", "试样长度必须大于 0", CR_BASIS);
  if (measured <= 0) return invalid("inputs.measured_ohm", "实测电阻必须大于 0", CR_BASIS);
  const corr = t.temperature_correction;
  const { min, max } = corr.valid_range_c;
  if (!(min <= temperature && temperature <= max)) {
    return invalid("inputs.temperature_c", `导体温度 ${fmt(temperature)} °C 超出温度修正公式适用范围 ${min} ~ ${max} °C`, CR_BASIS + "；温度修正 GB/T 3956-2008 附录B");
  }
  const tableName = table.table; // "GB/T 3956-2008 表2 第2种绞合导体"
  const row = table.rows.find((r) => r.material === material && Boolean(r.coated) === coated && cmp(dec(r.size_mm2), dec(size)) === 0);
  if (!row) {
    const sizes = table.rows.filter((r) => r.material === material && Boolean(r.coated) === coated).map((r) => r.size_mm2);
    const label = `第${cls}种导体 ${MATERIAL[material]} ${coated ? "镀金属" : "不镀金属"}`;
    if (!sizes.length) return invalid("inputs.material", `${tableName} 没有${label}的数值`, tableName);
    return invalid("inputs.cross_section_mm2", `标称截面 ${fmt(size)} mm² 不在${tableName}（${label}）内；表内截面：${sizes.join(", ")} mm²`, tableName);
  }
  const c = corr.materials[material];
  // R20 = measured / length × 1000 × num / (offset + t) ≤ limit, compared exactly as fractions:
  // measured × 1000 × num ≤ limit × length × (offset + t)   (length > 0, offset + t > 0)
  const limit = dec(row.max_ohm_per_km);
  const lhs = mul(mul(dec(measured), dec(1000)), dec(c.numerator));
  const rhs = mul(mul(limit, dec(length)), add(dec(c.offset), dec(temperature)));
  const r20 = (measured / length) * 1000 * (Number(c.numerator) / (Number(c.offset) + temperature));
  // beyond any double: an input out of physical range, as the server says (conductor_resistance.py)
  if (!Number.isFinite(r20)) return invalid("inputs.measured_ohm", "实测电阻与试样长度之比超出物理范围（R20 无法表示）", CR_BASIS);
  const outcome = cmp(lhs, rhs) <= 0 ? PASS : FAIL;
  const basis = `${tableName} ${MATERIAL[material]} ${coated ? "镀金属" : "不镀金属"} ${row.size_mm2} mm²：20 °C 最大 ${row.max_ohm_per_km} Ω/km`
    + `（来源 ${row.source}，${row.confidence}）；R20 = 实测电阻 / 长度 × 1000 × k_t，k_t = ${c.numerator}/(${c.offset}+t)，全数值比较（GB/T 8170-2008）`;
  return verdict(outcome, r20, toNumber(limit), basis);
}

// --- insulation-thickness (GB/T 5023, IEC 60227-2 §1.9) -----------------------------------------------
const IT_BASIS = "GB/T 5023（IEC 60227-2 §1.9）：平均厚度 ≥ 标称值，且最薄点 ≥ 0.9 × 标称值 − 0.1 mm";
function insulationThickness(inputs, t) {
  const data = checkKeys(inputs, ["nominal_mm", "measurements"]);
  const nominal = number(data, "nominal_mm");
  const values = numberList(data, "measurements");
  if (nominal <= 0) return invalid("inputs.nominal_mm", "标称厚度必须大于 0", IT_BASIS);
  for (let i = 0; i < values.length; i++) if (values[i] <= 0) return invalid(`inputs.measurements[${i}]`, "测量值必须大于 0", IT_BASIS);
  const rule = t.rule;
  const decs = values.map(dec);
  const s = Math.max(...decs.map((d) => d.s));
  const total = decs.reduce((acc, d) => acc + d.n * 10n ** BigInt(s - d.s), 0n);
  // the mean to 2 decimals, then to mean_decimals (half-up each time), as the standard says
  const mean2 = roundRational(total, BigInt(decs.length) * 10n ** BigInt(s), 2);
  const mean = roundRational(mean2.n, 10n ** 2n, rule.mean_decimals);
  const minimum = decs.reduce((a, b) => (cmp(b, a) < 0 ? b : a));
  const nominalD = dec(nominal);
  const minLimit = sub(mul(dec(rule.min_factor), nominalD), dec(rule.min_offset_mm));
  if (cmp(minLimit, dec(0)) <= 0) return invalid("inputs.nominal_mm", "标称厚度过小，最薄点限值不为正", IT_BASIS);
  const meanOk = cmp(mean, nominalD) >= 0, minOk = cmp(minimum, minLimit) >= 0;
  return verdict(meanOk && minOk ? PASS : FAIL,
    { mean_mm: toNumber(mean), min_mm: toNumber(minimum), count: values.length, mean_ok: meanOk, min_ok: minOk },
    { mean_mm: nominal, min_mm: toNumber(minLimit) }, IT_BASIS);
}

// --- strand-count (GB/T 3956-2008 表2) -------------------------------------------------------------
const SC_BASIS = "GB/T 3956-2008 表2 第2种绞合导体 铜导体最少单线根数";
function strandCount(inputs, t) {
  const data = checkKeys(inputs, ["material", "cross_section_mm2", "compacted", "wire_count"]);
  const material = choice(data, "material", ["copper", "aluminium"]);
  const size = number(data, "cross_section_mm2");
  const compacted = boolean(data, "compacted");
  const count = integer(data, "wire_count");
  if (material !== "copper") return invalid("inputs.material", "铝导体最少单线根数未编码（未经核实）", SC_BASIS);
  if (size <= 0) return invalid("inputs.cross_section_mm2", "标称截面必须大于 0", SC_BASIS);
  if (count <= 0) return invalid("inputs.wire_count", "单线根数必须大于 0", SC_BASIS);
  const rows = t.wire_count.rows;
  const row = rows.find((r) => cmp(dec(r.size_mm2), dec(size)) === 0);
  if (!row) return invalid("inputs.cross_section_mm2", `标称截面 ${fmt(size)} mm² 不在表内；表内截面：${rows.map((r) => r.size_mm2).join(", ")} mm²`, SC_BASIS);
  const minimum = row[compacted ? "min_wires_compacted" : "min_wires_circular"];
  if (minimum === null || minimum === undefined) return invalid("inputs.compacted", `${row.size_mm2} mm² 没有紧压导体的最少根数`, SC_BASIS);
  return verdict(count >= minimum ? PASS : FAIL, count, minimum, `${SC_BASIS}：${row.size_mm2} mm² 至少 ${minimum} 根`);
}

// --- food-paper-fluorescence (GB 4806.8-2016) ------------------------------------------------------------
function foodPaperFluorescence(inputs) {
  const data = checkKeys(inputs, ["positive_254nm", "positive_365nm"]);
  const p254 = boolean(data, "positive_254nm");
  const p365 = boolean(data, "positive_365nm");
  const label = (b) => (b ? "阳性" : "阴性");
  const positive = p254 || p365;
  let basis = "GB 4806.8-2016 表3 荧光性物质：254 nm 及 365 nm 均应为阴性（GB 31604.47）";
  if (positive) basis += "；现场筛查阳性，应抽样送实验室按 GB 31604.47 检验";
  return verdict(positive ? FAIL : PASS, { "254nm": label(p254), "365nm": label(p365) }, "254 nm 与 365 nm 下均为阴性", basis);
}

// --- ex-marking (GB/T 3836) --------------------------------------------------------------------------
const EX_BASIS = "GB/T 3836 防爆标志：Ex + 防爆型式 + 设备类别/气体组别 + 温度组别 + EPL（如 Ex d IIB T4 Gb）";
const EX_NORMALISE = { "Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III", "（": "(", "）": ")", "\u3000": " " };
const EX_PATTERN = /^\s*E\s*x\s*(?<prot>[a-zA-Z ]*?)\s*(?<group>III\s*[ABC]|II\s*[ABC]|III|II|I)(?:\s*(?<t>T\s*(?:\p{Nd}{2,3}\s*°?\s*C|[1-6])))?(?:\s*(?<epl>[GDM]\s*[abc]))?\s*$/u;
function splitProtection(textIn, known) {
  const codes = [], unknown = [];
  for (const token of textIn.split(" ").filter(Boolean)) {
    if (known.has(token)) { codes.push(token); continue; }
    const parts = [];
    let rest = token;
    while (rest) {
      let match = null;
      for (let n = Math.min(3, rest.length); n > 0; n--) if (known.has(rest.slice(0, n))) { match = rest.slice(0, n); break; }
      if (match === null) break;
      parts.push(match);
      rest = rest.slice(match.length);
    }
    if (rest) unknown.push(token); else codes.push(...parts);
  }
  return [codes, unknown];
}
function exMarking(inputs, t) {
  const data = checkKeys(inputs, ["marking", "required_group", "required_t_class"]);
  const marking = text(data, "marking");
  const table = t.ex_marking;
  const tClasses = Object.keys(table.t_classes);
  const requiredGroup = choice(data, "required_group", table.gas_groups, false);
  const requiredT = choice(data, "required_t_class", tClasses, false);
  const limit = requiredGroup || requiredT ? { required_group: requiredGroup, required_t_class: requiredT } : null;
  if (!marking.trim()) return verdict(FAIL, { parsed: null, problems: ["无防爆标志（缺少 Ex 标志属失爆）"], notes: [] }, limit, EX_BASIS);
  const m = EX_PATTERN.exec([...marking].map((ch) => EX_NORMALISE[ch] ?? ch).join(""));
  if (!m) return verdict(FAIL, { parsed: null, problems: ["防爆标志无法识别，应为 'Ex 型式 类别 温度组别 EPL'，如 'Ex d IIB T4 Gb'"], notes: [] }, limit, EX_BASIS);
  const [codes, unknown] = splitProtection(m.groups.prot, new Set(table.protection_types));
  const tClass = m.groups.t ? m.groups.t.replaceAll(" ", "") : null;
  const group = m.groups.group.replaceAll(" ", "");
  const epl = m.groups.epl ? m.groups.epl.replaceAll(" ", "") : null;
  const parsed = { protection: codes, group, t_class: tClass, max_surface_c: tClass ? table.t_classes[tClass] ?? null : null, epl };
  if (group === "I" || group.startsWith("III")) {
    return invalid("inputs.marking", `设备类别 ${group}（I 类煤矿 / III 类粉尘）的核对规则未编码，本方法只核对 II 类气体防爆标志`, EX_BASIS, limit);
  }
  const problems = [], notes = [];
  if (unknown.length) problems.push(`无法识别的防爆型式：${unknown.join(", ")}`);
  if (!codes.length && !unknown.length) problems.push("缺少防爆型式（如 d、e、ia）");
  if (!table.gas_groups.includes(group)) problems.push(`气体组别应为 ${table.gas_groups.join("/")}，标志为 ${group}`);
  if (tClass === null) problems.push("缺少温度组别（T1–T6）");
  else if (!tClasses.includes(tClass)) problems.push(`II 类气体设备的温度组别应为 T1–T6，标志为 ${tClass}`);
  if (epl === null) notes.push("未标 EPL（Ga/Gb/Gc）；GB 3836-2010 之前的旧版标志可能没有 EPL");
  else if (!table.gas_epls.includes(epl)) problems.push(`II 类气体设备的 EPL 应为 ${table.gas_epls.join("/")}，标志为 ${epl}`);
  const order = table.gas_groups;
  if (requiredGroup && order.includes(group) && order.indexOf(group) < order.indexOf(requiredGroup)) problems.push(`设备气体组别 ${group} 低于场所要求的 ${requiredGroup}`);
  if (requiredT && tClasses.includes(tClass) && Number(tClass[1]) < Number(requiredT[1])) problems.push(`设备温度组别 ${tClass} 低于场所要求的 ${requiredT}`);
  return verdict(problems.length ? FAIL : PASS, { parsed, problems, notes }, limit, EX_BASIS);
}

// --- grinding-wheel-marking (GB 2494-2014; EN 12413 colour stripes) -------------------------------------
const GW_BASIS = "GB 2494-2014 固结磨具安全要求：标注最高工作速度；速度色标按 EN 12413 / ISO 525";
const sameMultiset = (a, b) => a.length === b.length && [...a].sort().join("\u0000") === [...b].sort().join("\u0000");
// π to 50 digits, as the server's engine (checklists/engine/compare.py PI).
const PI = dec("3.14159265358979323846264338327950288419716939937510");
// The project's 1 % allowance on the speed the marked rpm implies (checklists/engine/grinding_wheel_marking.py).
const RPM_TOLERANCE = dec("0.01");
// A rational p/q as the double nearest to it (display only), like Python's float(Fraction).
const nearest = (p, q) => toNumber(roundRational(p, q, 40));
function grindingWheelMarking(inputs, t) {
  const data = checkKeys(inputs, ["max_speed_ms", "stripes", "diameter_mm", "rpm"]);
  const table = t.speed_stripes;
  const speed = number(data, "max_speed_ms");
  const stripes = stringList(data, "stripes", true, 3);
  stripes.forEach((colour, i) => {
    if (!Object.prototype.hasOwnProperty.call(table.colours, colour)) throw new InputError(`inputs.stripes[${i}]`, `颜色必须是 ${Object.keys(table.colours).join(" | ")} 之一`);
  });
  const diameter = number(data, "diameter_mm", false);
  const rpm = number(data, "rpm", false);
  if ((diameter === null) !== (rpm === null)) throw new InputError(`inputs.${diameter === null ? "diameter_mm" : "rpm"}`, "diameter_mm 与 rpm 须同时提供");
  if (speed <= 0) return invalid("inputs.max_speed_ms", "最高工作速度必须大于 0", GW_BASIS);
  if (diameter !== null && (diameter <= 0 || rpm <= 0)) return invalid(diameter <= 0 ? "inputs.diameter_mm" : "inputs.rpm", "外径和转速必须大于 0", GW_BASIS);
  const problems = [], notes = [];
  const row = table.rows.find((r) => Number(r.max_speed_ms) === speed);
  const expected = row ? row.stripes : null;
  let checked = false;
  const names = (list) => list.map((c) => table.colours[c]).join("+");
  if (expected) {
    checked = true;
    if (!sameMultiset(stripes, expected)) problems.push(`最高工作速度 ${fmt(speed)} m/s 应有色标 ${names(expected)}，实为 ${names(stripes) || "无色标"}`);
  } else if (stripes.length) {
    const match = table.rows.find((r) => sameMultiset(r.stripes, stripes));
    if (match) { checked = true; problems.push(`色标 ${names(stripes)} 对应 ${match.max_speed_ms} m/s，与标注的 ${fmt(speed)} m/s 不符`); }
    else notes.push("该色标组合不在已编码的色标表内，未核对");
  } else notes.push(`${fmt(speed)} m/s 不在已编码的色标表内，未核对色标`);
  // Full-value comparison (GB/T 8170-2008 §4.3): π·d·n/60000 against v × 1.01, both exact.
  const rpmLimit = mul(dec(speed), add(dec(1), RPM_TOLERANCE));
  const rpmLimitNumber = nearest(rpmLimit.n, 10n ** BigInt(rpmLimit.s));
  let speedAtRpm = null;
  if (diameter !== null) {
    const product = mul(mul(PI, dec(diameter)), dec(rpm));  // π·d·n; the speed is product / 60000
    const scale = 10n ** BigInt(product.s);
    speedAtRpm = nearest(product.n, scale * 60000n);
    const [lhs, rhs] = [product.n * 10n ** BigInt(rpmLimit.s), rpmLimit.n * scale * 60000n];
    if (lhs > rhs) problems.push(`标注转速 ${fmt(rpm)} r/min 在外径 ${fmt(diameter)} mm 时线速度为 ${speedAtRpm} m/s，超过最高工作速度 ${fmt(speed)} m/s（含 1 % 转速修约余量：${rpmLimitNumber} m/s；全数值比较）`);
  }
  const result = { stripes, expected_stripes: expected, speed_at_rpm_ms: speedAtRpm, problems, notes };
  const limit = { max_speed_ms: speed, expected_stripes: expected, max_speed_at_rpm_ms: rpmLimitNumber };
  if (!problems.length && !checked && speedAtRpm === null) return invalid("inputs.max_speed_ms", notes.join("；"), GW_BASIS, limit);
  return verdict(problems.length ? FAIL : PASS, result, limit, GW_BASIS);
}

// --- un-packaging-mark (GB 19269-2009 / GB 12463-2009) -----------------------------------------------------
const MAX_RELATIVE_DENSITY = 100;
const UN_BASIS = "GB 19269-2009 / GB 12463-2009（联合国《规章范本》、ADR 6.1.5）：包装性能等级 X/Y/Z 覆盖 I/II/III 类";
const UN_PREFIX = /^\s*(?:UN|U\s*\/\s*N|u\s*n)\s*/i;
const UN_CODE = /^(?<type>[1-7])(?<materials>[A-Z]{1,2})(?<category>\p{Nd})?(?<suffix>[UVW])?$/u;
const UN_PERF = /^(?<letter>[XYZ])\s*(?<value>\p{Nd}+(?:\.\p{Nd}+)?)$/u;
const isDigits = (s) => /^\p{Nd}+$/u.test(s);
function parseUn(mark, table) {
  const textIn = mark.replaceAll("／", "/").trim();
  const prefix = UN_PREFIX.exec(textIn);
  if (!prefix) return [null, ["UN 标记应以联合国包装符号（UN）开头"]];
  const fields = textIn.slice(prefix[0].length).split("/").map((f) => f.trim());
  if (fields.length < 5) return [null, ["UN 标记字段不全"]];
  const problems = [];
  const code = UN_CODE.exec(fields[0].replaceAll(" ", ""));
  if (!code) return [null, [`包装代码 ${fields[0]} 无法识别（应如 1A1、3H1、4G）`]];
  for (const letter of code.groups.materials) if (!(letter in table.materials)) problems.push(`包装代码中的材料字母 ${letter} 不在代码表内`);
  const perf = UN_PERF.exec(fields[1].replaceAll(" ", ""));
  if (!perf) return [null, [...problems, `性能等级字段 ${fields[1]} 无法识别`]];
  let kind, hydraulic = null;
  if (fields[2].toUpperCase() === "S") kind = "solid";
  else if (isDigits(fields[2])) { kind = "liquid"; hydraulic = Number(fields[2]); }
  else return [null, [...problems, `第三字段 ${fields[2]} 应为液压试验压力（kPa）或 S（固体）`]];
  if (!/^(?:\p{Nd}{2}|\p{Nd}{4})$/u.test(fields[3])) problems.push(`生产年份 ${fields[3]} 应为两位或四位数字`);
  if (!/^[A-Z]{1,3}$/.test(fields[4])) problems.push(`国别代码 ${fields[4]} 应为 1–3 个大写字母（中国为 CN）`);
  const manufacturer = fields.slice(5).join("/") || null;
  if (!manufacturer) problems.push("缺少生产厂代号");
  const parsed = { code: fields[0].replaceAll(" ", ""), performance_letter: perf.groups.letter, kind, hydraulic_kpa: hydraulic,
    year: fields[3], country: fields[4], manufacturer };
  parsed[kind === "liquid" ? "relative_density" : "gross_mass_kg"] = Number(perf.groups.value);
  return [parsed, problems];
}
function unPackagingMark(inputs, t) {
  const data = checkKeys(inputs, ["mark", "packing_group", "drop_height_m", "leakproof_kpa", "leakproof_minutes", "relative_density"]);
  const mark = text(data, "mark");
  const group = choice(data, "packing_group", ["I", "II", "III"]);
  const drop = number(data, "drop_height_m", false);
  const leak = number(data, "leakproof_kpa", false);
  const leakMin = number(data, "leakproof_minutes", false);
  const density = number(data, "relative_density", false);
  for (const [name, value] of [["drop_height_m", drop], ["leakproof_kpa", leak], ["leakproof_minutes", leakMin], ["relative_density", density]]) {
    if (value !== null && value <= 0) return invalid(`inputs.${name}`, "必须大于 0", UN_BASIS);
  }
  // no liquid is denser than this (mercury: 13.6); beyond it the input is a mistake (un_packaging_mark.py)
  if (density !== null && density > MAX_RELATIVE_DENSITY) return invalid("inputs.relative_density", `相对密度超出物理范围（不得大于 ${MAX_RELATIVE_DENSITY}）`, UN_BASIS);
  const table = t.un_packaging;
  if (!mark.trim()) return verdict(FAIL, { parsed: null, checks: [], problems: ["包装无 UN 标记"] }, null, UN_BASIS);
  const [parsed, problems] = parseUn(mark, table);
  if (!parsed) return verdict(FAIL, { parsed: null, checks: [], problems }, null, UN_BASIS);
  const letter = table.performance_letters[parsed.performance_letter];
  const level = letter.tested_as;
  if (!letter.covers.includes(group)) problems.push(`性能等级 ${parsed.performance_letter} 只适用于 ${letter.covers.join("/")} 类包装，不能盛装 ${group} 类包装的危险货物`);
  const checks = [];
  const limit = { packing_groups_covered: letter.covers };
  let requiredDrop = dec(table.drop_height_m[level]);
  if (density !== null && cmp(dec(density), dec(table.drop_density_threshold)) > 0) {
    const d = dec(density);
    requiredDrop = mul(roundRational(d.n, 10n ** BigInt(d.s), 1, "ceiling"), dec(table.drop_density_factor[level]));
  }
  limit.drop_height_m = toNumber(requiredDrop);
  if (drop !== null) {
    const ok = cmp(dec(drop), requiredDrop) >= 0;
    checks.push({ test: "drop", measured: drop, required: toNumber(requiredDrop), ok });
    if (!ok) problems.push(`跌落高度 ${fmt(drop)} m 低于 ${level} 类要求的 ${toNumber(requiredDrop)} m`);
  }
  if (parsed.kind === "liquid") {
    const requiredLeak = table.leakproof_kpa[level];
    limit.leakproof_kpa = requiredLeak;
    const hydMin = table.hydraulic_min_kpa[level];
    if (hydMin !== undefined && hydMin !== null) {
      limit.hydraulic_kpa = hydMin;
      const ok = parsed.hydraulic_kpa >= hydMin;
      checks.push({ test: "hydraulic", measured: parsed.hydraulic_kpa, required: hydMin, ok });
      if (!ok) problems.push(`标记的液压试验压力 ${parsed.hydraulic_kpa} kPa 低于 ${level} 类要求的 ${hydMin} kPa`);
    }
    if (leak !== null) {
      const ok = leak >= requiredLeak;
      checks.push({ test: "leakproof", measured: leak, required: requiredLeak, ok });
      if (!ok) problems.push(`气密试验压力 ${fmt(leak)} kPa 低于 ${level} 类要求的 ${requiredLeak} kPa`);
    }
    if (leakMin !== null) {
      const ok = leakMin >= table.leakproof_minutes;
      checks.push({ test: "leakproof_minutes", measured: leakMin, required: table.leakproof_minutes, ok });
      if (!ok) problems.push(`气密试验保压 ${fmt(leakMin)} min 少于 ${table.leakproof_minutes} min`);
    }
  } else if (leak !== null || leakMin !== null) {
    return invalid(leak !== null ? "inputs.leakproof_kpa" : "inputs.leakproof_minutes", "气密（防泄漏）试验只适用于盛装液体的包装，该标记为固体包装（S）", UN_BASIS);
  }
  return verdict(problems.length ? FAIL : PASS, { parsed, checks, problems }, limit, UN_BASIS);
}

const METHODS = {
  "conductor-resistance": conductorResistance,
  "insulation-thickness": insulationThickness,
  "strand-count": strandCount,
  "food-paper-fluorescence": foodPaperFluorescence,
  "ex-marking": exMarking,
  "grinding-wheel-marking": grindingWheelMarking,
  "un-packaging-mark": unPackagingMark,
};

export function evaluate(method, inputs, catalogue) {
  if (typeof method !== "string") throw new InputError("method", "必须是字符串");
  const fn = METHODS[method];
  const entry = catalogue && catalogue[method];
  if (!fn || !entry) throw new InputError("method", `未知的快检方法 ${method}`);
  return fn(inputs, entry.tables);
}
export const methodNames = () => Object.keys(METHODS).sort();
