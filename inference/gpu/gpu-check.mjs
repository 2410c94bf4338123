// The GPU check of the CUDA path, one run on a GPU machine (inference/gpu/README.md). Plain
// JavaScript: prepare.sh copies it into .gpu/ beside the bundled engine API (check-lib.mjs), the
// CLI (infer.mjs), the addon and the gpu-check test program; run.sh starts it there.
//
//   node .gpu/gpu-check.mjs --out DIR [--budget SECONDS] [--stages a,b,...]
//
// Stages, each in its own process with its own time limit, so one failure or crash never stops
// the rest: machine, unit (kernel and backend tests), logits (CUDA vs CPU vs float64 for every
// weight type make-model writes), batching (batched = alone, determinism), sanitizer
// (compute-sanitizer memcheck), bench7b (generated Llama-2-7B-shape Q4_0 and Q8_0 GGUF files
// through the CLI's bench), synthetic (the backend on a synthetic 7B model, then kernel
// bandwidths and the version-2 configuration sweep), sanitizer_unit. --stages (or
// GPU_CHECK_STAGES) picks a subset; machine always runs. Everything goes to DIR/gpu-check.json
// and DIR/gpu-check.log (the background model generator writes DIR/make-model-TYPE.log); a
// short summary table is printed last.
//
// Results are parsed only from what a stage writes for that purpose: a result file, or its own
// stdout (JSON lines), never from stderr or another process's output. A stage is "ok" only when
// it returns pass: true; a result that cannot be read is an "error" that says so, not a failure
// of the checks (and does not start the triage reruns).

import { spawn, spawnSync } from "node:child_process";
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};

const WORK = "/tmp/gpu-check";
// GPU_CHECK_DEVICE=cpu runs the "CUDA" side of the JS stages on the CPU: a dry run of this
// script on a machine without a GPU (the comparisons then hold trivially).
const DEVICE = process.env.GPU_CHECK_DEVICE ?? "cuda";
mkdirSync(WORK, { recursive: true });

// ---------------------------------------------------------------------------------------------
// Numbers shared by the stages

// Worst over positions of max_i |a[p][i] - b[p][i]| / max_i |b[p][i]| (engine-logits.int.test.ts).
function worstRelative(a, b, vocab) {
  const rows = b.length / vocab;
  let worst = 0;
  for (let p = 0; p < rows; p++) {
    let scale = 0;
    let diff = 0;
    for (let i = 0; i < vocab; i++) {
      const want = b[p * vocab + i];
      const got = a[p * vocab + i];
      if (!Number.isFinite(got)) return Number.POSITIVE_INFINITY;
      scale = Math.max(scale, Math.abs(want));
      diff = Math.max(diff, Math.abs(got - want));
    }
    worst = Math.max(worst, diff / scale);
  }
  return worst;
}

function tokensFor(seed, n, vocab) {
  const out = [];
  let s = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out.push(2 + (s % (vocab - 2)));
  }
  return out;
}

// Tolerances of CUDA against the CPU path and the float64 reference (max-norm metric above).
// Float weights: fp16 KV cache and fp16 prefill products: 5e-3 against both.
// Quantized weights: both devices quantize activations to q8 identically, but the GPU's fp16 KV
// cache and fp32 summation order move a few activations across a q8 rounding boundary; each
// such flip changes every later quantization of the token (and, through the cache, of later
// tokens), so on a 2-layer model CUDA and CPU become two draws of the same q8 noise: each is
// cpuVsReference away from the float64 answer, and two independent draws are about sqrt(2)
// times that apart. So CUDA may differ from the CPU by at most 1.5x the CPU's own distance to
// float64 (or 1e-2, whichever is larger), may be no farther from float64 than 1.5x the CPU is,
// and never more than 1e-1. (Run 1, H200: CUDA vs CPU 0.62-0.94x, CUDA vs float64 0.78-1.18x
// the CPU's distance.) Kernel-level exactness is the unit stage's job.
const TOLERANCE = {
  float: { cpu: 5e-3, reference: 5e-3 },
  quantized: { cpuFactor: 1.5, floor: 1e-2, reference: 1e-1 },
};

function logitsPass(kind, vsCpu, vsReference, cpuVsReference) {
  if (kind === "float") return vsCpu <= TOLERANCE.float.cpu && vsReference <= TOLERANCE.float.reference;
  const q = TOLERANCE.quantized;
  const bound = Math.max(q.floor, q.cpuFactor * cpuVsReference);
  return vsCpu <= bound && vsReference <= bound && vsReference <= q.reference;
}

// ---------------------------------------------------------------------------------------------
// Child stages (run as `gpu-check.mjs --stage NAME --result FILE`)

// CUDA vs the CPU path vs the float64 reference, each `[path, tokens]` run judged by the stage
// tolerances (logitsPass).
async function logitRuns(lib, { gpu, cpu, reference, kind, lengths, options = {} }) {
  const runs = [];
  for (const [path, n] of lengths) {
    const tokens = [1, ...tokensFor(n, n - 1, 512)];
    const g = await gpu.evaluate(tokens, options);
    const c = await cpu.evaluate(tokens, options);
    const r = lib.referenceForward(reference, tokens);
    const flat = new Float64Array(r.length * 512);
    r.forEach((row, p) => flat.set(row, p * 512));
    const vsCpu = worstRelative(g, c, 512);
    const vsReference = worstRelative(g, flat, 512);
    const cpuVsReference = worstRelative(c, flat, 512);
    runs.push({
      path,
      tokens: n,
      cudaVsCpu: vsCpu,
      cudaVsReference: vsReference,
      cpuVsReference,
      pass: logitsPass(kind, vsCpu, vsReference, cpuVsReference),
    });
  }
  return runs;
}

