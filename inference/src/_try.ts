import { readFileSync, writeFileSync } from "node:fs";
import { loadModel } from "./index";
import { makeModel } from "./make-model";
import { encodeTensorData } from "./gguf-writer";
import { editGguf } from "./testing/gguf-edit";
import { readGguf } from "./testing/gguf-reader";
import { loadReferenceModel, referenceForward } from "./testing/reference-forward";
function diff(e: Float32Array, b: Float64Array[]) { let w = 0; const V = b[0]!.length; b.forEach((r, p) => { const s = Math.max(...Array.from(r, Math.abs)); let d = 0; r.forEach((v, i) => d = Math.max(d, Math.abs(e[p*V+i]! - v))); w = Math.max(w, d / s); }); return w; }
async function main() {
  const toks = [1, 17, 300];
  for (const type of ["q8_0", "f32"] as const) {
  await makeModel({ out: "/tmp/arb/t.gguf", dim: 128, layers: 1, heads: 4, kvHeads: 2, ffn: 352, type, vocab: 512, seed: 3 });
  const T = type === "q8_0" ? "Q8_0" : "F32";
  const f = readGguf(new Uint8Array(readFileSync("/tmp/arb/t.gguf")));
  writeFileSync("/tmp/arb/t2.gguf", editGguf(f, { tensors: {
    "blk.0.attn_output.weight": { type: T, shape: [128, 128], data: encodeTensorData(T, new Float32Array(128*128)) },
    "blk.0.ffn_down.weight": { type: T, shape: [352, 128], data: encodeTensorData(T, new Float32Array(352*128)) } } }));
  const model = await loadModel("/tmp/arb/t2.gguf", { device: "cpu", threads: 1, contextLength: 64, maxSequences: 2 });
  const e = await model.evaluate(toks);
  const m = loadReferenceModel("/tmp/arb/t2.gguf");
  console.log(type, "plain", diff(e, referenceForward(m, toks)).toExponential(2), "q", diff(e, referenceForward(m, toks, { quantizeActivations: true })).toExponential(2));
  // print a few values
  const r = referenceForward(m, toks, { quantizeActivations: true });
  console.log(Array.from(e.slice(0, 5)), Array.from(r[0]!.slice(0, 5)));
  model.dispose();
  }
}
main();
