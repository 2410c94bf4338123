// The model behind variants that name no model of their own: INFERENCE_URL when set (any
// OpenAI-compatible server), else MODEL_PATH on the local engine, else a small demo model with
// random weights that Arbiter generates once into the data directory, so a fresh `npm start`
// can be tried at once. The demo's output is gibberish, and the workspace says so.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** Small enough to generate in a second and to run fast on two CPU cores. */
const DEMO_MODEL_SHAPE = {
  dim: 256,
  layers: 4,
  heads: 4,
  kvHeads: 4,
  ffn: 768,
  type: "q8_0",
} as const;

const DEMO_MODEL_FILE = "demo-random-256x4-q8_0.gguf";

export type DefaultModel =
  | { kind: "remote"; baseUrl: string; model: string | null; apiKey: string | null }
  | { kind: "local"; path: string; isDemo: boolean };

export interface DefaultModelConfig {
  dataDir: string;
  modelPath?: string;
  inferenceUrl?: string;
  inferenceModel?: string;
  inferenceApiKey?: string;
}

export function defaultModelOf(config: DefaultModelConfig): DefaultModel {
  if (config.inferenceUrl) {
    return {
      kind: "remote",
      baseUrl: openAiBaseUrl(config.inferenceUrl),
      model: config.inferenceModel ?? null,
      apiKey: config.inferenceApiKey ?? null,
    };
  }
  if (config.modelPath) return { kind: "local", path: config.modelPath, isDemo: false };
  return { kind: "local", path: path.join(config.dataDir, "models", DEMO_MODEL_FILE), isDemo: true };
}

/** The default model as an admin's variant form names it: the file's or model's name, never the
 * operator's paths or URL. */
export interface DefaultModelSummary {
  source: "model_path" | "demo" | "inference_url";
  /** null: INFERENCE_URL without INFERENCE_MODEL (the server's first model). */
  name: string | null;
}

export function summarizeDefaultModel(model: DefaultModel): DefaultModelSummary {
  if (model.kind === "remote") return { source: "inference_url", name: model.model };
  return { source: model.isDemo ? "demo" : "model_path", name: path.basename(model.path, ".gguf") };
}

/** OpenAI clients want the ".../v1" base; people often paste the server's root. */
export function openAiBaseUrl(url: string) {
  const trimmed = url.replace(/\/+$/, "");
  return /\/v\d+$/.test(trimmed) ? trimmed : `${trimmed}/v1`;
}

const generating = new Map<string, Promise<string>>();

/**
 * Writes the demo model with the engine's own generator (`infer make-model`) unless it exists.
 * Concurrent callers share one run; the file appears complete or not at all.
 */
export function ensureDemoModel(
  modelPath: string,
  root: string,
  log: (message: string) => void,
): Promise<string> {
  if (fs.existsSync(modelPath)) return Promise.resolve(modelPath);
  let run = generating.get(modelPath);
  if (!run) {
    run = generateDemoModel(modelPath, root, log).finally(() => generating.delete(modelPath));
    generating.set(modelPath, run);
  }
  return run;
}

async function generateDemoModel(modelPath: string, root: string, log: (message: string) => void) {
  fs.mkdirSync(path.dirname(modelPath), { recursive: true, mode: 0o700 });
  const partial = `${modelPath}.${process.pid}.partial`;
  log(
    `MODEL_PATH is not set: generating a demo model with random weights at ${modelPath}. ` +
      "Its responses are gibberish; set MODEL_PATH to a GGUF file (or INFERENCE_URL to an " +
      "OpenAI-compatible server) for real ones.",
  );
  const s = DEMO_MODEL_SHAPE;
  const args = [
    "--import",
    "tsx",
    path.join(root, "inference", "src", "cli.ts"),
    "make-model",
    "--out",
    partial,
    "--dim",
    String(s.dim),
    "--layers",
    String(s.layers),
    "--heads",
    String(s.heads),
    "--kv-heads",
    String(s.kvHeads),
    "--ffn",
    String(s.ffn),
    "--type",
    s.type,
  ];
  const stderr: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));
    child.once("error", reject);
    child.once("exit", resolve);
  });
  if (code !== 0 || !fs.existsSync(partial)) {
    fs.rmSync(partial, { force: true });
    throw new Error(
      `Could not generate the demo model (make-model exited with ${code}): ${stderr.join("").trim()}`,
    );
  }
  fs.renameSync(partial, modelPath);
  log(`Demo model ready: ${modelPath}.`);
  return modelPath;
}
