// Variants that are a base model plus a LoRA adapter (issue 16), on the real engine: the
// supervisor serves each base once with every adapter its variants use, a turn of an adapter
// variant runs that adapter and records it, adding an adapter replaces the server without
// breaking an answer in flight, and "Test connection" shows the engine's reason for an adapter
// made for another base.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Db } from "@/db/client";
import { responses, type ModelVariant } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { loadModel } from "@/inference/src/index";
import { makeLoraAdapter } from "@/inference/src/lora-adapter";
import { makeModel } from "@/inference/src/make-model";
import type { SessionUser } from "@/server/auth/session-user";
import { startTurn } from "@/server/services/annotation/start-turn";
import { submitComparison } from "@/server/services/annotation/submit-comparison";
import { testUnsavedVariantConnection } from "@/server/services/campaigns/test-variant-connection";
import { acknowledgeCurrentGuidelines, createCampaign } from "@/server/testing/annotation-campaigns";
import { exportForTest } from "@/server/testing/export-readback";
import { createAdmin, createAnnotator } from "@/server/testing/fixtures";
import { startLocalEngine } from "@/server/testing/local-engine";
import { getLeaderboard } from "@/server/services/leaderboard/get-leaderboard";
import type { EndpointResolver } from "./endpoints";
import { adapterModelName, type InferenceSupervisor, type LoraAdapter } from "./inference-supervisor";
import { warmUpGeneration } from "./runtime";
import { GenerationHub } from "./turn-generation";

const root = path.resolve(import.meta.dirname, "../..");
let database: Database;
let db: Db;
let dir: string;
let base: string;
let sft: LoraAdapter;
let rlhf: LoraAdapter;
let dpo: LoraAdapter;
let wrongBase: string;
let supervisor: InferenceSupervisor;
let resolver: EndpointResolver;
let hub: GenerationHub;
let campaignId: string;
let campaignName: string;
let variants: ModelVariant[];
let admin: SessionUser;

/** A random rank-4 adapter over `model` (A and B sized so that it changes the output). */
async function writeAdapter(model: string, out: string, seed: number) {
  const loaded = await loadModel(model, { device: "cpu", threads: 1, contextLength: 16, maxSequences: 1 });
  try {
    await makeLoraAdapter({ base: loaded.info, out, rank: 4, alpha: 4, format: "gguf", type: "F32", seed });
  } finally {
    loaded.dispose();
  }
  return out;
}

beforeAll(async () => {
  database = await createTestDb();
  db = database.db;
  admin = (await createAdmin(db)).actor;
  // Llama 2's vocabulary makes each token cost enough that long answers last seconds (the
  // answers in flight while an adapter is added).
  ({
    dir,
    modelPath: base,
    supervisor,
    resolver,
  } = await startLocalEngine({
    root,
    prefix: "arbiter-lora-variants-",
    modelFile: "base.gguf",
    model: { vocab: "llama2" },
  }));
  sft = { path: await writeAdapter(base, path.join(dir, "sft.gguf"), 1), scale: 1 };
  rlhf = { path: await writeAdapter(base, path.join(dir, "rlhf.gguf"), 2), scale: 0.5 };
  dpo = { path: await writeAdapter(base, path.join(dir, "dpo.gguf"), 3), scale: 1 };
  const other = path.join(dir, "other.gguf");
  await makeModel({ out: other, dim: 32, layers: 2, heads: 2, kvHeads: 2, ffn: 64, type: "f32" });
  wrongBase = await writeAdapter(other, path.join(dir, "for-another-base.gguf"), 4);

  hub = new GenerationHub({ resolver, saveEveryMs: 100, staleAfterMs: 3000 });
  const adapters = [null, sft, rlhf];
  const created = await createCampaign(db, {
    variants: 3,
    responsesPerTurn: 2,
    variant: (index) => ({
      name: ["base", "base + sft", "base + rlhf"][index],
      endpointKind: "local",
      baseUrl: null,
      model: "",
      modelPath: base,
      adapterPath: adapters[index]?.path ?? null,
      adapterScale: adapters[index]?.scale ?? 1,
      temperature: 0,
      maxTokens: 8,
    }),
  });
  campaignId = created.campaign.id;
  campaignName = created.campaign.name;
  variants = created.variants;
}, 120_000);

