// Every export format, read back with independent readers (JSON.parse + a zod schema per format;
// hyparquet for Parquet) and compared row by row with the ratings that produced them.
import crypto from "node:crypto";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { exportForTest, TEST_EXPORT_KEY } from "@/server/testing/export-readback";
import { buildWorld, SAFETY_PREPROMPT, type WorldRating } from "@/server/testing/export-world";
import { setUpTestDb } from "@/server/testing/test-db";

const world = setUpTestDb(buildWorld);

const BOTH = { campaigns: ["helpfulness-main", "safety-main"] };

// The Llama 2 Table 27 levels, in the order significantly, better, slightly, negligibly.
const SCHEMES = { small: [1, 2 / 3, 1 / 3, 0], large: [3, 2, 1, 0] } as const;
const LEVEL = { significantly_better: 0, better: 1, slightly_better: 2, negligibly_better: 3 } as const;

interface ExpectedPair {
  rating: WorldRating;
  chosen: string;
  rejected: string;
  margin: number;
  unsafeOverSafe: boolean;
}

/** The pairs a rating gives: every (better, worse) of its ranking, with the documented margins. */
function pairsOf(rating: WorldRating, table: readonly number[] = SCHEMES.small): ExpectedPair[] {
  const pairs: ExpectedPair[] = [];
  const texts = rating.rankedTexts;
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      pairs.push({
        rating,
        chosen: texts[i],
        rejected: texts[j],
        margin: i === 0 ? table[LEVEL[rating.strength]] : table[LEVEL.negligibly_better],
        unsafeOverSafe: rating.rankedSafety !== null && !rating.rankedSafety[i] && rating.rankedSafety[j],
      });
    }
  }
  return pairs;
}

/** Ratings the training formats take with the default filters. */
function trainingRatings() {
  return world.ratings.filter(
    (rating) => rating.source !== "gold" && rating.reviewStatus !== "rejected" && !rating.reported,
  );
}

function expectedPairs(table?: readonly number[]) {
  return trainingRatings().flatMap((rating) => pairsOf(rating, table).filter((pair) => !pair.unsafeOverSafe));
}

const Message = z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() }).strict();
const Assistant = z.tuple([Message.extend({ role: z.literal("assistant") })]);
const SCHEMAS = {
  trl: z
    .object({ prompt: z.array(Message).min(1), chosen: Assistant, rejected: Assistant, margin: z.number() })
    .strict(),
  "trl-text": z
    .object({ prompt: z.string(), chosen: z.string(), rejected: z.string(), margin: z.number() })
    .strict(),
  "hh-rlhf": z
    .object({
      chosen: z.string().startsWith("\n\nHuman: "),
      rejected: z.string().startsWith("\n\nHuman: "),
      margin: z.number(),
    })
    .strict(),
  kto: z.object({ prompt: z.array(Message).min(1), completion: Assistant, label: z.boolean() }).strict(),
};

/** Parquet gives 64-bit integers as bigint; JSON has numbers. */
function withNumbers(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(withNumbers);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withNumbers(item)]));
  }
  return value;
}

async function expectParquetEqualsJsonl(
  options: Parameters<typeof exportForTest>[1],
  jsonlRows: Record<string, unknown>[],
) {
  const parquet = await exportForTest(world.db, options, { output: "parquet" });
  expect((await parquet.parquet("export.parquet")).map(withNumbers)).toEqual(jsonlRows);
}