async function stageLogits(lib) {
  const cases = [];
  const dir = join(WORK, "logits");
  mkdirSync(dir, { recursive: true });
  // Every type with head size 64 (decode attention version 1), and the two 7B types with head
  // size 128 (version 2). Then the other families (issue 21): Llama 3.1 RoPE factors, qwen2
  // biases (NeoX RoPE, unfused q|k|v path), qwen3 q/k norms with 128-wide heads (version 2),
  // gemma3 (GeGLU, post-norms, scaled embeddings, 16-position window on layers 0-4, linear
  // scaling on layer 5): prefill and decode both cross the window.
  const families = [
    { arch: "llama", ropeScaling: { type: "llama3", originalContext: 64 } },
    { arch: "qwen2" },
    { arch: "qwen3", headDim: 128 },
    { arch: "gemma3", layers: 6, slidingWindow: 16, tied: true, ropeScaling: { type: "linear", factor: 8 } },
  ];
  const models = [
    ...lib.MODEL_TYPES.map((type) => ({ type, heads: 4, kvHeads: 2 })),
    { type: "q8_0", heads: 2, kvHeads: 2 },
    { type: "q4_0", heads: 2, kvHeads: 1 },
    ...families.flatMap((family) => ["f32", "q8_0"].map((type) => ({ type, heads: 4, kvHeads: 2, family }))),
  ];
  for (const { type, heads, kvHeads, family } of models) {
    const label = family ? `${family.arch}${family.ropeScaling ? `-${family.ropeScaling.type}` : ""}-` : "";
    const path = join(dir, `${label}${type}-h${heads}.gguf`);
    await lib.makeModel({
      out: path,
      dim: 256,
      layers: 2,
      heads,
      kvHeads,
      ffn: 512,
      type,
      vocab: 512,
      seed: 7,
      context: 256,
      ...family,
    });
    const cpu = await lib.loadModel(path, { device: "cpu", threads: 8, contextLength: 128, maxSequences: 2 });
    const gpu = await lib.loadModel(path, { device: DEVICE, contextLength: 128, maxSequences: 2 });
    const reference = lib.loadReferenceModel(path);
    const kind = type.startsWith("q") ? "quantized" : "float";
    const headSize = family?.headDim ?? 256 / heads;
    // 8 tokens: the decode path; 48: the prefill path; 72: 64 prefill + 8 decode at positions 64..71.
    const runs = await logitRuns(lib, {
      gpu,
      cpu,
      reference,
      kind,
      lengths: [
        ["decode", 8],
        ["prefill", 48],
        ["prefill+decode", 72],
      ],
    });
    const result = { type: `${label}${type}`, headSize, device: gpu.info.deviceDescription, runs };
    const prompt = [1, ...tokensFor(99, 7, 512)];
    const greedy = { temperature: 0, maxTokens: 16, ignoreEos: true };
    const [tg, tc] = [
      (await gpu.generate(prompt, greedy)).tokens,
      (await cpu.generate(prompt, greedy)).tokens,
    ];
    let same = 0;
    while (same < tg.length && tg[same] === tc[same]) same++;
    result.greedyAgreement = `${same}/${tg.length}`;
    result.tolerance = TOLERANCE[kind];
    result.pass = result.runs.every((r) => r.pass);
    gpu.dispose();
    cpu.dispose();
    cases.push(result);
    console.log(
      `logits ${result.type} hd ${result.headSize}: ` +
        result.runs
          .map(
            (r) =>
              `${r.path} vs cpu ${r.cudaVsCpu.toExponential(2)} vs f64 ${r.cudaVsReference.toExponential(2)} (cpu vs f64 ${r.cpuVsReference.toExponential(2)})${r.pass ? "" : " FAIL"}`,
          )
          .join("; ") +
        ` greedy ${result.greedyAgreement}`,
    );
  }
  return { pass: cases.every((c) => c.pass), tolerances: TOLERANCE, cases };
}

