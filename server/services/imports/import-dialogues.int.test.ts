// The bulk import of whole dialogues refuses what an interactive submit refuses, and writes
// nothing when any dialogue of the call is refused.
import { eq, inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { campaigns, comparisons, responses, type Campaign } from "@/db/schema";
import { ValidationError } from "@/server/errors";
import { createCampaign } from "@/server/services/campaigns/create-campaign";
import { openNextBatch } from "@/server/services/campaigns/open-next-batch";
import { createVariant } from "@/server/services/campaigns/save-variant";
import { setUpAdminDb } from "@/server/testing/test-db";
import { createAnnotator, type TestUser } from "@/server/testing/fixtures";
import { styleFeatures } from "../integrity/stats/style-features";
import { importDialogues, type ImportedDialogue } from "./import-dialogues";

const world = setUpAdminDb();

describe("importDialogues", () => {
  let campaign: Campaign;
  let batchId: string;
  let annotator: TestUser["actor"];

  beforeAll(async () => {
    campaign = await createCampaign(
      world.db,
      { name: "Import checks", kind: "safety", maxTurns: 2 },
      world.admin,
    );
    for (const name of ["a", "b"]) {
      await createVariant(
        world.db,
        { campaignId: campaign.id, name, endpointKind: "openai", baseUrl: "http://h/v1", model: name },
        world.admin,
      );
    }
    batchId = (await openNextBatch(world.db, { campaignId: campaign.id }, world.admin)).batch.id;
    [campaign] = await world.db.select().from(campaigns).where(eq(campaigns.id, campaign.id));
    annotator = (await createAnnotator(world.db)).actor;
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
    const [ids] = await importDialogues(world.db, campaign, [dialogue()]);
    const [stored] = await world.db
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
    // The style the integrity report reads instead of the texts (bulkInsert writes the arrays).
    const storedResponses = await world.db
      .select({ text: responses.text, styleFeatures: responses.styleFeatures })
      .from(responses)
      .where(inArray(responses.id, ids.turns[0].responseIds));
    expect(storedResponses.map((row) => row.styleFeatures).sort()).toEqual([
      [2, 0, 0, 0],
      [3, 0, 0, 0],
    ]);
    for (const row of storedResponses) expect(row.styleFeatures).toEqual(styleFeatures(row.text));
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
    const before = await world.db
      .select({ id: comparisons.id })
      .from(comparisons)
      .where(eq(comparisons.campaignId, campaign.id));
    await expect(importDialogues(world.db, campaign, [dialogue(), dialogue(change)])).rejects.toThrow(
      ValidationError,
    );
    await expect(importDialogues(world.db, campaign, [dialogue(change)])).rejects.toThrow(message);
    const after = await world.db
      .select({ id: comparisons.id })
      .from(comparisons)
      .where(eq(comparisons.campaignId, campaign.id));
    expect(after.length).toBe(before.length);
  });
});
