// Prompt sets: imported from each format (files written here, Parquet with hyparquet-writer and
// read back by hyparquet), served to exactly as many annotators per prompt as asked — parallel
// claims included, which on PostgreSQL really race — and counted as served once the dialogue
// they opened has its first comparison.
import { parquetWriteBuffer } from "hyparquet-writer";
import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { conversations, promptSetItems, promptSlots } from "@/db/schema";
import { endConversation } from "@/server/services/annotation/end-conversation";
import { submitComparison } from "@/server/services/annotation/submit-comparison";
import {
  acknowledgeCurrentGuidelines,
  createCampaign,
  createJudgeableTurn,
  newIdempotencyKey,
} from "@/server/testing/annotation-campaigns";
import { exportForTest } from "@/server/testing/export-readback";
import { createAnnotator } from "@/server/testing/fixtures";
import { setUpAdminDb } from "@/server/testing/test-db";
import { importPromptSet, type ImportPromptSetInput } from "./import-prompt-set";
import { CLAIM_TTL_MS, listPromptSets, nextSetPrompt } from "./serve-prompts";

const world = setUpAdminDb();

const file = (name: string, content: string | ArrayBuffer) => ({
  name,
  contentBase64: Buffer.from(typeof content === "string" ? content : new Uint8Array(content)).toString(
    "base64",
  ),
});

function parquet(columns: Record<string, (string | null)[]>) {
  return parquetWriteBuffer({
    columnData: Object.entries(columns).map(([name, data]) => ({ name, data, type: "STRING" as const })),
  });
}

async function importInto(campaignId: string, input: Omit<ImportPromptSetInput, "campaignId" | "name">) {
  const set = await importPromptSet(
    world.db,
    { campaignId, name: `set ${newIdempotencyKey()}`, ...input },
    world.admin,
  );
  const items = await world.db
    .select()
    .from(promptSetItems)
    .where(eq(promptSetItems.setId, set.id))
    .orderBy(asc(promptSetItems.position));
  return {
    set,
    items: items.map(({ prompt, systemPrompt, category, referenceAnswer }) => ({
      prompt,
      systemPrompt,
      category,
      referenceAnswer,
    })),
  };
}

const item = (
  prompt: string,
  rest: Partial<Record<"systemPrompt" | "category" | "referenceAnswer", string>> = {},
) => ({
  prompt,
  systemPrompt: rest.systemPrompt ?? null,
  category: rest.category ?? null,
  referenceAnswer: rest.referenceAnswer ?? null,
});