async function stageBatching(lib) {
  // Head size 128: decode attention version 2, with its early cache loads.
  const path = join(WORK, "batching-q4_0.gguf");
  await lib.makeModel({
    out: path,
    dim: 256,
    layers: 2,
    heads: 2,
    kvHeads: 2,
    ffn: 512,
    type: "q4_0",
    vocab: 512,
    seed: 11,
    context: 512,
  });
  const model = await lib.loadModel(path, { device: DEVICE, contextLength: 256, maxSequences: 4 });
  const prompts = [
    [1, ...tokensFor(1, 4, 512)],
    [1, ...tokensFor(2, 22, 512)],
    [1, ...tokensFor(3, 39, 512)],
  ];
  prompts.push([...prompts[1]]); // the same prompt twice: the second shares the first's prefill
  const greedy = { temperature: 0, maxTokens: 24, ignoreEos: true };
  const gen = async (p, o = greedy) => (await model.generate(p, o)).tokens.join(",");
  const alone = [];
  for (const p of prompts) alone.push(await gen(p));
  const again = await gen(prompts[0]);
  const together = await Promise.all(prompts.map((p) => gen(p)));
  // Staggered: two prompts join while the first decodes (mixed prefill + decode steps).
  let startLate;
  const late = new Promise((resolve) => (startLate = resolve));
  let seen = 0;
  const first = model.generate(prompts[0], { ...greedy, onToken: () => ++seen === 5 && startLate() });
  await late;
  const staggered = await Promise.all([
    first.then((r) => r.tokens.join(",")),
    gen(prompts[2]),
    gen(prompts[1]),
  ]);
  const sampled = { temperature: 0.8, topK: 40, topP: 0.95, seed: 42, maxTokens: 24, ignoreEos: true };
  const sampledAlone = await gen(prompts[2], sampled);
  const sampledTogether = (
    await Promise.all([gen(prompts[2], sampled), gen(prompts[0]), gen(prompts[1])])
  )[0];
  const e1 = await model.evaluate(prompts[2]);
  const e2 = await model.evaluate(prompts[2]);
  model.dispose();
  const checks = {
    batchedEqualsAlone: together.every((t, i) => t === alone[i]),
    staggeredEqualsAlone: staggered[0] === alone[0] && staggered[1] === alone[2] && staggered[2] === alone[1],
    sharedPrefixEqualsAlone: together[3] === alone[1],
    greedyRepeatable: again === alone[0],
    sampledRepeatableInBatch: sampledAlone === sampledTogether,
    evaluateBitwiseRepeatable: Buffer.compare(Buffer.from(e1.buffer), Buffer.from(e2.buffer)) === 0,
  };
  console.log(`batching: ${JSON.stringify(checks)}`);
  return { pass: Object.values(checks).every(Boolean), checks, alone, together };
}

// LoRA adapters (engine/lora.h) on the device: two rank-16 adapters over an F32 base (head size
// 64) and a Q4_0 one, CUDA with an adapter vs the CPU path vs the float64 reference with the
// adapter merged (the logits stage's tolerances), decode and prefill paths; base, adapter 1 and
// adapter 2 batched together give each one's greedy tokens alone.
async function stageLora(lib) {
  const dir = join(WORK, "lora");
  mkdirSync(dir, { recursive: true });
  const cases = [];
  for (const type of ["f32", "q4_0"]) {
    const path = join(dir, `base-${type}.gguf`);
    await lib.makeModel({
      out: path,
      dim: 256,
      layers: 2,
      heads: 4,
      kvHeads: 2,
      ffn: 512,
      type,
      vocab: 512,
      seed: 7,
      context: 256,
    });
    const cpu = await lib.loadModel(path, { device: "cpu", threads: 8, contextLength: 128, maxSequences: 3 });
    const adapters = [];
    for (const seed of [1, 2]) {
      const out = join(dir, `base-${type}.lora-${seed}.gguf`);
      await lib.makeLoraAdapter({
        base: cpu.info,
        out,
        rank: 16,
        alpha: 32,
        format: "gguf",
        type: "F16",
        seed,
      });
      adapters.push({ path: out, scale: seed === 1 ? 1 : 0.5 });
    }
    cpu.dispose();
    const load = (device) =>
      lib.loadModel(path, { device, threads: 8, contextLength: 128, maxSequences: 3, adapters });
    const [gpu, host] = [await load(DEVICE), await load("cpu")];
    const adapter = lib.readLoraAdapter(adapters[0].path);
    const reference = lib.mergeLora(
      lib.loadReferenceModel(path),
      adapter.pairs,
      adapter.alpha,
      adapters[0].scale,
    );
    const kind = type === "f32" ? "float" : "quantized";
    const runs = await logitRuns(lib, {
      gpu,
      cpu: host,
      reference,
      kind,
      lengths: [
        ["decode", 8],
        ["prefill", 48],
      ],
      options: { adapter: 0 },
    });
    const result = { type, device: gpu.info.deviceDescription, runs };
    const prompt = [1, ...tokensFor(5, 11, 512)];
    const greedy = { temperature: 0, maxTokens: 16, ignoreEos: true };
    const gen = async (adapter) => (await gpu.generate(prompt, { ...greedy, adapter })).tokens.join(",");
    const alone = [];
    for (const a of [undefined, 0, 1]) alone.push(await gen(a));
    const together = await Promise.all([undefined, 0, 1].map(gen));
    result.batchedEqualsAlone = together.every((t, i) => t === alone[i]);
    result.adaptersDiffer = new Set(alone).size === 3;
    result.pass = result.runs.every((r) => r.pass) && result.batchedEqualsAlone && result.adaptersDiffer;
    gpu.dispose();
    host.dispose();
    cases.push(result);
    console.log(`lora ${type}: ${JSON.stringify(result)}`);
  }
  return { pass: cases.every((c) => c.pass), cases };
}

async function stageAddon(lib) {
  return {
    pass: lib.cudaCompiled() && lib.cudaDeviceCount() > 0,
    cudaCompiled: lib.cudaCompiled(),
    cudaDeviceCount: lib.cudaDeviceCount(),
  };
}

async function runChildStage(name, resultFile) {
  const lib = await import(join(here, "check-lib.mjs"));
  const stages = { logits: stageLogits, batching: stageBatching, lora: stageLora, addon: stageAddon };
  const result = await stages[name](lib);
  writeFileSync(resultFile, JSON.stringify(result));
}

// ---------------------------------------------------------------------------------------------
// GGUF header: weight bytes per decode step (every tensor but the embedding, whose rows are
// looked up, unless it doubles as the output projection).

const GGML_TYPES = {
  0: [1, 4],
  1: [1, 2],
  2: [32, 18],
  6: [32, 22],
  8: [32, 34],
  12: [256, 144],
  14: [256, 210],
  30: [1, 2],
};

