// `npm run inference -- --model F --port P [...]`: starts the OpenAI-compatible server. It
// listens at once (/health says "loading" meanwhile), loads the model with progress on stderr,
// and exits non-zero with the reason when the model cannot be loaded.
//
// The API key comes from the environment (ARBITER_ENGINE_API_KEY), not from a flag: every user
// on the host can read a process's command line, only its owner its environment.

import { basename } from "node:path";
import { parseArgs } from "node:util";

import type { Device } from "./index";
import { parseAdapterSpec } from "./lora-adapter";
import {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_QUEUED_SEQUENCES,
  DEFAULT_MAX_REQUEST_SEQUENCES,
  InferenceServer,
} from "./server";

const USAGE = `usage: [ARBITER_ENGINE_API_KEY=K] npm run inference -- --model F --port P [--host H]
       [--threads T] [--device auto|cpu|cuda] [--context N] [--max-sequences N]
       [--cache-type f16|q8_0]   (q8_0: the 8-bit KV cache, half the memory of f16; CPU)
       [--model-name NAME] [--max-body-bytes N] [--allowed-hosts NAME,...]
       [--max-request-sequences N] [--max-queued-sequences N]
       [--lora NAME=FILE[:SCALE] ...]   LoRA adapters over the model, each served as model NAME`;

function fail(message: string, code = 1): never {
  process.stderr.write(`inference server: ${message}\n`);
  process.exit(code);
}

function positiveInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    fail(`--${name} must be a positive integer, got ${value}\n${USAGE}`, 2);
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    values = parseArgs({
      args: process.argv.slice(2),
      options: {
        model: { type: "string" },
        port: { type: "string" },
        host: { type: "string" },
        threads: { type: "string" },
        device: { type: "string" },
        context: { type: "string" },
        "cache-type": { type: "string" },
        "max-sequences": { type: "string" },
        "model-name": { type: "string" },
        "max-body-bytes": { type: "string" },
        "allowed-hosts": { type: "string" },
        "max-request-sequences": { type: "string" },
        "max-queued-sequences": { type: "string" },
        lora: { type: "string", multiple: true },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`, 2);
  }
  const path = values.model ?? fail(`--model is required\n${USAGE}`, 2);
  const port = values.port === undefined ? fail(`--port is required\n${USAGE}`, 2) : Number(values.port);
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535)
    fail(`--port must be 0..65535, got ${values.port}`, 2);
  const device = values.device ?? "auto";
  if (device !== "auto" && device !== "cpu" && device !== "cuda")
    fail(`--device must be auto, cpu or cuda, got ${device}`, 2);
  const cacheType = values["cache-type"] ?? "f16";
  if (cacheType !== "f16" && cacheType !== "q8_0")
    fail(`--cache-type must be f16 or q8_0, got ${cacheType}`, 2);
  const modelName = values["model-name"] ?? basename(path).replace(/\.gguf$/i, "");

  const adapters = (values.lora ?? []).map((spec) => {
    const at = spec.indexOf("=");
    if (at < 1) fail(`--lora must be NAME=FILE[:SCALE], got ${spec}\n${USAGE}`, 2);
    try {
      return { name: spec.slice(0, at), ...parseAdapterSpec(spec.slice(at + 1)) };
    } catch (error) {
      return fail(`${(error as Error).message}\n${USAGE}`, 2);
    }
  });
  const names = [modelName, ...adapters.map((a) => a.name)];
  if (new Set(names).size !== names.length)
    fail(`--lora names must differ from each other and the model's`, 2);

  const apiKey = process.env.ARBITER_ENGINE_API_KEY?.trim() || undefined;
  const server = new InferenceServer({
    modelName,
    adapterNames: adapters.map((a) => a.name),
    maxBodyBytes: positiveInteger(values["max-body-bytes"], "max-body-bytes") ?? DEFAULT_MAX_BODY_BYTES,
    apiKey,
    allowedHosts: (values["allowed-hosts"] ?? "")
      .split(",")
      .map((name) => name.trim())
      .filter(Boolean),
    maxRequestSequences:
      positiveInteger(values["max-request-sequences"], "max-request-sequences") ??
      DEFAULT_MAX_REQUEST_SEQUENCES,
    maxQueuedSequences:
      positiveInteger(values["max-queued-sequences"], "max-queued-sequences") ?? DEFAULT_MAX_QUEUED_SEQUENCES,
    onEvent: (event) => process.stderr.write(`${event.line}\n`),
  });
  const address = await server
    .listen(port, values.host ?? "127.0.0.1")
    .catch((error: Error) => fail(`cannot listen on port ${port}: ${error.message}`));
  process.stderr.write(
    `listening on http://${address.address}:${address.port} (model ${modelName} loading; ` +
      `${apiKey ? "API key required" : "no API key: anyone who can reach the port can use it"})\n`,
  );

  const { loadModel } = await import("./index");
  let shown = -1;
  const model = await loadModel(path, {
    device: device as Device,
    threads: positiveInteger(values.threads, "threads"),
    contextLength: positiveInteger(values.context, "context"),
    maxSequences: positiveInteger(values["max-sequences"], "max-sequences"),
    kvCacheType: cacheType,
    adapters: adapters.map(({ path, scale }) => ({ path, scale })),
    onProgress: (fraction) => {
      const percent = Math.floor(fraction * 10) * 10;
      if (percent > shown) process.stderr.write(`loading ${path}: ${percent}%\n`);
      shown = Math.max(shown, percent);
    },
  }).catch((error: Error & { code?: string }) =>
    fail(`cannot load ${path}: ${error.code ? `${error.code}: ` : ""}${error.message}`),
  );
  const { info } = model;
  // BOS and EOS texts for chat templates that write them.
  server.setModel(model, {
    bosToken: info.specialTokens.bos?.text ?? "",
    eosToken: info.specialTokens.eos?.text ?? "",
  });
  // The CPU's device description already names the thread count.
  process.stderr.write(
    `ready: ${modelName} on ${info.deviceDescription}, context ${info.contextLength}, ` +
      `${(info.fileSize / 2 ** 30).toFixed(2)} GiB\n`,
  );

  const shutdown = (signal: string) => {
    process.stderr.write(`${signal}: shutting down\n`);
    void server.close().then(() => {
      model.dispose();
      process.exit(0);
    });
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((error: unknown) => fail(String((error as Error).stack ?? error)));
