// Arbiter's real inference engine for integration tests: a tiny random-weight model written into a
// temporary folder, the supervisor that serves that folder, and a resolver whose default model it is.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { makeModel, type MakeModelOptions } from "@/inference/src/make-model";
import { engineChildEnv } from "@/server/env";
import { EndpointResolver } from "@/server/generation/endpoints";
import { InferenceSupervisor, type SupervisorOptions } from "@/server/generation/inference-supervisor";
import { createOutboundFetch } from "@/server/net/outbound-fetch";
import { OutboundPolicy } from "@/server/net/outbound-policy";

/** The tiny random-weight model's shape: small enough to write and serve in seconds. */
export const TINY_MODEL = { dim: 64, layers: 2, heads: 2, kvHeads: 2, ffn: 128, type: "q8_0" } as const;

export interface LocalEngineOptions {
  /** The repository root. */
  root: string;
  /** The temporary folder's name prefix (os.tmpdir()/<prefix>XXXXXX). */
  prefix: string;
  /** The model file's name in that folder. */
  modelFile: string;
  /** What differs from TINY_MODEL with a context of 4096. */
  model?: Partial<Omit<MakeModelOptions, "out">>;
  /** Supervisor options beyond the folder, the engine's environment and one thread. */
  supervisor?: Partial<Omit<SupervisorOptions, "root" | "modelDirs" | "childEnv">>;
  /** Reads variant key variables (default: none set). */
  readApiKey?: (variableName: string) => string | undefined;
  /** Addresses the outbound policy allows, as ARBITER_OUTBOUND_ALLOW would (default: none). */
  outboundAllow?: string[];
}

export interface LocalEngine {
  dir: string;
  modelPath: string;
  supervisor: InferenceSupervisor;
  resolver: EndpointResolver;
}

/** Writes the model and builds the supervisor and resolver; the caller stops the supervisor and removes `dir`. */
export async function startLocalEngine(options: LocalEngineOptions): Promise<LocalEngine> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), options.prefix));
  const modelPath = path.join(dir, options.modelFile);
  await makeModel({ ...TINY_MODEL, context: 4096, ...options.model, out: modelPath });
  const supervisor = new InferenceSupervisor({
    root: options.root,
    modelDirs: [dir],
    childEnv: engineChildEnv(),
    threads: 1,
    ...options.supervisor,
  });
  const resolver = new EndpointResolver({
    defaultModel: { kind: "local", path: modelPath, isDemo: false },
    supervisor,
    root: options.root,
    readApiKey: options.readApiKey ?? (() => undefined),
    outboundFetch: createOutboundFetch(new OutboundPolicy(options.outboundAllow)),
    log: () => {},
  });
  return { dir, modelPath, supervisor, resolver };
}