function ggufWeightBytesPerToken(path) {
  const fd = openSync(path, "r");
  const buf = Buffer.alloc(16 << 20);
  const n = readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  let at = 0;
  const u32 = () => ((at += 4), buf.readUInt32LE(at - 4));
  const u64 = () => ((at += 8), Number(buf.readBigUInt64LE(at - 8)));
  const str = () => {
    const len = u64();
    at += len;
    return buf.toString("utf8", at - len, at);
  };
  const SIZES = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
  const skip = (type) => {
    if (type === 8) str();
    else if (type === 9) {
      const itemType = u32();
      const count = u64();
      if (itemType === 8) for (let i = 0; i < count; i++) str();
      else at += count * SIZES[itemType];
    } else at += SIZES[type];
  };
  if (buf.toString("latin1", 0, 4) !== "GGUF") throw new Error(`${path} is not GGUF`);
  at = 4;
  u32();
  const nTensors = u64();
  const nKv = u64();
  for (let i = 0; i < nKv; i++) {
    str();
    skip(u32());
  }
  const tensors = [];
  for (let i = 0; i < nTensors; i++) {
    const name = str();
    const dims = u32();
    let elems = 1;
    for (let d = 0; d < dims; d++) elems *= u64();
    const type = u32();
    u64();
    const [block, bytes] = GGML_TYPES[type] ?? [1, 0];
    tensors.push({ name, bytes: (elems / block) * bytes });
    if (at > n) throw new Error("GGUF header larger than 16 MiB");
  }
  const tied = !tensors.some((t) => t.name === "output.weight");
  return tensors.reduce((sum, t) => sum + (t.name === "token_embd.weight" && !tied ? 0 : t.bytes), 0);
}

// ---------------------------------------------------------------------------------------------
// Parent: orchestration

const OUT = arg("--out", join(WORK, "out"));
const BUDGET_S = Number(arg("--budget", process.env.GPU_CHECK_BUDGET ?? "135"));
const ALL_STAGES = [
  "unit",
  "logits",
  "batching",
  "lora",
  "sanitizer",
  "bench7b",
  "synthetic",
  "sanitizer_unit",
];
const STAGES = new Set(
  (arg("--stages", process.env.GPU_CHECK_STAGES ?? "") || ALL_STAGES.join(","))
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean),
);
const started = Date.now();
const deadline = started + BUDGET_S * 1000;
const LOG = join(OUT, "gpu-check.log");
const JSON_OUT = join(OUT, "gpu-check.json");
const NODE = process.execPath;
const report = {
  startedAt: new Date(started).toISOString(),
  budgetSeconds: BUDGET_S,
  // The settings in effect (ARBITER_* and GPU_CHECK_* variables), so that a result says how it ran.
  env: Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(ARBITER_|GPU_CHECK_)/.test(k))),
  stages: {},
};

function log(line) {
  appendFileSync(LOG, line.endsWith("\n") ? line : `${line}\n`);
}
function say(line) {
  console.log(line);
  log(line);
}
function save() {
  report.seconds = (Date.now() - started) / 1000;
  writeFileSync(JSON_OUT, JSON.stringify(report, null, 1));
}
const secondsLeft = () => (deadline - Date.now()) / 1000;

// Runs a command, killing it at the limit. Its stdout and stderr go to the log (capped; to
// `logFile` instead of the main log when given, for work running beside the stages); `stdout`
// (the last 1 MiB of stdout alone) is what callers parse, `tail` (both streams) what they show.
function run(cmd, args, { timeoutS, env = {}, echo = false, logFile = LOG } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let logged = 0;
    let tail = "";
    let stdout = "";
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const onData = (isStdout) => (chunk) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-20000);
      if (isStdout) stdout = (stdout + text).slice(-(1 << 20));
      if (logged < 4 << 20) {
        appendFileSync(logFile, text);
        logged += text.length;
      }
      if (echo) process.stdout.write(text);
    };
    child.stdout.on("data", onData(true));
    child.stderr.on("data", onData(false));
    const timer = setTimeout(() => child.kill("SIGKILL"), Math.max(1, timeoutS) * 1000);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: -1, signal: null, tail: String(error), stdout, seconds: (Date.now() - t0) / 1000 });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        tail,
        stdout,
        seconds: (Date.now() - t0) / 1000,
        timedOut: signal === "SIGKILL",
      });
    });
  });
}

// The last line of a command's stdout that parses as a JSON object (the CLI prints its result
// so), or null.
function lastJsonLine(stdout) {
  const lines = stdout
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("{"));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(lines[i]);
    } catch {
      // a truncated or foreign line: try the one before
    }
  }
  return null;
}