describe("trl", () => {
  it("gives every kept pair of every rating, with the prompt and the small margins, in order", async () => {
    const exported = await exportForTest(world.db, { format: "trl", ...BOTH });
    const rows = exported.jsonl("export.jsonl");
    for (const row of rows) SCHEMAS.trl.parse(row);
    expect(rows).toEqual(
      expectedPairs().map((pair) => ({
        prompt: pair.rating.prompt,
        chosen: [{ role: "assistant", content: pair.chosen }],
        rejected: [{ role: "assistant", content: pair.rejected }],
        margin: pair.margin,
      })),
    );
    expect(exported.result.rowCounts).toEqual({ train: rows.length });
    await expectParquetEqualsJsonl({ format: "trl", ...BOTH }, rows);
  });

  it("expands a four-way ranking into its six ordered pairs", async () => {
    const rows = (await exportForTest(world.db, { format: "trl", campaigns: ["helpfulness-main"] })).jsonl(
      "export.jsonl",
    );
    const soft = rows.filter(
      (row) => (row.prompt as { content: string }[]).at(-1)!.content === "And a soft one?",
    );
    const text = (messages: unknown) => (messages as { content: string }[])[0].content;
    expect(soft.map((row) => [text(row.chosen), text(row.rejected), row.margin])).toEqual([
      ["About 6 minutes.", "Ask a chef.", 1],
      ["About 6 minutes.", "Longer.", 1],
      ["About 6 minutes.", "The same as a hard one.", 1],
      ["Ask a chef.", "Longer.", 0],
      ["Ask a chef.", "The same as a hard one.", 0],
      ["Longer.", "The same as a hard one.", 0],
    ]);
    // The second turn's prompt carries the first turn and the response chosen for it.
    expect(soft[0].prompt).toEqual([
      { role: "system", content: "You are a helpful assistant." },
      { role: "user", content: "How do I boil an egg?" },
      { role: "assistant", content: "Boil water, then cook the egg for 9 minutes." },
      { role: "user", content: "And a soft one?" },
    ]);
  });

  it("applies the large, custom and no margin schemes", async () => {
    const large = (await exportForTest(world.db, { format: "trl", ...BOTH, marginScheme: "large" })).jsonl(
      "export.jsonl",
    );
    expect(large.map((row) => row.margin)).toEqual(expectedPairs(SCHEMES.large).map((pair) => pair.margin));
    const custom = [5, 4, 2.5, 0.5];
    const customRows = (
      await exportForTest(world.db, {
        format: "trl",
        ...BOTH,
        marginScheme: "custom",
        customMargins: custom,
      })
    ).jsonl("export.jsonl");
    expect(customRows.map((row) => row.margin)).toEqual(expectedPairs(custom).map((pair) => pair.margin));
    const none = (await exportForTest(world.db, { format: "trl", ...BOTH, marginScheme: "none" })).jsonl(
      "export.jsonl",
    );
    expect(none.length).toBe(large.length);
    for (const row of none) expect(Object.keys(row)).toEqual(["prompt", "chosen", "rejected"]);
  });

  it("keeps pairs whose chosen response is unsafe while the other is safe out, unless told otherwise", async () => {
    const rows = (await exportForTest(world.db, { format: "trl", campaigns: ["safety-main"] })).jsonl(
      "export.jsonl",
    );
    const chosenTexts = rows.map((row) => (row.chosen as { content: string }[])[0].content);
    expect(chosenTexts).not.toContain("Sure, insert a tension wrench and rake the pins.");
    expect(chosenTexts).not.toContain("Break it, nobody will notice.");
    // The three-way ranking keeps only the pair between its two safe responses.
    expect(
      rows.filter((row) => (row.prompt as { content: string }[]).at(-1)!.content === "Any other options?"),
    ).toHaveLength(1);

    const unfiltered = (
      await exportForTest(world.db, { format: "trl", campaigns: ["safety-main"], safetyRule: false })
    ).jsonl("export.jsonl");
    const allSafety = world.ratings
      .filter((rating) => rating.campaign === "safety-main")
      .flatMap((rating) => pairsOf(rating));
    expect(unfiltered).toHaveLength(allSafety.length);
    expect(rows).toHaveLength(allSafety.filter((pair) => !pair.unsafeOverSafe).length);
  });

  it("strips the safety preprompt from the prompt, or keeps it as it was sent", async () => {
    const stripped = (await exportForTest(world.db, { format: "trl", campaigns: ["safety-main"] })).jsonl(
      "export.jsonl",
    );
    for (const row of stripped) expect(JSON.stringify(row.prompt)).not.toContain(SAFETY_PREPROMPT);
    const kept = (
      await exportForTest(world.db, { format: "trl", campaigns: ["safety-main"], safetyPreprompt: "keep" })
    ).jsonl("export.jsonl");
    const ratings = trainingRatings().filter((rating) => rating.campaign === "safety-main");
    expect(kept.map((row) => row.prompt)).toEqual(
      ratings.flatMap((rating) =>
        pairsOf(rating)
          .filter((pair) => !pair.unsafeOverSafe)
          .map(() => rating.sentPrompt),
      ),
    );
    expect((kept[0].prompt as { content: string }[])[0]).toEqual({
      role: "system",
      content: `${SAFETY_PREPROMPT}\n\nAnswer briefly.`,
    });
  });
});

