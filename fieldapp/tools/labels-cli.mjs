// Checks label codes with the device's code (src/labels.js): stdin JSON [code…] → stdout JSON [{ok, code|error}].
import { checkLabel } from "../src/labels.js";

let raw = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (c) => { raw += c; });
process.stdin.on("end", () => { process.stdout.write(JSON.stringify(JSON.parse(raw).map((c) => checkLabel(c)))); });