// A result file of the gpu-check program: { data, error }. If the whole file does not parse,
// the checks (one per line) are recovered line by line and `error` says where it broke, so one
// malformed detail costs that detail, not the stage's results.
function readResultFile(path) {
  if (!existsSync(path)) return { data: null, error: `${path} was not written` };
  const text = readFileSync(path, "utf8");
  try {
    return { data: JSON.parse(text), error: null };
  } catch (e) {
    const at = Number(/position (\d+)/.exec(String(e))?.[1] ?? -1);
    const where =
      at >= 0 ? `: ...${text.slice(Math.max(0, at - 80), at)}<<HERE>>${text.slice(at, at + 40)}...` : "";
    const results = [];
    for (const line of text.split("\n")) {
      const body = line.replace(/^\s*/, "").replace(/,\s*$/, "");
      if (!body.startsWith('{"name": ')) continue;
      // The last check's line also closes the list ("}]}" or "}], ..."): the longest prefix
      // ending in "}" that parses.
      let parsed = null;
      for (let end = body.lastIndexOf("}"); end > 0 && !parsed; end = body.lastIndexOf("}", end - 1)) {
        try {
          parsed = JSON.parse(body.slice(0, end + 1));
        } catch {
          // shorter
        }
      }
      if (parsed) {
        results.push(parsed);
      } else {
        const name = /^\{"name": "((?:[^"\\]|\\.)*)"/.exec(body)?.[1] ?? "?";
        results.push({ name, pass: /"pass": true/.test(body), detailUnreadable: body.slice(0, 300) });
      }
    }
    return {
      data: results.length ? { results } : null,
      error: `unreadable JSON in ${path}: ${String(e)}${where}`,
    };
  }
}

// The checks a gpu-check run printed as failing (its stdout lines "NAME  FAIL  DETAIL").
function failedFromStdout(stdout) {
  return stdout
    .split("\n")
    .map((l) => /^(.*?)\s+FAIL  /.exec(l)?.[1])
    .filter(Boolean);
}

// A stage gets min(its limit, what the budget leaves); it is skipped when less than `needS` is left
// or when the stage list leaves it out.
async function stage(name, { limitS, needS }, body) {
  if (name !== "machine" && !STAGES.has(name)) {
    report.stages[name] = { status: "skipped", reason: "not in the stage list" };
    return;
  }
  const left = secondsLeft() - 3;
  if (left < needS) {
    report.stages[name] = {
      status: "skipped",
      reason: `time budget (${left.toFixed(0)} s left, needs ${needS} s)`,
    };
    say(`== ${name}: skipped (time budget)`);
    save();
    return;
  }
  const limit = Math.min(limitS, left);
  say(`== ${name} (limit ${limit.toFixed(0)} s)`);
  const t0 = Date.now();
  try {
    const result = await body(limit);
    // The stage's own fields cannot overwrite the verdict: "ok" needs pass === true; a stage that
    // could not read its results says so in `error` (status "error", not "fail").
    report.stages[name] = {
      ...result,
      status: result.error ? "error" : result.pass === true ? "ok" : "fail",
      seconds: (Date.now() - t0) / 1000,
    };
  } catch (error) {
    report.stages[name] = {
      status: "error",
      seconds: (Date.now() - t0) / 1000,
      error: String(error?.stack ?? error),
    };
  }
  say(`== ${name}: ${report.stages[name].status} in ${report.stages[name].seconds.toFixed(1)} s`);
  save();
}

async function childStage(name, limitS) {
  const resultFile = join(WORK, `${name}.json`);
  writeFileSync(resultFile, "");
  const r = await run(NODE, [fileURLToPath(import.meta.url), "--stage", name, "--result", resultFile], {
    timeoutS: limitS,
    echo: true,
  });
  const text = readFileSync(resultFile, "utf8");
  if (!text)
    return { pass: false, exit: r.code, signal: r.signal, timedOut: r.timedOut, tail: r.tail.slice(-3000) };
  return JSON.parse(text);
}

