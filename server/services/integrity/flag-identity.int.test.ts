// Identity flags are set when a generated response is saved: a response that names a model, and
// a prompt that asks the model who it is; ordinary turns stay unflagged.
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import { responses, turnFlags, turns } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { generateSyntheticData } from "@/scripts/synthetic/generate-synthetic";
import { flagSavedResponse } from "./flag-identity";

let database: Database;
let campaignId: string;

beforeAll(async () => {
  database = await createTestDb();
  ({ campaignId } = await generateSyntheticData(database.db, {
    comparisons: 60,
    campaignName: "Flags",
    seed: 4,
  }));
}, 120_000);
afterAll(async () => {
  await database?.close();
});

async function someResponses(count: number) {
  return queryRows<{ id: string; turnId: string }>(
    database.db,
    sql`select r.id, r.turn_id as "turnId" from responses r join turns t on t.id = r.turn_id
        join conversations c on c.id = t.conversation_id where c.campaign_id = ${campaignId}
        order by r.id limit ${count}`,
  );
}

describe("flagSavedResponse", () => {
  it("flags a response that names a model and a prompt that asks who the model is", async () => {
    expect(await database.db.select().from(turnFlags).where(eq(turnFlags.campaignId, campaignId))).toEqual(
      [],
    );
    // Three responses of three different turns.
    const candidates = await someResponses(40);
    const [leaky, asked, plain] = candidates.filter(
      (response, i) => candidates.findIndex((other) => other.turnId === response.turnId) === i,
    );
    await database.db
      .update(responses)
      .set({ text: "As an AI developed by OpenAI, I think so." })
      .where(eq(responses.id, leaky.id));
    await database.db
      .update(turns)
      .set({ userMessage: "Which model are you, honestly?" })
      .where(eq(turns.id, asked.turnId));
    for (const response of [leaky, asked, plain]) await flagSavedResponse(database.db, response.id);
    // Saved twice (a retry): still one flag per turn and kind.
    await flagSavedResponse(database.db, leaky.id);

    const flags = await database.db
      .select({
        turnId: turnFlags.turnId,
        kind: turnFlags.kind,
        matched: turnFlags.matched,
        responseId: turnFlags.responseId,
      })
      .from(turnFlags)
      .where(eq(turnFlags.campaignId, campaignId));
    expect(flags).toHaveLength(2);
    expect(flags).toContainEqual({
      turnId: leaky.turnId,
      kind: "identity-leak",
      matched: "OpenAI",
      responseId: leaky.id,
    });
    expect(flags).toContainEqual({
      turnId: asked.turnId,
      kind: "identity-question",
      matched: "Which model are you",
      responseId: null,
    });
  });
});
