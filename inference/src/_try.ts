import { loadModel } from "./index";
import { makeModel } from "./make-model";
async function main() {
  await makeModel({ out: "/tmp/arb/t.gguf", dim: 128, layers: 2, heads: 4, kvHeads: 2, ffn: 352, type: "f32", vocab: 512, seed: 3, context: 256 });
  const TOKENS = [1, 17, 300, 45, 45, 2, 511, 100, 9, 250, 3, 77];
  const model = await loadModel("/tmp/arb/t.gguf", { device: "cpu", threads: 2, contextLength: 64, maxSequences: 2 });
  const timer = setTimeout(() => { console.log("TIMEOUT"); process.exit(1); }, 10000);
  const r0 = await model.generate(TOKENS.slice(0, 5), { temperature: 0, maxTokens: 12, ignoreEos: true }); console.log("first", r0.tokens.length);
  const prompts = [TOKENS.slice(0, 4), TOKENS.slice(4, 11), TOKENS.slice(2, 3)];
  const options = { temperature: 0, maxTokens: 10, ignoreEos: true };
  for (const p of prompts) { console.log("start alone", p); const r = await model.generate(p, options); console.log("alone", p.length, r.tokens.length); }
  const res = await Promise.all(prompts.map((p, i) => model.generate(p, options).then(r => { console.log("done", i); return r; })));
  clearTimeout(timer);
  console.log(res.map(r => r.tokens.join(",")));
  model.dispose();
}
main();
