// The leaderboard from the LLM judge's verdicts (the judge-only board set beside the annotators'):
// scripted verdicts on real submitted comparisons, counted by hand and ranked by the same
// Bradley–Terry code as the annotators' board.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Db } from "@/db/client";
import { comparisonAssists, comparisons, responses } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import type { Strength } from "@/lib/constants";
import { submitComparison } from "@/server/services/annotation/submit-comparison";
import {
  createCampaign,
  createJudgeableTurn,
  newIdempotencyKey,
} from "@/server/testing/annotation-campaigns";
import { createAdmin, createAnnotator } from "@/server/testing/fixtures";
import { saveJudge } from "../judging/assistant-settings";
import { DEFAULT_JUDGE_PROMPT, DEFAULT_VERDICT_SCHEMA } from "../judging/judge-verdict";
import { getLeaderboard } from "./get-leaderboard";

let database: Database;
let db: Db;

beforeAll(async () => {
  database = await createTestDb();
  db = database.db;
});

afterAll(async () => {
  await database?.close();
});

type Verdict = { winner: "variant-0" | "variant-1"; strength: Strength } | "unsure" | "not judged";

describe("the judge-only leaderboard", () => {
  it("counts each judged comparison as one battle, unsure and negligible verdicts as ties", async () => {
    const { campaign } = await createCampaign(db);
    const { actor: admin } = await createAdmin(db);
    // A judge whose jobs never run here: the verdicts are scripted.
    await saveJudge(
      db,
      {
        campaignId: campaign.id,
        endpointKind: "local",
        promptTemplate: DEFAULT_JUDGE_PROMPT,
        verdictSchema: JSON.stringify(DEFAULT_VERDICT_SCHEMA),
      },
      admin,
      [],
    );
    const script: { verdict: Verdict; isRejected?: boolean }[] = [
      { verdict: { winner: "variant-0", strength: "better" } },
      { verdict: { winner: "variant-0", strength: "better" } },
      { verdict: { winner: "variant-0", strength: "significantly_better" } },
      { verdict: { winner: "variant-1", strength: "slightly_better" } },
      { verdict: "unsure" },
      { verdict: { winner: "variant-1", strength: "negligibly_better" } },
      { verdict: "not judged" },
      { verdict: { winner: "variant-1", strength: "better" }, isRejected: true },
    ];
    for (const step of script) {
      const { actor } = await createAnnotator(db);
      const turn = await createJudgeableTurn(db, campaign.id, actor);
      const { comparisonId } = await submitComparison(
        db,
        {
          turnId: turn.turnId,
          idempotencyKey: newIdempotencyKey(),
          ranking: turn.responses.map((response) => response.id),
          strength: "better",
          timeSpentMs: 3000,
        },
        actor,
      );
      if (step.isRejected) {
        await db
          .update(comparisons)
          .set({ reviewStatus: "rejected" })
          .where(eq(comparisons.id, comparisonId));
      }
      if (step.verdict === "not judged") continue;
      const shown = await db
        .select({ id: responses.id, variantName: responses.variantName })
        .from(responses)
        .where(eq(responses.turnId, turn.turnId));
      const verdict = step.verdict;
      await db
        .update(comparisonAssists)
        .set(
          verdict === "unsure"
            ? { judgeOutcome: "unsure", judgeRuns: [], judgedAt: new Date() }
            : {
                judgeOutcome: "winner",
                judgeWinnerResponseId: shown.find((response) => response.variantName === verdict.winner)!.id,
                judgeStrength: verdict.strength,
                judgeRuns: [],
                judgedAt: new Date(),
              },
        )
        .where(eq(comparisonAssists.comparisonId, comparisonId));
    }

    const judge = await getLeaderboard(db, { campaignId: campaign.id, voter: "judge" });
    // Six judged battles (the unjudged and the rejected one left out): variant-0 won 3, lost 1,
    // tied 2 (unsure, negligibly better).
    expect(judge.battles).toBe(6);
    expect(judge.players.map((player) => [player.name, player.wins, player.losses, player.ties])).toEqual([
      ["variant-0", 3, 1, 2],
      ["variant-1", 1, 3, 2],
    ]);
    // Two players: γ0/γ1 is the ratio of effective wins, ties and the one virtual tie counting
    // half: (3 + 3/2) / (1 + 3/2) = 1.8; the scores sit 200·log10(1.8) either side of 1000.
    const half = 200 * Math.log10(1.8);
    expect(judge.players[0].score).toBeCloseTo(1000 + half, 6);
    expect(judge.players[1].score).toBeCloseTo(1000 - half, 6);

    const withRejected = await getLeaderboard(db, {
      campaignId: campaign.id,
      voter: "judge",
      includeRejected: true,
    });
    expect(withRejected.battles).toBe(7);
    // The annotators' board is unchanged by the judge: every comparison chose position 0.
    const humans = await getLeaderboard(db, { campaignId: campaign.id });
    expect(humans.battles).toBe(7);
  });
});