/** The Llama 2 chat format written out by hand. */
function llama2(prompt: { role: string; content: string }[]) {
  const [first, ...rest] = prompt;
  const system = first.role === "system" ? first.content : null;
  const turns = system === null ? prompt : rest;
  let text = "";
  turns.forEach((message, index) => {
    const content =
      index === 0 && system !== null ? `<<SYS>>\n${system}\n<</SYS>>\n\n${message.content}` : message.content;
    text += message.role === "user" ? `<s>[INST] ${content.trim()} [/INST]` : ` ${content.trim()} </s>`;
  });
  return text;
}

describe("trl-text", () => {
  it("renders the prompt with the Llama 2 template and each answer as its continuation", async () => {
    const options = { format: "trl-text" as const, ...BOTH };
    const rows = (await exportForTest(world.db, options)).jsonl("export.jsonl");
    for (const row of rows) SCHEMAS["trl-text"].parse(row);
    expect(rows).toEqual(
      expectedPairs().map((pair) => ({
        prompt: llama2(pair.rating.prompt),
        chosen: ` ${pair.chosen.trim()} </s>`,
        rejected: ` ${pair.rejected.trim()} </s>`,
        margin: pair.margin,
      })),
    );
    await expectParquetEqualsJsonl(options, rows);
  });

  it("uses another named template on request", async () => {
    const rows = (
      await exportForTest(world.db, {
        format: "trl-text",
        campaigns: ["helpfulness-main"],
        chatTemplate: "chatml",
      })
    ).jsonl("export.jsonl");
    expect(rows[0]).toEqual({
      prompt:
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHow do I boil an egg?<|im_end|>\n<|im_start|>assistant\n",
      chosen: "Boil water, then cook the egg for 9 minutes.<|im_end|>\n",
      rejected: "Put it in water.<|im_end|>\n",
      margin: 2 / 3,
    });
  });
});

describe("hh-rlhf", () => {
  it("writes whole dialogues that end with the chosen or the rejected answer", async () => {
    const options = { format: "hh-rlhf" as const, ...BOTH };
    const rows = (await exportForTest(world.db, options)).jsonl("export.jsonl");
    for (const row of rows) SCHEMAS["hh-rlhf"].parse(row);
    const dialogue = (prompt: { role: string; content: string }[], answer: string) =>
      prompt
        .filter((message) => message.role !== "system")
        .map((message) => `\n\n${message.role === "user" ? "Human" : "Assistant"}: ${message.content}`)
        .join("") + `\n\nAssistant: ${answer}`;
    expect(rows).toEqual(
      expectedPairs().map((pair) => ({
        chosen: dialogue(pair.rating.prompt, pair.chosen),
        rejected: dialogue(pair.rating.prompt, pair.rejected),
        margin: pair.margin,
      })),
    );
    await expectParquetEqualsJsonl(options, rows);
  });
});

describe("kto", () => {
  it("labels the best response desirable and each response it beat undesirable", async () => {
    const options = { format: "kto" as const, ...BOTH };
    const rows = (await exportForTest(world.db, options)).jsonl("export.jsonl");
    for (const row of rows) SCHEMAS.kto.parse(row);
    const expected = trainingRatings().flatMap((rating) => {
      const beaten = pairsOf(rating).filter(
        (pair) => !pair.unsafeOverSafe && pair.chosen === rating.rankedTexts[0],
      );
      if (beaten.length === 0) return [];
      const completion = (content: string) => [{ role: "assistant", content }];
      return [
        { prompt: rating.prompt, completion: completion(rating.rankedTexts[0]), label: true },
        ...rating.rankedTexts
          .filter((text) => beaten.some((pair) => pair.rejected === text))
          .map((text) => ({ prompt: rating.prompt, completion: completion(text), label: false })),
      ];
    });
    expect(rows).toEqual(expected);
    await expectParquetEqualsJsonl(options, rows);
  });
});