describe("importPromptSet", () => {
  it("reads JSONL: prompt columns, Alpaca's instruction and input, and chat messages", async () => {
    const { campaign } = await createCampaign(world.db);
    const lines = [
      {
        prompt: "Name three rivers.",
        system: "Be brief.",
        category: "geography",
        reference_answer: "Nile, Amazon, Rhine",
      },
      { instruction: "Translate to French.", input: "Good morning", output: "Bonjour" },
      {
        messages: [
          { role: "system", content: "You are kind." },
          { role: "user", content: "Cheer me up." },
        ],
      },
      { question: "What is 2 + 2?", answer: "4" },
    ];
    const { set, items } = await importInto(campaign.id, {
      format: "jsonl",
      files: [file("prompts.jsonl", `${lines.map((line) => JSON.stringify(line)).join("\n")}\n\n`)],
    });
    expect(set.itemCount).toBe(4);
    expect(items).toEqual([
      item("Name three rivers.", {
        systemPrompt: "Be brief.",
        category: "geography",
        referenceAnswer: "Nile, Amazon, Rhine",
      }),
      item("Translate to French.\n\nGood morning", { referenceAnswer: "Bonjour" }),
      item("Cheer me up.", { systemPrompt: "You are kind." }),
      item("What is 2 + 2?", { referenceAnswer: "4" }),
    ]);
  });

  it("reads CSV with quoted commas, quotes and line breaks", async () => {
    const { campaign } = await createCampaign(world.db);
    const csv =
      'prompt,category,reference_answer\r\n"Say ""hi"", then stop.",greeting,hi\r\n"Two\nlines",,\r\nPlain one,misc,\r\n';
    const { items } = await importInto(campaign.id, { format: "csv", files: [file("p.csv", csv)] });
    expect(items).toEqual([
      item('Say "hi", then stop.', { category: "greeting", referenceAnswer: "hi" }),
      item("Two\nlines"),
      item("Plain one", { category: "misc" }),
    ]);
  });

  it("reads Parquet (Snappy, as Hugging Face writes it)", async () => {
    const { campaign } = await createCampaign(world.db);
    const bytes = parquet({
      prompt: ["Explain tides.", "Write a haiku."],
      system_prompt: [null, "Answer in English."],
      category: ["science", "poetry"],
    });
    const { items } = await importInto(campaign.id, { format: "parquet", files: [file("p.parquet", bytes)] });
    expect(items).toEqual([
      item("Explain tides.", { category: "science" }),
      item("Write a haiku.", { systemPrompt: "Answer in English.", category: "poetry" }),
    ]);
  });

  it("reads a Hugging Face dataset folder: its train split's data files, in path order", async () => {
    const { campaign } = await createCampaign(world.db);
    const { items } = await importInto(campaign.id, {
      format: "huggingface",
      files: [
        file("README.md", "---\nconfigs: []\n---\n# A dataset"),
        file(".gitattributes", "*.parquet filter=lfs"),
        file("data/train-00001-of-00002.parquet", parquet({ prompt: ["second shard"] })),
        file("data/train-00000-of-00002.parquet", parquet({ prompt: ["first shard"] })),
        file("data/test-00000-of-00001.parquet", parquet({ prompt: ["held out"] })),
      ],
    });
    expect(items.map((row) => row.prompt)).toEqual(["first shard", "second shard"]);
  });

  it("refuses a file it cannot use, naming the file and the row, and writes nothing", async () => {
    const { campaign } = await createCampaign(world.db);
    const refused = (input: Omit<ImportPromptSetInput, "campaignId" | "name">) =>
      importPromptSet(world.db, { campaignId: campaign.id, name: "refused", ...input }, world.admin);
    await expect(
      refused({ format: "jsonl", files: [file("bad.jsonl", '{"prompt":"ok"}\n{"prompt":')] }),
    ).rejects.toThrow("bad.jsonl, line 2 is not valid JSON.");
    await expect(
      refused({ format: "jsonl", files: [file("no-prompt.jsonl", '{"title":"x"}')] }),
    ).rejects.toThrow(/no-prompt\.jsonl, row 1 has no prompt/);
    await expect(refused({ format: "csv", files: [file("q.csv", 'prompt\n"open')] })).rejects.toThrow(
      /closing quote is missing/,
    );
    await expect(
      refused({ format: "parquet", files: [file("not.parquet", "this is not parquet")] }),
    ).rejects.toThrow(/not\.parquet could not be read as Parquet/);
    await expect(
      refused({ format: "jsonl", files: [file("big.jsonl", '{"prompt":"x"}\n'.repeat(50_001))] }),
    ).rejects.toThrow(/at most 50,000 prompts/);
    expect(await listPromptSets(world.db, { campaignId: campaign.id })).toEqual([]);
  });
});

