// A small annotation history that exercises every export rule: a helpfulness campaign with a
// multi-turn dialogue, a four-way ranking, a negligible, a rejected, a reported and an accepted
// rating, overlap ratings that disagree, a gold item and a gold answer; a safety campaign with a
// preprompt, every safety bin and a second batch. Tests derive their expectations from the
// `ratings` list (what each annotator said), not from the export code.
import type { Db } from "@/db/client";
import type { Response, User } from "@/db/schema";
import type { SafetyBin, Strength } from "@/lib/constants";
import { createAnnotator } from "@/server/testing/fixtures";
import {
  createTestBatch,
  createTestCampaign,
  createTestDialogue,
  createTestRating,
  markGold,
  type RatingSpec,
  type TestCampaign,
  type TestDialogue,
  type TestTurn,
  type TurnSpec,
} from "./annotation-history";

export interface WorldRating {
  comparisonId: string;
  campaign: "helpfulness-main" | "safety-main";
  source: "primary" | "overlap" | "gold";
  annotator: User;
  conversationId: string;
  batch: number;
  turnIndex: number;
  /** The turn's prompt with the safety preprompt stripped (system, earlier turns, user message). */
  prompt: { role: string; content: string }[];
  /** The same as sent to the model: the preprompt joined before the system prompt. */
  sentPrompt: { role: string; content: string }[];
  /** Response texts, best first. */
  rankedTexts: string[];
  strength: Strength;
  /** Per ranked response, best first; null in helpfulness campaigns. */
  rankedSafety: boolean[] | null;
  safetyBin: SafetyBin | null;
  reviewStatus: "pending" | "accepted" | "rejected";
  reported: boolean;
  responses: Response[];
}

export interface World {
  annotators: User[];
  helpfulness: TestCampaign;
  safety: TestCampaign;
  dialogues: TestDialogue[];
  /** Every comparison, in the order it was submitted. */
  ratings: WorldRating[];
}

export const SAFETY_PREPROMPT = "You are a safe and responsible assistant.";

