// Judges quick tests with the device's code (src/quicktest.js) for tests that compare it with the
// server: stdin = JSON {"catalogue": <GET /api/v1/quicktests/tables/>, "cases": [{method, inputs}]},
// stdout = JSON [{verdict, field} | {error_field}].
import { evaluate, InputError } from "../src/quicktest.js";

let raw = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { raw += chunk; });
process.stdin.on("end", () => {
  const { catalogue, cases } = JSON.parse(raw);
  const out = cases.map(({ method, inputs }) => {
    try {
      const r = evaluate(method, inputs, catalogue.methods);
      return { verdict: r.verdict, field: r.verdict === "invalid" ? r.result.field : null, result: r.result, limit: r.limit };
    } catch (err) {
      if (err instanceof InputError) return { error_field: err.field };
      return { crash: String(err && err.stack || err) };
    }
  });
  process.stdout.write(JSON.stringify(out));
});
