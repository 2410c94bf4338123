// ARBITER_STALE_GENERATION_SECONDS reaches the hub the server generates with: responses left
// "streaming" by an instance that was killed are marked interrupted (so the annotator can retry
// them) once their progress is older than the setting. Their progress is dated 12 s back rather
// than waited for, so nothing here depends on timing: 12 s is past the 5 s set here, and short
// of the fixed 20 s the setting replaced.
import fs from "node:fs";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { responses } from "@/db/schema";
import { getDatabase } from "@/server/db";
import { startTurn } from "@/server/services/annotation/start-turn";
import {
  acknowledgeCurrentGuidelines,
  createCampaign,
  identifyForTest,
} from "@/server/testing/annotation-campaigns";
import { createAnnotator } from "@/server/testing/fixtures";
import { setUpTestDb } from "@/server/testing/test-db";
import { getGenerationRuntime } from "./runtime";
import { INTERRUPTED_MESSAGE, type TurnStreamEvent } from "./turn-generation";

// The operator's settings, in place before server/env.ts reads them: the setting under test, and
// a data directory of this file's own for the server's database (its turn notices).
const dataDir = await vi.hoisted(async () => {
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "arbiter-stale-setting-"));
  vi.stubEnv("ARBITER_STALE_GENERATION_SECONDS", "5");
  vi.stubEnv("ARBITER_DATA_DIR", dir);
  return dir;
});

const world = setUpTestDb(async (db) => ({ annotator: (await createAnnotator(db)).actor }));

beforeAll(async () => {
  await getDatabase(); // opened (and migrated) before the clock of the test below starts
}, 120_000);

afterAll(async () => {
  await getGenerationRuntime().hub.idle();
  await (await getDatabase()).close();
  vi.unstubAllEnvs();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("ARBITER_STALE_GENERATION_SECONDS", () => {
  it("marks a killed instance's responses interrupted once their progress is older than the setting", async () => {
    const { db, annotator } = world;
    const { campaign } = await createCampaign(db);
    await acknowledgeCurrentGuidelines(db, campaign.id, annotator);
    const turn = await startTurn(
      db,
      { campaignId: campaign.id, conversationId: null, message: "Hello?" },
      annotator,
      { identify: identifyForTest },
    );
    // Claimed by an instance that was SIGKILLed mid-answer: it last saved progress 12 s ago.
    await db
      .update(responses)
      .set({ status: "streaming", text: "Half an ans", progressAt: new Date(Date.now() - 12_000) })
      .where(eq(responses.turnId, turn.turnId));

    // The browser reconnects through this instance: its first answer already says interrupted.
    const watching = getGenerationRuntime().hub.watch(db, turn.turnId);
    const first = (await watching.next()).value as TurnStreamEvent;
    await watching.return(undefined);
    expect(first).toEqual({
      type: "snapshot",
      responses: turn.responses.map(({ id, position }) => ({
        id,
        position,
        status: "failed",
        text: "Half an ans",
        error: INTERRUPTED_MESSAGE,
        finishReason: null,
      })),
    });
  });
});