function findTool(name) {
  const dirs = [
    ...(process.env.PATH ?? "").split(":"),
    "/usr/local/cuda/bin",
    "/usr/local/cuda/compute-sanitizer",
    "/opt/nvidia/compute-sanitizer",
  ];
  for (const d of dirs) if (d && existsSync(join(d, name))) return join(d, name);
  return null;
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  writeFileSync(LOG, "");
  const manifestPath = join(here, "manifest.json");
  report.build = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, "utf8")) : null;
  const infer = join(here, "infer.mjs");
  const checkBin = join(here, "gpu-check");
  const env = { ARBITER_ADDON_PATH: process.env.ARBITER_ADDON_PATH ?? join(here, "arbiter.node") };
  process.env.ARBITER_ADDON_PATH = env.ARBITER_ADDON_PATH;

  await stage("machine", { limitS: 30, needS: 5 }, async () => {
    const smi = spawnSync(
      "nvidia-smi",
      [
        "--query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,clocks.mem,power.limit,temperature.gpu",
        "--format=csv",
      ],
      { encoding: "utf8" },
    );
    const addon = await childStage("addon", 20);
    return {
      pass: addon.pass,
      nvidiaSmi: smi.stdout?.trim() || String(smi.error ?? smi.stderr),
      node: process.version,
      cpus: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      addon,
    };
  });

  // The 7B-shape files take a while to write: generate them now, on the CPU, beside the tests.
  const models7b = {};
  for (const type of STAGES.has("bench7b") ? ["q4_0", "q8_0"] : []) {
    const out = join(WORK, `llama2-7b-shape-${type}.gguf`);
    models7b[type] = {
      path: out,
      done: run(
        NODE,
        [
          infer,
          "make-model",
          "--out",
          out,
          "--dim",
          "4096",
          "--layers",
          "32",
          "--heads",
          "32",
          "--kv-heads",
          "32",
          "--ffn",
          "11008",
          "--type",
          type,
          "--vocab-from",
          "llama2",
          "--seed",
          "7",
        ],
        { timeoutS: Math.max(30, secondsLeft() - 60), logFile: join(OUT, `make-model-${type}.log`) },
      ),
    };
    log(`(make-model ${type} runs in the background; its output: make-model-${type}.log)`);
  }

  // The kernel and backend checks: `gpu-check test` writes one result per check to a file.
  // pass: exit 0, the file read, no failing check. Exit 0 with an unreadable file is a harness
  // error (the checks passed by the program's own count); a nonzero exit is a failure.
  const unitRun = async (name, limit, tailChars = 3000) => {
    const json = join(WORK, `${name}.json`);
    rmSync(json, { force: true });
    const r = await run(checkBin, ["test", "--json", json], { timeoutS: limit });
    const { data, error } = readResultFile(json);
    const results = data?.results ?? [];
    const failed = data ? results.filter((x) => !x.pass).map((x) => x.name) : failedFromStdout(r.stdout);
    const exitOk = r.code === 0;
    return {
      pass: exitOk && !error && failed.length === 0,
      error: exitOk && error ? `${error} (the program exited 0: its checks passed)` : undefined,
      jsonError: exitOk ? undefined : (error ?? undefined),
      exit: r.code,
      timedOut: r.timedOut,
      checks: data ? results.length : undefined,
      okLines: (r.stdout.match(/\s+ok {2}/g) ?? []).length,
      failed,
      results: name === "unit" ? data?.results : undefined,
      tail: exitOk ? undefined : r.tail.slice(-tailChars),
    };
  };
  await stage("unit", { limitS: 150, needS: 30 }, (limit) => unitRun("unit", limit));

  await stage("logits", { limitS: 90, needS: 20 }, (limit) => childStage("logits", limit));
  await stage("batching", { limitS: 60, needS: 15 }, (limit) => childStage("batching", limit));
  await stage("lora", { limitS: 60, needS: 15 }, (limit) => childStage("lora", limit));

  const sanitizer = findTool("compute-sanitizer");
  await stage("sanitizer", { limitS: 120, needS: 30 }, async (limit) => {
    if (!sanitizer) return { pass: false, error: "compute-sanitizer not found" };
    const model = join(WORK, "sanitizer-q4_0.gguf");
    await run(
      NODE,
      [
        infer,
        "make-model",
        "--out",
        model,
        "--dim",
        "256",
        "--layers",
        "2",
        "--heads",
        "2",
        "--kv-heads",
        "2",
        "--ffn",
        "512",
        "--type",
        "q4_0",
        "--vocab",
        "512",
      ],
      { timeoutS: 30 },
    );
    const r = await run(
      sanitizer,
      [
        "--tool",
        "memcheck",
        "--leak-check",
        "no",
        "--error-exitcode",
        "99",
        "--print-limit",
        "20",
        NODE,
        infer,
        "generate",
        "--model",
        model,
        "--prompt",
        "Hello there, GPU",
        "--max-tokens",
        "12",
        "--device",
        "cuda",
        "--context",
        "128",
      ],
      { timeoutS: limit },
    );
    const summary = /ERROR SUMMARY: (\d+) error/.exec(r.tail);
    return {
      pass: r.code === 0 && summary !== null && summary[1] === "0",
      exit: r.code,
      timedOut: r.timedOut,
      errors: summary ? Number(summary[1]) : null,
      command:
        "compute-sanitizer --tool memcheck node infer.mjs generate --max-tokens 12 --device cuda (Q4_0, 2 layers, head size 128; graphs and PDL on)",
      tail: r.tail.slice(-2500),
    };
  });

  await stage("sanitizer_unit", { limitS: 150, needS: 45 }, async (limit) => {
    if (!sanitizer) return { pass: false, error: "compute-sanitizer not found" };
    const r = await run(
      sanitizer,
      [
        "--tool",
        "memcheck",
        "--leak-check",
        "no",
        "--error-exitcode",
        "99",
        "--print-limit",
        "20",
        checkBin,
        "test",
        "--quick",
        "--no-bad-device",
      ],
      { timeoutS: limit },
    );
    const summary = /ERROR SUMMARY: (\d+) error/.exec(r.tail);
    return {
      pass: r.code === 0 && summary !== null && summary[1] === "0",
      exit: r.code,
      timedOut: r.timedOut,
      errors: summary ? Number(summary[1]) : null,
      tail: r.tail.slice(-2500),
    };
  });

  await stage("bench7b", { limitS: 200, needS: 60 }, async (limit) => {
    const t0 = Date.now();
    const results = {};
    for (const type of ["q4_0", "q8_0"]) {
      const left = limit - (Date.now() - t0) / 1000;
      const gen = await Promise.race([
        models7b[type].done,
        new Promise((r) => setTimeout(() => r(null), Math.max(1, left - 40) * 1000)),
      ]);
      if (!gen || gen.code !== 0) {
        const last = gen ? gen.tail.trim().split("\n").pop() : "";
        results[type] = {
          pass: false,
          error: gen
            ? `make-model ${gen.timedOut ? "timed out" : `exit ${gen.code}`}: ${last}`
            : "make-model did not finish in time",
        };
        continue;
      }
      const made = lastJsonLine(gen.stdout) ?? {};
      const bytesPerToken = ggufWeightBytesPerToken(models7b[type].path);
      const benchRun = async () => {
        const r = await run(
          NODE,
          [
            infer,
            "bench",
            "--model",
            models7b[type].path,
            "--prompt-tokens",
            "512",
            "--gen-tokens",
            "64",
            "--batch",
            "1,2,4",
            "--device",
            "cuda",
          ],
          { timeoutS: Math.max(10, limit - (Date.now() - t0) / 1000) },
        );
        const bench = r.code === 0 ? lastJsonLine(r.stdout) : null;
        return { bench: bench?.results ? bench : null, tail: r.tail };
      };
      const first = await benchRun();
      results[type] = {
        pass: first.bench !== null,
        generateSeconds: made.seconds,
        fileBytes: made.bytes,
        weightBytesPerToken: bytesPerToken,
        bench: first.bench,
        tail: first.bench ? undefined : first.tail.slice(-2000),
      };
    }
    return { pass: Object.values(results).every((x) => x.pass), ...results };
  });

  // Two processes, so that the kernel tables running out of time cannot cost the backend
  // figures: the synthetic 7B model in its variants first, then the kernels and the sweep.
  await stage("synthetic", { limitS: 150, needS: 45 }, async (limit) => {
    const t0 = Date.now();
    const left = () => limit - (Date.now() - t0) / 1000;
    const part = async (name, args) => {
      const json = join(WORK, `${name}.json`);
      rmSync(json, { force: true });
      const r = await run(checkBin, ["bench", "--json", json, ...args], { timeoutS: Math.max(5, left()) });
      const { data, error } = readResultFile(json);
      return { r, data, error };
    };
    // The backend ~15 s (two models, 4-6 s upload each); the kernel tables ~12 s, the
    // configuration sweep ~10 s more.
    const model = await part("bench-model", ["--no-kernels"]);
    const kernels =
      left() > 12
        ? await part("bench-kernels", ["--no-model", ...(left() < 35 ? ["--no-sweep"] : [])])
        : null;
    const parts = [model, kernels].filter(Boolean);
    const errors = parts.map((p) => p.error).filter(Boolean);
    return {
      ...(kernels?.data ?? {}),
      ...(model.data ?? {}),
      results: parts.flatMap((p) => p.data?.results ?? []),
      pass: parts.every((p) => p.r.code === 0 && p.data !== null && !p.error),
      error: errors.length && parts.every((p) => p.r.code === 0) ? errors.join("; ") : undefined,
      exit: parts.map((p) => p.r.code),
      timedOut: parts.some((p) => p.r.timedOut),
      skipped: kernels ? undefined : "kernel tables: no time left",
      tail: parts.every((p) => p.r.code === 0)
        ? undefined
        : parts.map((p) => p.r.tail.slice(-2000)).join("\n---\n"),
    };
  });

  finish();
}

