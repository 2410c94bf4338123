import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ModelVariant } from "@/db/schema";
import { defaultModelOf, openAiBaseUrl } from "./default-model";
import { EndpointConfigError, EndpointResolver } from "./endpoints";
import { createOutboundFetch } from "@/server/net/outbound-fetch";
import { OutboundPolicy } from "@/server/net/outbound-policy";
import { adapterModelName, InferenceSupervisor } from "./inference-supervisor";

function variant(fields: Partial<ModelVariant>): ModelVariant {
  return {
    id: "00000000-0000-4000-8000-000000000001",
    campaignId: "00000000-0000-4000-8000-000000000002",
    name: "v",
    endpointKind: "local",
    baseUrl: null,
    model: "",
    modelPath: null,
    adapterPath: null,
    adapterScale: 1,
    apiKeyEnv: null,
    temperature: 0.7,
    topP: 0.95,
    topK: null,
    maxTokens: 64,
    versionLabel: "v1",
    isActive: true,
    createdAt: new Date(),
    updatedAt: new Date(),
    ...fields,
  };
}

function resolverWith(config: Parameters<typeof defaultModelOf>[0], keys: Record<string, string> = {}) {
  return new EndpointResolver({
    defaultModel: defaultModelOf(config),
    supervisor: new InferenceSupervisor({
      root: process.cwd(),
      modelDirs: [],
      childEnv: { NODE_ENV: "test" },
    }),
    root: process.cwd(),
    readApiKey: (name) => keys[name],
    outboundFetch: createOutboundFetch(new OutboundPolicy()),
    log: () => {},
  });
}

describe("the default model", () => {
  it("is INFERENCE_URL, else MODEL_PATH, else the demo model in the data directory", () => {
    expect(
      defaultModelOf({ dataDir: "/data", inferenceUrl: "http://gpu:8000", modelPath: "/m.gguf" }),
    ).toMatchObject({
      kind: "remote",
      baseUrl: "http://gpu:8000/v1",
    });
    expect(defaultModelOf({ dataDir: "/data", modelPath: "/m.gguf" })).toEqual({
      kind: "local",
      path: "/m.gguf",
      isDemo: false,
    });
    expect(defaultModelOf({ dataDir: "/data" })).toEqual({
      kind: "local",
      path: path.join("/data", "models", "demo-random-256x4-q8_0.gguf"),
      isDemo: true,
    });
  });

  it("accepts a server root or its /v1 base", () => {
    expect(openAiBaseUrl("http://host:8000")).toBe("http://host:8000/v1");
    expect(openAiBaseUrl("http://host:8000/v1/")).toBe("http://host:8000/v1");
  });
});

describe("EndpointResolver.identify", () => {
  const resolver = resolverWith({ dataDir: "/data", modelPath: "/models/base.gguf" });

  it("records a variant's own URL, its own model file, or the default model", () => {
    expect(
      resolver.identify(variant({ endpointKind: "openai", baseUrl: "http://vllm/v1", model: "llama" })),
    ).toEqual({
      endpointKind: "openai",
      endpoint: "http://vllm/v1",
      model: "llama",
    });
    expect(resolver.identify(variant({ modelPath: "/models/tuned.gguf" }))).toEqual({
      endpointKind: "local",
      endpoint: "local:/models/tuned.gguf",
      model: "tuned",
    });
    expect(resolver.identify(variant({}))).toEqual({
      endpointKind: "local",
      endpoint: "local:/models/base.gguf",
      model: "base",
    });
  });

  it("records INFERENCE_URL for the default model when it is set", () => {
    const remote = resolverWith({
      dataDir: "/data",
      inferenceUrl: "http://gpu:8000",
      inferenceModel: "llama-2-7b",
    });
    expect(remote.identify(variant({}))).toEqual({
      endpointKind: "openai",
      endpoint: "http://gpu:8000/v1",
      model: "llama-2-7b",
    });
  });

  it("records a variant's adapter over its model file, asking for the adapter by its server's name", () => {
    const tuned = variant({
      modelPath: "/models/base.gguf",
      adapterPath: "/models/sft.gguf",
      adapterScale: 0.5,
    });
    const identity = resolver.identify(tuned);
    expect(identity).toEqual({
      endpointKind: "local",
      endpoint: "local:/models/base.gguf",
      model: adapterModelName({ path: "/models/sft.gguf", scale: 0.5 }),
      adapter: { path: "/models/sft.gguf", scale: 0.5 },
    });
    // One file at two scales, or two files of one name, are different models.
    expect(identity.model).toMatch(/^sft-[0-9a-f]{8}$/);
    expect(adapterModelName({ path: "/models/sft.gguf", scale: 1 })).not.toBe(identity.model);
    expect(adapterModelName({ path: "/other/sft.gguf", scale: 0.5 })).not.toBe(identity.model);
    // Safe as a command-line value and a URL path, whatever the file is called.
    expect(adapterModelName({ path: "/models/-x=y:1 ü/../--lora.gguf", scale: 1 })).toMatch(
      /^[A-Za-z0-9._-]+$/,
    );
  });

  it("refuses an adapter over the operator's inference server, which Arbiter cannot load it into", () => {
    const remote = resolverWith({ dataDir: "/data", inferenceUrl: "http://gpu:8000" });
    expect(() => remote.identify(variant({ adapterPath: "/models/sft.gguf" }))).toThrow(/adapter/);
  });

  it("refuses an OpenAI-compatible variant without a URL", () => {
    expect(() => resolver.identify(variant({ endpointKind: "openai" }))).toThrow(EndpointConfigError);
  });
});

describe("EndpointResolver.resolve", () => {
  it("reads the API key from the variable the variant names, and says when it is missing", async () => {
    const resolver = resolverWith({ dataDir: "/data" }, { ARBITER_KEY_VLLM: "secret" });
    const identity = { endpointKind: "openai" as const, endpoint: "http://vllm:8000", model: "llama" };
    await expect(resolver.resolve(identity, "ARBITER_KEY_VLLM")).resolves.toMatchObject({
      baseUrl: "http://vllm:8000/v1",
      apiKey: "secret",
    });
    await expect(resolver.resolve(identity, "ARBITER_KEY_MISSING")).rejects.toThrow(
      "The API key variable ARBITER_KEY_MISSING of this variant is not set on the web server. Keys for variants must be in variables named ARBITER_KEY_…, set by the operator.",
    );
  });

  it("uses INFERENCE_API_KEY for INFERENCE_URL", async () => {
    const resolver = resolverWith({
      dataDir: "/data",
      inferenceUrl: "http://gpu:8000",
      inferenceApiKey: "k",
    });
    await expect(
      resolver.resolve({ endpointKind: "openai", endpoint: "http://gpu:8000/v1", model: "m" }, null),
    ).resolves.toMatchObject({ apiKey: "k" });
  });
});