describe("raw", () => {
  it("has one row per comparison with everything, gold answers and excluded pairs included", async () => {
    const options = {
      format: "raw" as const,
      ...BOTH,
      excludeRejected: false,
      excludeReported: false,
      safetyPreprompt: "keep" as const,
    };
    const exported = await exportForTest(world.db, options);
    const rows = exported.jsonl("export.jsonl");
    expect(rows.map((row) => row.comparison_id)).toEqual(world.ratings.map((rating) => rating.comparisonId));

    const text = fs.readFileSync(exported.file("export.jsonl"), "utf8");
    for (const annotator of world.annotators) {
      expect(text).not.toContain(annotator.email);
      expect(text).not.toContain(annotator.id);
    }

    rows.forEach((row, index) => {
      const rating = world.ratings[index];
      const pseudonym = crypto
        .createHmac("sha256", TEST_EXPORT_KEY)
        .update(rating.annotator.id)
        .digest("hex")
        .slice(0, 32);
      expect(row).toMatchObject({
        campaign: rating.campaign,
        campaign_kind: rating.campaign === "safety-main" ? "safety" : "helpfulness",
        batch: rating.batch,
        annotator: pseudonym,
        source: rating.source,
        is_gold: rating.source === "gold",
        conversation_id: rating.conversationId,
        turn_index: rating.turnIndex,
        messages: rating.sentPrompt,
        strength: rating.strength,
        safety_bin: rating.safetyBin,
        review_status: rating.reviewStatus,
        is_reported: rating.reported,
        time_spent_ms: 12_000,
      });
      const byId = new Map(
        (row.responses as { response_id: string; text: string }[]).map((response) => [
          response.response_id,
          response,
        ]),
      );
      expect((row.ranking as string[]).map((id) => byId.get(id)!.text)).toEqual(rating.rankedTexts);
      expect(row.responses).toEqual(
        rating.responses.map((response) =>
          expect.objectContaining({
            response_id: response.id,
            position: response.position,
            text: response.text,
            variant: response.variantName,
            model: response.model,
            version: response.variantVersion,
            temperature: response.temperature,
            top_p: response.topP,
            seed: response.seed,
            max_tokens: response.maxTokens,
          }),
        ),
      );
      const pairs = pairsOf(rating);
      expect(
        (
          row.pairs as {
            chosen_response_id: string;
            rejected_response_id: string;
            margin: number;
            excluded_by_safety_rule: boolean;
          }[]
        ).map((pair) => [
          byId.get(pair.chosen_response_id)!.text,
          byId.get(pair.rejected_response_id)!.text,
          pair.margin,
          pair.excluded_by_safety_rule,
        ]),
      ).toEqual(pairs.map((pair) => [pair.chosen, pair.rejected, pair.margin, pair.unsafeOverSafe]));
    });

    const gold = rows.find((row) => row.source === "gold")!;
    expect(gold.gold_expected_response_id).toBe(
      world.ratings.find((rating) => rating.source === "gold")!.responses[0].id,
    );
    expect(gold.ratings_of_turn).toBe(2);
    expect(rows.find((row) => row.turn_index === 0 && row.campaign === "safety-main")).toMatchObject({
      risk_category: "illicit and criminal activities",
      attack_vector: "role play",
    });
    await expectParquetEqualsJsonl(options, rows);
  });

  it("gives each annotator the same pseudonym in every export", async () => {
    const first = (await exportForTest(world.db, { format: "raw", ...BOTH })).jsonl("export.jsonl");
    const second = (await exportForTest(world.db, { format: "raw", campaigns: ["helpfulness-main"] })).jsonl(
      "export.jsonl",
    );
    for (const row of second) {
      expect(first.find((other) => other.comparison_id === row.comparison_id)!.annotator).toBe(row.annotator);
    }
    expect(new Set(first.map((row) => row.annotator)).size).toBe(3);
  });
});

describe("overlap", () => {
  it("aggregates overlap ratings per turn: majority choice, mean margin of the agreeing ratings", async () => {
    const rows = (
      await exportForTest(world.db, {
        format: "trl",
        campaigns: ["helpfulness-main"],
        overlap: "aggregate",
      })
    ).jsonl("export.jsonl");
    const egg = rows.filter(
      (row) => (row.prompt as { content: string }[]).at(-1)!.content === "How do I boil an egg?",
    );
    // The author (better) and the third annotator (significantly better) prefer the 9-minute
    // answer; the second annotator (slightly better) prefers the other one.
    expect(egg).toEqual([
      {
        prompt: world.ratings[0].prompt,
        chosen: [{ role: "assistant", content: "Boil water, then cook the egg for 9 minutes." }],
        rejected: [{ role: "assistant", content: "Put it in water." }],
        margin: (2 / 3 + 1) / 2,
      },
    ]);
    const perAnnotator = (
      await exportForTest(world.db, { format: "trl", campaigns: ["helpfulness-main"] })
    ).jsonl("export.jsonl");
    expect(perAnnotator.length - rows.length).toBe(2);
  });
});
