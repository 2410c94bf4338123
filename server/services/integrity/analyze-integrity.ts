// The integrity report of a campaign (`npm run integrity`, and the Integrity tab's data):
// annotators by risk with their evidence, turns flagged for identity leaks, clusters of
// near-duplicate opening prompts, and the leaderboard computed on the votes that remain —
// without identity-flagged turns, rejected comparisons, annotators flagged as random or
// position-biased, and with over-represented prompts capped (each toggle can put them back).
// The computation yields to the event loop every few milliseconds (cooperative.ts), so the
// instance whose job worker runs it keeps serving its pages.
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { turnFlags } from "@/db/schema";
import { findCampaign } from "../campaigns/campaign-access";
import { annotatorReliability } from "./annotator-reliability";
import { consensusLogOdds } from "./battles";
import { runStepsYielding } from "./cooperative";
import { integrityLeaderboard, scoresOnly } from "./integrity-leaderboard";
import { loadVotes, type Vote } from "./load-votes";
import { MAX_CONVERSATIONS_PER_PROMPT, nearDuplicateClusters } from "./near-duplicates";

export const AnalyzeIntegrityInput = z.object({
  campaignId: z.uuid("That is not a valid campaign id."),
  /** Estimated Jaccard similarity of word 3-shingles at which two prompts are near-duplicates;
   * default: the campaign's own (the one its saves are flagged with). */
  duplicateThreshold: z.number().min(0.1).max(1).optional(),
  /** Conversations per near-duplicate prompt cluster that count on the leaderboard. */
  maxConversationsPerPrompt: z.number().int().min(1).max(1000).default(MAX_CONVERSATIONS_PER_PROMPT),
  includeFlaggedTurns: z.boolean().default(false),
  includeFlaggedAnnotators: z.boolean().default(false),
  bootstrapRounds: z.number().int().min(0).max(2000).default(200),
});
export type AnalyzeIntegrityInput = z.input<typeof AnalyzeIntegrityInput>;

export const TURN_FLAGS = ["identity-leak", "identity-question", "near-duplicate"] as const;
export type TurnFlag = (typeof TURN_FLAGS)[number];

/** Annotator flags whose votes leave the leaderboard by default. */
const EXCLUDING_FLAGS = new Set(["random", "position-bias"]);

/** The identity flags set when the turns were saved (flag-identity.ts). */
async function savedIdentityFlags(db: Db, campaignId: string) {
  const rows = await db
    .select({ turnId: turnFlags.turnId, kind: turnFlags.kind })
    .from(turnFlags)
    .where(eq(turnFlags.campaignId, campaignId));
  const flags = new Map<string, Set<TurnFlag>>();
  for (const row of rows) flags.set(row.turnId, (flags.get(row.turnId) ?? new Set()).add(row.kind));
  return flags;
}

/** The analysis's steps, for progress: loading, prompts, annotators, leaderboard. */
const STEPS = 4;

/** `onProgress(done, total)` after each step (a background job records it, and may stop there). */
export async function analyzeCampaignIntegrity(
  db: Db,
  rawInput: AnalyzeIntegrityInput,
  onProgress: (done: number, total: number) => Promise<void> = async () => {},
) {
  const input = AnalyzeIntegrityInput.parse(rawInput);
  const campaign = await findCampaign(db, input.campaignId);
  await onProgress(0, STEPS);
  const [votes, turnFlagsOf] = await Promise.all([
    loadVotes(db, campaign.id),
    savedIdentityFlags(db, campaign.id),
  ]);
  await onProgress(1, STEPS);

  // Opening prompts in the order their dialogues were judged; a prompt is a near-duplicate
  // when an earlier one of its cluster exists.
  const conversations: { id: string; prompt: string }[] = [];
  const openingTurn = new Map<string, string>();
  for (const vote of votes) {
    if (vote.turnIndex === 0 && !openingTurn.has(vote.conversationId)) {
      openingTurn.set(vote.conversationId, vote.turnId);
      conversations.push({ id: vote.conversationId, prompt: vote.prompt });
    }
  }
  const clusters = await runStepsYielding(
    nearDuplicateClusters(
      conversations.map((conversation) => conversation.prompt),
      input.duplicateThreshold ?? campaign.nearDuplicateThreshold,
    ),
  );
  const cappedConversations = new Set<string>();
  for (const cluster of clusters) {
    cluster.slice(1).forEach((index) => {
      const turnId = openingTurn.get(conversations[index].id)!;
      turnFlagsOf.set(turnId, (turnFlagsOf.get(turnId) ?? new Set()).add("near-duplicate"));
    });
    cluster
      .slice(input.maxConversationsPerPrompt)
      .forEach((index) => cappedConversations.add(conversations[index].id));
  }

  await onProgress(2, STEPS);

  const consensus = await runStepsYielding(consensusLogOdds(votes));
  const annotators = await runStepsYielding(annotatorReliability(votes, consensus));
  await onProgress(3, STEPS);
  const excludedAnnotators = new Set(
    annotators
      .filter((report) => report.flags.some((flag) => EXCLUDING_FLAGS.has(flag)))
      .map((report) => report.annotatorId),
  );
  const isIdentityFlagged = (vote: Vote) => {
    const flags = turnFlagsOf.get(vote.turnId);
    return !!flags && (flags.has("identity-leak") || flags.has("identity-question"));
  };
  const excluded = { rejected: 0, flaggedTurns: 0, flaggedAnnotators: 0, overRepresentedPrompts: 0 };
  const exclusionOf = (vote: Vote): keyof typeof excluded | null => {
    if (vote.reviewStatus === "rejected") return "rejected";
    if (!input.includeFlaggedTurns && isIdentityFlagged(vote)) return "flaggedTurns";
    if (!input.includeFlaggedAnnotators && excludedAnnotators.has(vote.annotatorId))
      return "flaggedAnnotators";
    if (cappedConversations.has(vote.conversationId)) return "overRepresentedPrompts";
    return null;
  };
  // The leaderboard counts each turn once: its primary comparison (as the app's leaderboard does).
  const primaryVotes = votes.filter((vote) => vote.source === "primary");
  const leaderboardVotes = primaryVotes.filter((vote) => {
    const reason = exclusionOf(vote);
    if (reason) excluded[reason]++;
    return reason === null;
  });
  // The toggle's other side: the same votes with identity-flagged turns and flagged annotators.
  const withFlaggedVotes = primaryVotes.filter(
    (vote) => vote.reviewStatus !== "rejected" && !cappedConversations.has(vote.conversationId),
  );

  const flaggedTurns = Object.fromEntries(
    TURN_FLAGS.map((flag) => [flag, [...turnFlagsOf.values()].filter((flags) => flags.has(flag)).length]),
  ) as Record<TurnFlag, number>;
  const leaderboard = await runStepsYielding(
    integrityLeaderboard(leaderboardVotes, { bootstrapRounds: input.bootstrapRounds }),
  );
  const withFlagged = await runStepsYielding(scoresOnly(withFlaggedVotes));
  await onProgress(STEPS, STEPS);
  return {
    campaign: { id: campaign.id, name: campaign.name },
    comparisons: votes.length,
    annotators,
    flaggedTurns,
    duplicateClusters: clusters.map((cluster) => cluster.map((index) => conversations[index].prompt)),
    excludedFromLeaderboard: excluded,
    ...leaderboard,
    /** Scores (no intervals) with the flagged turns and annotators kept. */
    withFlagged,
  };
}
