// The reference JSONata (jsonata-js, the npm package installed beside this file) answering JSON lines:
// in:  {"expr": "...", "data": <json> (absent: no input document), "bindings": {...}, "timelimit": ms, "depth": n}
// out: {"result": <json>} | {"undefined": true} | {"function": true} | {"error": {"code", "message", "position"}}
// One process answers every case of a test session, in order, one line per request.
"use strict";
const jsonata = require("jsonata");
const readline = require("readline");

function timebox(expr, timeout, maxDepth) {
  // as jsonata-js's own test runner bounds the suite's runaway cases
  let depth = 0;
  const start = Date.now();
  const check = () => {
    if (depth > maxDepth) {
      throw { code: "U1001", message: "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.", stack: new Error().stack };
    }
    if (Date.now() - start > timeout) {
      throw { code: "U1001", message: "Expression evaluation timeout: Check for infinite loop", stack: new Error().stack };
    }
  };
  expr.assign(Symbol.for("jsonata.__evaluate_entry"), () => { depth++; check(); });
  expr.assign(Symbol.for("jsonata.__evaluate_exit"), () => { depth--; check(); });
}

function plain(value) {
  if (typeof value === "function" || (value && value._jsonata_lambda)) return { function: true };
  if (value === undefined) return { undefined: true };
  return { result: value };
}

async function bench(req) {
  // evaluation time alone (compiled once, as sfnkit compiles once per text): microseconds per evaluation
  const expr = jsonata(req.expr);
  const input = "data" in req ? req.data : undefined;
  for (let i = 0; i < Math.min(req.bench, 200); i++) await expr.evaluate(input, req.bindings || {});
  const start = process.hrtime.bigint();
  for (let i = 0; i < req.bench; i++) await expr.evaluate(input, req.bindings || {});
  return { us: Number(process.hrtime.bigint() - start) / 1000 / req.bench };
}

async function answer(req) {
  if (req.bench) return bench(req);
  try {
    const expr = jsonata(req.expr);
    timebox(expr, req.timelimit || 5000, req.depth || 500);
    const result = await expr.evaluate("data" in req ? req.data : undefined, req.bindings || {});
    const out = plain(result);
    JSON.stringify(out, (k, v) => v); // a function nested in a result, or a cycle, is an error of its own
    return out;
  } catch (e) {
    return { error: { code: e.code || "JS", message: String(e.message || e), position: e.position, token: e.token } };
  }
}

const rl = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
rl.on("line", (line) => {
  queue = queue.then(async () => {
    const out = await answer(JSON.parse(line));
    let text;
    // AWS writes a non-finite number as JavaScript names it ("Infinity", "NaN"), never as JSON's null
    const named = (k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v);
    try { text = JSON.stringify(out, named); } catch (e) { text = JSON.stringify({ error: { code: "JS", message: String(e) } }); }
    process.stdout.write(text + "\n");
  });
});