describe("serving a prompt set", () => {
  async function campaignWithSet(
    prompts: (string | { prompt: string; system?: string; reference_answer?: string })[],
    annotatorsPerPrompt: number,
    replacesOwnPrompts = false,
  ) {
    const { campaign } = await createCampaign(world.db, { systemPrompt: "The campaign's instruction." });
    const lines = prompts.map((prompt) => JSON.stringify(typeof prompt === "string" ? { prompt } : prompt));
    const { set } = await importInto(campaign.id, {
      format: "jsonl",
      files: [file("p.jsonl", lines.join("\n"))],
      annotatorsPerPrompt,
      replacesOwnPrompts,
    });
    return { campaign, set };
  }

  async function readyAnnotator(campaignId: string) {
    const { actor } = await createAnnotator(world.db);
    await acknowledgeCurrentGuidelines(world.db, campaignId, actor);
    return actor;
  }

  it("gives each prompt to exactly as many different annotators as asked, under parallel claims", async () => {
    const { campaign } = await campaignWithSet(["alpha", "beta"], 2);
    const annotators = await Promise.all(Array.from({ length: 6 }, () => readyAnnotator(campaign.id)));
    // Each annotator asks twice at once (two tabs): they get one prompt, the same in both.
    const claims = await Promise.all(
      annotators.flatMap((actor) =>
        [0, 1].map(() => nextSetPrompt(world.db, { campaignId: campaign.id }, actor)),
      ),
    );
    for (let index = 0; index < annotators.length; index++) {
      expect(claims[2 * index]?.slotId).toBe(claims[2 * index + 1]?.slotId);
    }
    const held = claims.filter((_, index) => index % 2 === 0);
    expect(held.filter((claim) => claim === null)).toHaveLength(2);
    const slots = await world.db.select().from(promptSlots).where(eq(promptSlots.campaignId, campaign.id));
    const byPrompt = new Map<string, Set<string>>();
    for (const slot of slots.filter((row) => row.annotatorId !== null)) {
      byPrompt.set(slot.itemId, (byPrompt.get(slot.itemId) ?? new Set()).add(slot.annotatorId!));
    }
    expect([...byPrompt.values()].map((people) => people.size)).toEqual([2, 2]);
  });

  it("opens a dialogue from the claimed prompt, counts it served at its first comparison, and frees abandoned claims", async () => {
    const { campaign } = await campaignWithSet(
      [{ prompt: "first prompt", system: "The set's own instruction." }, "second prompt"],
      1,
      true,
    );
    const ada = await readyAnnotator(campaign.id);
    const ben = await readyAnnotator(campaign.id);

    // The set replaces own prompts: a prompt of one's own is refused while the set has one.
    await expect(createJudgeableTurn(world.db, campaign.id, ada, { message: "my own idea" })).rejects.toThrow(
      /start from its prompt set/,
    );
    const claim = (await nextSetPrompt(world.db, { campaignId: campaign.id }, ada))!;
    expect(claim.prompt).toBe("first prompt");
    await expect(
      createJudgeableTurn(world.db, campaign.id, ada, {
        message: "edited prompt",
        promptSlotId: claim.slotId,
      }),
    ).rejects.toThrow(/sent as it is/);
    const turn = await createJudgeableTurn(world.db, campaign.id, ada, {
      message: claim.prompt,
      promptSlotId: claim.slotId,
    });
    const [a, b] = turn.responses;
    await submitComparison(
      world.db,
      {
        turnId: turn.turnId,
        idempotencyKey: newIdempotencyKey(),
        ranking: [a.id, b.id],
        strength: "better",
        timeSpentMs: 900,
      },
      ada,
    );

    // Ben claims the second prompt, starts a dialogue and ends it without a comparison: it goes back.
    const second = (await nextSetPrompt(world.db, { campaignId: campaign.id }, ben))!;
    expect(second.prompt).toBe("second prompt");
    const abandoned = await createJudgeableTurn(world.db, campaign.id, ben, {
      message: second.prompt,
      promptSlotId: second.slotId,
    });
    await endConversation(world.db, { conversationId: abandoned.conversationId }, ben);
    expect(await listPromptSets(world.db, { campaignId: campaign.id })).toMatchObject([
      { prompts: 2, servings: 2, served: 1, inProgress: 1 },
    ]);
    const again = (await nextSetPrompt(world.db, { campaignId: campaign.id }, ben))!;
    expect(again.prompt).toBe("second prompt");
    expect(await listPromptSets(world.db, { campaignId: campaign.id })).toMatchObject([
      { served: 1, inProgress: 1 },
    ]);
    // Ada has had her prompt; the only other is Ben's: nothing is left for her.
    expect(await nextSetPrompt(world.db, { campaignId: campaign.id }, ada)).toBeNull();
    // A claim nobody starts is offered to others once it is older than the claim time.
    const later = new Date(Date.now() + CLAIM_TTL_MS + 1000);
    expect(await nextSetPrompt(world.db, { campaignId: campaign.id }, ada, later)).toMatchObject({
      prompt: "second prompt",
    });
    const [dialogue] = await world.db
      .select({ systemPrompt: conversations.systemPrompt })
      .from(conversations)
      .where(eq(conversations.id, turn.conversationId));
    // The prompt's own system instruction replaces the campaign's for its dialogue.
    expect(dialogue.systemPrompt).toBe("The set's own instruction.");
  });

  it("exports the reference answer of a dialogue's set prompt in raw rows, none for written prompts", async () => {
    const { campaign } = await campaignWithSet(
      [{ prompt: "Capital of France?", reference_answer: "Paris" }],
      1,
    );
    const ada = await readyAnnotator(campaign.id);
    const claim = (await nextSetPrompt(world.db, { campaignId: campaign.id }, ada))!;
    const fromSet = await createJudgeableTurn(world.db, campaign.id, ada, {
      message: claim.prompt,
      promptSlotId: claim.slotId,
    });
    const ben = await readyAnnotator(campaign.id);
    const written = await createJudgeableTurn(world.db, campaign.id, ben);
    for (const [turn, actor] of [
      [fromSet, ada],
      [written, ben],
    ] as const) {
      const [a, b] = turn.responses;
      await submitComparison(
        world.db,
        {
          turnId: turn.turnId,
          idempotencyKey: newIdempotencyKey(),
          ranking: [a.id, b.id],
          strength: "better",
          timeSpentMs: 900,
        },
        actor,
      );
    }
    const rows = (
      await exportForTest(world.db, { format: "raw", campaigns: [campaign.name], excludeRejected: false })
    ).jsonl("export.jsonl");
    const referenceOf = new Map(rows.map((row) => [row.conversation_id, row.reference_answer]));
    expect(referenceOf).toEqual(
      new Map([
        [fromSet.conversationId, "Paris"],
        [written.conversationId, null],
      ]),
    );
  });
});