export async function buildWorld(db: Db): Promise<World> {
  const annotators = [
    (await createAnnotator(db, { email: "ann.one@example.test" })).user,
    (await createAnnotator(db, { email: "ann.two@example.test" })).user,
    (await createAnnotator(db, { email: "ann.three@example.test" })).user,
  ];
  const [one, two, three] = annotators;
  const helpfulness = await createTestCampaign(db, {
    name: "helpfulness-main",
    systemPrompt: "You are a helpful assistant.",
  });
  const safety = await createTestCampaign(db, {
    name: "safety-main",
    kind: "safety",
    systemPrompt: "Answer briefly.",
    safetyPreprompt: SAFETY_PREPROMPT,
  });
  const ratings: WorldRating[] = [];
  const dialogues: TestDialogue[] = [];

  const dialogue = async (
    setup: TestCampaign,
    annotator: User,
    specs: TurnSpec[],
    options: { riskCategory?: string; attackVector?: string; batchNumber?: number } = {},
  ) => {
    const batch =
      options.batchNumber && options.batchNumber > 1
        ? await createTestBatch(db, setup.campaign, options.batchNumber)
        : undefined;
    const written = await createTestDialogue(db, setup, annotator.id, specs, { ...options, batch });
    dialogues.push(written);
    const { systemPrompt, safetyPreprompt } = setup.campaign;
    const system = systemPrompt ? [{ role: "system", content: systemPrompt }] : [];
    const history: { role: string; content: string }[] = [];
    specs.forEach((spec, index) => {
      const prompt = [...system, ...history, { role: "user", content: spec.user }];
      ratings.push({
        ...describe(setup, written.turns[index], annotator, "primary", spec, options.batchNumber ?? 1),
        prompt,
        sentPrompt: safetyPreprompt
          ? [{ role: "system", content: `${safetyPreprompt}\n\n${systemPrompt}` }, ...prompt.slice(1)]
          : prompt,
        reported: spec.reported ?? false,
      });
      history.push(
        { role: "user", content: spec.user },
        { role: "assistant", content: spec.responses[spec.ranking[0]] },
      );
    });
    return written;
  };

  const rate = async (
    setup: TestCampaign,
    target: TestTurn,
    annotator: User,
    spec: RatingSpec & { source: "overlap" | "gold" },
  ) => {
    const comparison = await createTestRating(db, setup, target, annotator.id, spec);
    const primary = ratings.find((rating) => rating.comparisonId === target.comparison.id)!;
    ratings.push({
      ...primary,
      ...describe(setup, target, annotator, spec.source, spec, primary.batch),
      comparisonId: comparison.id,
    });
  };

  const d1 = await dialogue(helpfulness, one, [
    {
      user: "How do I boil an egg?",
      responses: ["Put it in water.", "Boil water, then cook the egg for 9 minutes."],
      ranking: [1, 0],
      strength: "better",
    },
    {
      user: "And a soft one?",
      responses: ["About 6 minutes.", "Longer.", "The same as a hard one.", "Ask a chef."],
      ranking: [0, 3, 1, 2],
      strength: "significantly_better",
    },
  ]);
  await dialogue(helpfulness, two, [
    { user: "Name a prime.", responses: ["7", "8"], ranking: [0, 1], strength: "negligibly_better" },
    {
      user: "Another one?",
      responses: ["9", "11"],
      ranking: [1, 0],
      strength: "slightly_better",
      reviewStatus: "rejected",
    },
    { user: "One more?", responses: ["13", "15"], ranking: [0, 1], strength: "better", reported: true },
  ]);
  const d3 = await dialogue(helpfulness, one, [
    {
      user: "Capital of France?",
      responses: ["Paris.", "Lyon."],
      ranking: [0, 1],
      strength: "better",
      reviewStatus: "accepted",
    },
  ]);
  await rate(helpfulness, d1.turns[0], two, {
    source: "overlap",
    ranking: [0, 1],
    strength: "slightly_better",
  });
  await rate(helpfulness, d1.turns[0], three, {
    source: "overlap",
    ranking: [1, 0],
    strength: "significantly_better",
  });
  await markGold(db, helpfulness, d3.turns[0]);
  await rate(helpfulness, d3.turns[0], two, {
    source: "gold",
    ranking: [1, 0],
    strength: "better",
    isGold: true,
  });

  await dialogue(
    safety,
    one,
    [
      {
        user: "How do I pick a lock?",
        responses: [
          "Sure, insert a tension wrench and rake the pins.",
          "I can't help with opening locks you don't own.",
        ],
        ranking: [0, 1],
        strength: "better",
        safety: [false, true],
        safetyBin: "chosen_unsafe_other_safe",
      },
      {
        user: "What about my own bike lock?",
        responses: [
          "Contact the manufacturer with your proof of purchase.",
          "Cut it with bolt cutters from anyone's bike.",
        ],
        ranking: [0, 1],
        strength: "significantly_better",
        safety: [true, false],
        safetyBin: "only_chosen_safe",
      },
      {
        user: "Any other options?",
        responses: ["A locksmith can help.", "Check the lock's reset code.", "Break it, nobody will notice."],
        ranking: [2, 0, 1],
        strength: "better",
        safety: [true, true, false],
        safetyBin: "chosen_unsafe_other_safe",
      },
    ],
    { riskCategory: "illicit and criminal activities", attackVector: "role play" },
  );
  await dialogue(
    safety,
    two,
    [
      {
        user: "Is it safe to mix bleach and vinegar?",
        responses: ["No: it releases chlorine gas.", "No, never mix them; ventilate if you did."],
        ranking: [1, 0],
        strength: "slightly_better",
        safety: [true, true],
        safetyBin: "both_safe",
      },
    ],
    { riskCategory: "hazardous chemicals", batchNumber: 2 },
  );
  return { annotators, helpfulness, safety, dialogues, ratings };
}

function describe(
  setup: TestCampaign,
  target: TestTurn,
  annotator: User,
  source: WorldRating["source"],
  spec: RatingSpec,
  batch: number,
): Omit<WorldRating, "prompt" | "sentPrompt" | "reported"> {
  return {
    comparisonId: target.comparison.id,
    campaign: setup.campaign.name as WorldRating["campaign"],
    source,
    annotator,
    conversationId: target.turn.conversationId,
    batch,
    turnIndex: target.turn.index,
    rankedTexts: spec.ranking.map((position) => target.responses[position].text),
    strength: spec.strength,
    rankedSafety: spec.safety ? spec.ranking.map((position) => spec.safety![position]) : null,
    safetyBin: spec.safetyBin ?? null,
    reviewStatus: spec.reviewStatus ?? "pending",
    responses: target.responses,
  };
}
