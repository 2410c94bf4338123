import { describe, expect, it } from "vitest";
import { defaultModelOf, summarizeDefaultModel } from "./default-model";

describe("summarizeDefaultModel", () => {
  it("names MODEL_PATH's file, the demo model, and the operator's server without its address", () => {
    const dataDir = "/srv/arbiter-data";
    expect(
      summarizeDefaultModel(defaultModelOf({ dataDir, modelPath: "/models/llama-2-7b.Q4_0.gguf" })),
    ).toEqual({ source: "model_path", name: "llama-2-7b.Q4_0" });
    expect(summarizeDefaultModel(defaultModelOf({ dataDir }))).toEqual({
      source: "demo",
      name: "demo-random-256x4-q8_0",
    });
    const remote = summarizeDefaultModel(
      defaultModelOf({ dataDir, inferenceUrl: "http://10.0.0.5:8000", inferenceModel: "llama-70b" }),
    );
    expect(remote).toEqual({ source: "inference_url", name: "llama-70b" });
    expect(JSON.stringify(remote)).not.toContain("10.0.0.5");
  });
});
