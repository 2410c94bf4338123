// The synthetic-data generator and the bulk import it writes through: exactly N comparisons of
// every kind the dashboard reads, and imports that refuse what an interactive submit refuses.
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { campaigns, comparisons, type Campaign } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { ValidationError } from "@/server/errors";
import { createCampaign } from "@/server/services/campaigns/create-campaign";
import { openNextBatch } from "@/server/services/campaigns/open-next-batch";
import { createVariant } from "@/server/services/campaigns/save-variant";
import { queryRows } from "@/server/services/quality/sql-rows";
import { createAdmin, createAnnotator, type TestUser } from "@/server/testing/fixtures";
import { generateSyntheticData } from "./generate-synthetic";
import { importDialogues, type ImportedDialogue } from "./import-dialogues";

let database: Database;
let admin: TestUser["actor"];

beforeAll(async () => {
  database = await createTestDb();
  admin = (await createAdmin(database.db)).actor;
});
afterAll(async () => {
  await database?.close();
});

describe("generateSyntheticData", () => {
  it("creates the campaign and writes exactly N comparisons of every kind, then adds to it", async () => {
    const result = await generateSyntheticData(database.db, {
      comparisons: 700,
      campaignName: "Synthetic safety test",
      kind: "safety",
      annotators: 5,
      seed: 3,
    });
    expect(result).toMatchObject({ createdCampaign: true, kind: "safety", comparisons: { total: 700 } });
    expect(result.comparisons.overlap).toBeGreaterThan(0);
    expect(result.comparisons.gold).toBeGreaterThan(0);
    expect(result.batches).toBeGreaterThanOrEqual(2);

    const [counts] = await queryRows<Record<string, number>>(
      database.db,
      sql`select count(*)::int as total,
                 count(*) filter (where source = 'primary')::int as primary,
                 count(distinct annotator_id)::int as annotators,
                 count(distinct batch_id)::int as batches,
                 count(*) filter (where safety_bin is null)::int as unlabelled,
                 count(*) filter (where review_status <> 'pending')::int as reviewed
          from comparisons where campaign_id = ${result.campaignId}`,
    );
    expect(counts).toMatchObject({
      total: 700,
      primary: result.comparisons.primary,
      annotators: 5,
      unlabelled: 0,
    });
    expect(counts.batches).toBeGreaterThanOrEqual(2);
    const [dialogues] = await queryRows<{ longest: number; risky: number }>(
      database.db,
      sql`select max(turns)::int as longest, count(*) filter (where risk_category is not null)::int as risky
          from (select c.id, c.risk_category, count(t.id) as turns from conversations c
                join turns t on t.conversation_id = c.id where c.campaign_id = ${result.campaignId} group by c.id) d`,
    );
    expect(dialogues.longest).toBeGreaterThan(1);
    expect(dialogues.risky).toBeGreaterThan(0);

    const again = await generateSyntheticData(database.db, {
      comparisons: 100,
      campaignName: "Synthetic safety test",
      seed: 4,
    });
    expect(again).toMatchObject({
      createdCampaign: false,
      campaignId: result.campaignId,
      comparisons: { total: 100 },
    });
    const [{ n }] = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from comparisons where campaign_id = ${result.campaignId}`,
    );
    expect(n).toBe(800);
  });
});

describe("importDialogues", () => {
  let campaign: Campaign;
  let batchId: string;
  let annotator: TestUser["actor"];

  beforeAll(async () => {
    campaign = await createCampaign(
      database.db,
      { name: "Import checks", kind: "safety", maxTurns: 2 },
      admin,
    );
    for (const name of ["a", "b"]) {
      await createVariant(
        database.db,
        { campaignId: campaign.id, name, endpointKind: "openai", baseUrl: "http://h/v1", model: name },
        admin,
      );
    }
    batchId = (await openNextBatch(database.db, { campaignId: campaign.id }, admin)).batch.id;
    [campaign] = await database.db.select().from(campaigns).where(eq(campaigns.id, campaign.id));
    annotator = (await createAnnotator(database.db)).actor;
  });

  const response = (text: string) => ({
    variantName: "a",
    variantVersion: "v1",
    model: "a",
    endpointKind: "openai" as const,
    endpoint: "http://h/v1",
    temperature: 0.7,
    topP: 0.9,
    maxTokens: 64,
    seed: 1,
    text,
  });
  const dialogue = (change: (value: ImportedDialogue) => void = () => {}): ImportedDialogue => {
    const value: ImportedDialogue = {
      annotatorId: annotator.id,
      batchId,
      origin: "synthetic",
      riskCategory: "unqualified advice",
      attackVector: "others",
      createdAt: new Date(),
      turns: [
        {
          userMessage: "Which pills should I take?",
          responses: [response("Ask a pharmacist."), response("Take these.")],
          judgement: {
            ranking: [0, 1],
            strength: "better",
            responseSafety: [true, false],
            timeSpentMs: 5000,
            createdAt: new Date(),
          },
          createdAt: new Date(),
        },
      ],
    };
    change(value);
    return value;
  };

  it("stores a valid dialogue with the safety bin computed as on submit", async () => {
    const [ids] = await importDialogues(database.db, campaign, [dialogue()]);
    const [stored] = await database.db
      .select()
      .from(comparisons)
      .where(eq(comparisons.id, ids.turns[0].comparisonId!));
    expect(stored).toMatchObject({
      safetyBin: "only_chosen_safe",
      chosenResponseId: ids.turns[0].responseIds[0],
      rankingVariants: [
        { name: "a", version: "v1" },
        { name: "a", version: "v1" },
      ],
    });
  });

  it.each([
    [
      "a ranking that repeats a response",
      (d: ImportedDialogue) => (d.turns[0].judgement!.ranking = [0, 0]),
      /every response exactly once/,
    ],
    [
      "missing safety labels",
      (d: ImportedDialogue) => delete d.turns[0].judgement!.responseSafety,
      /mark every response safe or unsafe/,
    ],
    [
      "a missing risk category",
      (d: ImportedDialogue) => (d.riskCategory = null),
      /risk category and attack vector/,
    ],
    [
      "more turns than the campaign allows",
      (d: ImportedDialogue) => d.turns.push(d.turns[0], d.turns[0]),
      /3 turns, but the campaign allows 2/,
    ],
    [
      "an unknown strength",
      (d: ImportedDialogue) => ((d.turns[0].judgement as { strength: string }).strength = "much_better"),
      /strength/,
    ],
    [
      "a batch of another campaign",
      (d: ImportedDialogue) => (d.batchId = "00000000-0000-4000-8000-000000000000"),
      /batch of another campaign/,
    ],
  ])("refuses %s and writes nothing", async (_name, change, message) => {
    const before = await database.db
      .select({ id: comparisons.id })
      .from(comparisons)
      .where(eq(comparisons.campaignId, campaign.id));
    await expect(importDialogues(database.db, campaign, [dialogue(), dialogue(change)])).rejects.toThrow(
      ValidationError,
    );
    await expect(importDialogues(database.db, campaign, [dialogue(change)])).rejects.toThrow(message);
    const after = await database.db
      .select({ id: comparisons.id })
      .from(comparisons)
      .where(eq(comparisons.campaignId, campaign.id));
    expect(after.length).toBe(before.length);
  });
});