afterAll(async () => {
  await hub?.idle();
  await supervisor?.stop();
  await database?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function complete(baseUrl: string, apiKey: string, model: string) {
  const response = await fetch(`${baseUrl}/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({
      model,
      prompt: "the quick brown fox",
      max_tokens: 8,
      temperature: 0,
      ignore_eos: true,
    }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { choices: { text: string }[] }).choices[0]!.text;
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("variants with LoRA adapters", () => {
  it("serves the base once, with each variant's adapter as its own model", async () => {
    await warmUpGeneration(db, {
      supervisor,
      resolver,
      hub,
      defaultModel: resolver.defaultModel,
      demoModelError: null,
    });
    const endpoints = await Promise.all(
      variants.map((variant) => resolver.resolve(resolver.identify(variant), null)),
    );
    expect(new Set(endpoints.map((endpoint) => endpoint.baseUrl)).size).toBe(1);
    expect(endpoints.map((endpoint) => endpoint.model)).toEqual([
      "base",
      adapterModelName(sft),
      adapterModelName(rlhf),
    ]);
    const [server, ...others] = supervisor.status();
    expect(others).toEqual([]);
    expect(server!.restarts).toBe(0);
    expect(server!.adapters.map(({ name, scale }) => [name, scale]).sort()).toEqual(
      [
        [adapterModelName(sft), 1],
        [adapterModelName(rlhf), 0.5],
      ].sort(),
    );

    // Each model name runs its own adapter at its own scale: the engine's greedy output for it.
    const texts = await Promise.all(
      endpoints.map((endpoint) => complete(endpoint.baseUrl, endpoint.apiKey!, endpoint.model)),
    );
    const reference = await loadModel(base, { device: "cpu", threads: 1, adapters: [sft, rlhf] });
    try {
      const prompt = reference.tokenize("the quick brown fox", { addBos: true });
      const expected = [];
      for (const adapter of [undefined, 0, 1]) {
        expected.push(
          (await reference.generate(prompt, { temperature: 0, maxTokens: 8, ignoreEos: true, adapter })).text,
        );
      }
      expect(texts).toEqual(expected);
      expect(new Set(expected).size).toBe(3);
    } finally {
      reference.dispose();
    }
  }, 120_000);

  it("runs a turn of an adapter variant on its adapter, and the export and leaderboard name it", async () => {
    const { actor } = await createAnnotator(db);
    await acknowledgeCurrentGuidelines(db, campaignId, actor);
    const turn = await startTurn(db, { campaignId, conversationId: null, message: "Hello there" }, actor, {
      identify: resolver.identify.bind(resolver),
      schedule: (turnId) => void hub.schedule(db, turnId),
    });
    for await (const event of hub.watch(db, turn.turnId)) if (event.type === "end") break;
    const rows = await db.select().from(responses).where(eq(responses.turnId, turn.turnId));
    expect(rows.map((row) => row.status)).toEqual(["completed", "completed"]);
    for (const row of rows) {
      const variant = variants.find((candidate) => candidate.id === row.variantId)!;
      const adapter = variant.adapterPath ? { path: variant.adapterPath, scale: variant.adapterScale } : null;
      expect(row.adapterPath).toBe(adapter?.path ?? null);
      expect(row.adapterScale).toBe(adapter?.scale ?? null);
      expect(row.model).toBe(adapter ? adapterModelName(adapter) : "base");
    }

    await submitComparison(
      db,
      {
        turnId: turn.turnId,
        idempotencyKey: crypto.randomUUID(),
        ranking: rows.map((row) => row.id),
        strength: "better",
        timeSpentMs: 1000,
      },
      actor,
    );
    const [record] = (await exportForTest(db, { format: "raw", campaigns: [campaignName] })).jsonl(
      "export.jsonl",
    );
    const exported = record!.responses as {
      variant: string;
      adapter: string | null;
      adapter_scale: number | null;
    }[];
    expect(
      exported.map(({ variant, adapter, adapter_scale }) => [variant, adapter, adapter_scale]).sort(),
    ).toEqual(
      rows
        .map((row) => [row.variantName, row.adapterPath && path.basename(row.adapterPath), row.adapterScale])
        .sort(),
    );
    // Random text may name a model and flag the turn for identity: counted here all the same.
    const board = await getLeaderboard(db, { campaignId, includeFlaggedTurns: true });
    expect(board.players.map((player) => [player.name, player.model]).sort()).toEqual(
      rows
        .map((row) => {
          const variant = variants.find((candidate) => candidate.id === row.variantId)!;
          const tuned =
            variant.adapterPath && ` + ${path.basename(variant.adapterPath)} ×${variant.adapterScale}`;
          return [variant.name, `base.gguf${tuned || ""}`];
        })
        .sort(),
    );
  }, 60_000);

  it("adds an adapter with a new server while the old one finishes the answer it is giving", async () => {
    const before = supervisor.status()[0]!;
    const baseEndpoint = await resolver.resolve(resolver.identify(variants[0]!), null);
    const abort = new AbortController();
    const stream = await fetch(`${baseEndpoint.baseUrl}/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${baseEndpoint.apiKey}` },
      body: JSON.stringify({
        model: "base",
        prompt: "Once upon a time",
        // Sixteen long answers at once: still going when the new server is ready (they are
        // cancelled below, once the test has seen them go on).
        n: 16,
        max_tokens: 3000,
        temperature: 0,
        ignore_eos: true,
        stream: true,
      }),
      signal: abort.signal,
    });
    const reader = stream.body!.getReader();
    let received = "";
    const readMore = async () => {
      const { value, done } = await reader.read();
      expect(done, "the answer ended before the adapter's server was ready").toBe(false);
      received += new TextDecoder().decode(value);
    };
    await readMore();

    const added = await resolver.resolve({ ...resolver.identify(variants[0]!), adapter: dpo }, null);
    expect(added.model).toBe(adapterModelName(dpo));
    expect(added.baseUrl).not.toBe(baseEndpoint.baseUrl);
    const after = supervisor.status();
    expect(after).toHaveLength(1);
    expect(after[0]!.pid).not.toBe(before.pid);
    expect(after[0]!.adapters.map((adapter) => adapter.name)).toContain(adapterModelName(dpo));
    expect(await complete(added.baseUrl, added.apiKey!, added.model)).not.toBe("");

    // The answer in flight goes on from the old server, which is still there for it.
    const sofar = received.length;
    while (received.length < sofar + 2000) await readMore();
    expect(received).not.toMatch(/"error"/);
    expect(isAlive(before.pid!)).toBe(true);
    // Once its last answer has ended it is stopped.
    abort.abort();
    for (let waited = 0; isAlive(before.pid!) && waited < 20_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(isAlive(before.pid!)).toBe(false);
  }, 120_000);

  it("tests an adapter from the variant form: the engine's reason for one made for another base", async () => {
    const servedBefore = supervisor.status()[0]!;
    const test = (adapterPath: string) =>
      testUnsavedVariantConnection(
        db,
        { campaignId, name: "tuned", endpointKind: "local", modelPath: base, adapterPath, adapterScale: 1 },
        admin,
        resolver,
        [dir],
      );
    const wrong = await test(wrongBase);
    expect(wrong.ok).toBe(false);
    expect(wrong.steps[0]).toMatchObject({ name: "Find the endpoint", ok: false });
    expect(wrong.steps[0]!.detail).toMatch(/for-another-base\.gguf.*wrong base model/s);
    // The adapters already served are not disturbed by the one that failed.
    expect(supervisor.status()[0]).toMatchObject({ pid: servedBefore.pid, state: "ready" });

    const good = await test(sft.path);
    expect(good.ok).toBe(true);
    expect(good.model).toBe(adapterModelName(sft));
    expect(good.models).toContain(adapterModelName(sft));
  }, 120_000);
});