// ---------------------------------------------------------------------------------------------
// Summary

function copyBandwidth() {
  return report.stages.synthetic?.copy_bandwidth?.best_gbs ?? null;
}

function summaryLines() {
  const s = report.stages;
  const lines = [];
  const row = (name, status, detail) =>
    lines.push(
      `${name.padEnd(14)} ${String(status).padEnd(8)} ${String(detail ?? "")
        .replace(/\s+/g, " ")
        .slice(0, 400)}`,
    );
  const st = (x) => x?.status ?? "missing";
  const smi = s.machine?.nvidiaSmi?.split("\n")[1] ?? "?";
  lines.push(`GPU check: ${smi}`);
  // A check stage's line: its count when the results were read, else why not (never NaN).
  const unitLine = (u, what = "") => {
    if (!u) return "";
    if (u.status === "skipped") return u.reason ?? "";
    const failed = u.failed?.length ? `; failed: ${u.failed.slice(0, 4).join(" | ")}` : "";
    const counted =
      u.checks !== undefined
        ? `${u.checks - (u.failed?.length ?? 0)}/${u.checks} checks passed`
        : `no readable results (${u.okLines ?? 0} ok lines printed, exit ${u.exit}): ${String(u.jsonError ?? u.error ?? "").slice(0, 160)}`;
    const err = u.error ? `; ${u.error.split("\n")[0]}` : "";
    return `${what}${counted}${failed}${err}`;
  };
  row("unit", st(s.unit), unitLine(s.unit));
  if (s.logits?.cases) {
    const worst = (k, path) =>
      Math.max(
        ...s.logits.cases.flatMap((c) => c.runs.filter((r) => !path || r.path === path).map((r) => r[k])),
      );
    const ratio = Math.max(
      ...s.logits.cases
        .filter((c) => c.type.startsWith("q"))
        .flatMap((c) => c.runs.map((r) => r.cudaVsCpu / Math.max(r.cpuVsReference, 1e-12))),
    );
    row(
      "logits",
      st(s.logits),
      `worst CUDA vs CPU: decode ${worst("cudaVsCpu", "decode").toExponential(1)}, prefill ${worst("cudaVsCpu", "prefill").toExponential(1)} over ${s.logits.cases.map((c) => `${c.type}/hd${c.headSize}`).join(",")}; quantized: CUDA-vs-CPU <= ${ratio.toFixed(2)}x CPU-vs-f64 (limit ${TOLERANCE.quantized.cpuFactor}x)${
        s.logits.cases.some((c) => !c.pass)
          ? `; failing: ${s.logits.cases
              .filter((c) => !c.pass)
              .map((c) => `${c.type}/hd${c.headSize}`)
              .join(",")}`
          : ""
      }`,
    );
  } else row("logits", st(s.logits), s.logits?.error?.split("\n")[0] ?? s.logits?.tail?.slice(-200) ?? "");
  row(
    "batching",
    st(s.batching),
    s.batching?.checks
      ? Object.entries(s.batching.checks)
          .map(([k, v]) => `${k}=${v ? "y" : "N"}`)
          .join(" ")
      : (s.batching?.error?.split("\n")[0] ?? ""),
  );
  row(
    "lora",
    st(s.lora),
    s.lora?.cases
      ? s.lora.cases
          .map(
            (c) =>
              `${c.type}: vs cpu ${Math.max(...c.runs.map((r) => r.cudaVsCpu)).toExponential(1)}, ` +
              `batched=alone ${c.batchedEqualsAlone ? "y" : "N"}`,
          )
          .join("; ")
      : (s.lora?.error?.split("\n")[0] ?? s.lora?.tail?.slice(-200) ?? ""),
  );
  row(
    "sanitizer",
    st(s.sanitizer),
    s.sanitizer?.errors !== undefined ? `memcheck errors: ${s.sanitizer.errors}` : (s.sanitizer?.error ?? ""),
  );
  const bw = copyBandwidth();
  for (const type of ["q4_0", "q8_0"]) {
    const b = s.bench7b?.[type];
    const bench = b?.bench ?? b?.fallbackV1;
    if (!bench) {
      row(`7B ${type}`, st(s.bench7b), b?.error ?? b?.tail?.slice(-200) ?? s.bench7b?.reason ?? "");
      continue;
    }
    const res = bench.results;
    const b1 = res.find((r) => r.batch === 1);
    const msB1 = 1000 / b1.decodeTokensPerSecond;
    const roof = bw ? (b.weightBytesPerToken / (bw * 1e9)) * 1000 : null;
    const scal = res.map((r) => `b${r.batch} ${r.decodeTokensPerSecond.toFixed(0)} t/s`).join(", ");
    const b2 = res.find((r) => r.batch === 2);
    row(
      `7B ${type}`,
      st(s.bench7b),
      `${b.bench ? "" : "DEFAULT FAILED, version-1 kernels: "}decode ${scal}; b1 ${msB1.toFixed(3)} ms/token${roof ? ` = ${((100 * roof) / msB1).toFixed(1)}% of roofline (${roof.toFixed(3)} ms)` : ""}; b2/b1 ${b2 ? (b2.decodeTokensPerSecond / b1.decodeTokensPerSecond).toFixed(2) : "?"}x; prefill 512: ${((513 / b1.prefillTokensPerSecond) * 1000).toFixed(1)} ms`,
    );
  }
  if (s.synthetic?.synthetic_7b) {
    for (const m of s.synthetic.synthetic_7b) {
      const variants = m.variants
        .map(
          (v) =>
            `${v.name} ${v.decode.map((d) => d.pct_roofline).join("/")}% (b1 ${v.decode[0]?.ms_per_step?.toFixed(3)} ms) p${v.prefill512_ms.toFixed(0)}ms`,
        )
        .join("; ");
      row(
        `synth ${m.type}`,
        st(s.synthetic),
        `copy ${bw?.toFixed(0)} GB/s, roofline ${m.roofline_ms.toFixed(3)} ms; b1/b2/b4 % of roofline: ${variants}`,
      );
    }
  } else
    row(
      "synthetic",
      st(s.synthetic),
      s.synthetic?.error ?? s.synthetic?.tail?.slice(-200) ?? s.synthetic?.reason ?? "",
    );
  if (s.synthetic?.matvec) {
    // Per shape at 1 and 2 vectors: version 1 / version 2 (tuned), in us; * marks what the
    // backend runs there.
    for (const type of ["Q4_0", "Q8_0"]) {
      const cells = s.synthetic.matvec
        .filter((m) => m.type === type && m.nvec <= 2)
        .map((m) => {
          const star = (v) => (m.default === v ? "*" : "");
          return `${m.shape}/${m.nvec} ${m.v1_us.toFixed(1)}${star("v1")}/${m.v2_us.toFixed(1)}${star("v2")}`;
        });
      row(`matvec ${type}`, st(s.synthetic), `us v1/v2 (* default): ${cells.join(", ")}`);
    }
  }
  if (s.synthetic?.small_kernels) {
    row(
      "attention",
      st(s.synthetic),
      s.synthetic.small_kernels
        .filter((k) => k.kernel.startsWith("attention"))
        .map((k) => `${k.kernel.replace("attention decode ", "")} r${k.rows} ${k.us.toFixed(1)}us`)
        .join(", "),
    );
  }
  row(
    "sanitizer_unit",
    st(s.sanitizer_unit),
    s.sanitizer_unit?.errors !== undefined
      ? `memcheck errors: ${s.sanitizer_unit.errors}`
      : (s.sanitizer_unit?.reason ?? s.sanitizer_unit?.error ?? ""),
  );
  lines.push(
    `total ${((Date.now() - started) / 1000).toFixed(0)} s; details in gpu-check.json and gpu-check.log`,
  );
  return lines;
}

function finish() {
  save();
  let lines;
  try {
    lines = summaryLines();
  } catch (error) {
    lines = [`summary failed: ${error}`];
  }
  report.summary = lines;
  save();
  say("");
  for (const l of lines) say(l);
}

if (argv.includes("--stage")) {
  runChildStage(arg("--stage"), arg("--result")).then(
    () => process.exit(0),
    (error) => {
      console.error(error?.stack ?? error);
      process.exit(1);
    },
  );
} else {
  const watchdog = setTimeout(
    () => {
      say("gpu-check: overall budget exceeded; writing what there is");
      finish();
      process.exit(3);
    },
    (BUDGET_S + 20) * 1000,
  );
  watchdog.unref();
  main().then(
    () => process.exit(Object.values(report.stages).some((x) => x.status !== "ok") ? 1 : 0),
    (error) => {
      say(`gpu-check failed: ${error?.stack ?? error}`);
      finish();
      process.exit(2);
    },
  );
}
