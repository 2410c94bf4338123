// Flags near-duplicate opening prompts when they are saved: a prompt whose estimated Jaccard
// similarity (word 3-shingles, MinHash; near-duplicates.ts) to an earlier opening prompt of the
// campaign reaches the campaign's threshold joins that prompt's cluster. Candidates come from the
// stored band keys (GIN index), so a save reads a handful of rows, not the campaign's prompts.
// The leaderboard leaves out conversations from the MAX_CONVERSATIONS_PER_PROMPT-th of a cluster
// on, as Chatbot Arena caps over-represented prompts.
//
// Two prompts saved at the same moment do not see each other: both may start a cluster. The
// integrity report clusters every prompt again, so its view is exact; the flag is the fast one.
//
// Only rows found at the campaign's current threshold are candidates. After a threshold change,
// or for prompts saved before signatures existed, the re-clustering job (recluster-prompts.ts)
// places every prompt again in order; while it is pending, new prompts are stored for it to
// place rather than placed against a half-done campaign.
import { and, arrayOverlaps, count, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { campaigns, jobs, promptSignatures } from "@/db/schema";
import { estimatedJaccard, fnv1a, promptSignature } from "./near-duplicates";

/** 21 bands of 6 rows (126 of the 128 hashes): a pair at Jaccard 0.8 shares a band with
 * probability 0.998, one at 0.3 (two prompts on one topic) with 0.015, so a save reads few
 * candidates even when a campaign's prompts share their openings. The report's clustering uses
 * narrower bands; it runs over all prompts at once and can afford more candidates. */
const SAVE_BANDS = 21;
const SAVE_BAND_ROWS = 6;
const INSERT_CHUNK = 500;

/** The band keys of a signature, mixed with the campaign id so that an index lookup finds only
 * prompts of the same campaign. */
export function promptBandKeys(campaignId: string, signature: ArrayLike<number>): number[] {
  const keys: number[] = [];
  for (let band = 0; band < SAVE_BANDS; band++) {
    const rows = Array.from({ length: SAVE_BAND_ROWS }, (_, row) => signature[band * SAVE_BAND_ROWS + row]);
    keys.push(fnv1a(`${campaignId}:${band}:${rows.join(",")}`) | 0);
  }
  return keys;
}

export interface SavedPrompt {
  /** The conversation's first turn. */
  turnId: string;
  prompt: string;
}

interface Signed {
  turnId: string;
  signature: Int32Array;
  bandKeys: number[];
  clusterTurnId: string;
}

/** The job kind that places a campaign's prompts again (recluster-prompts.ts). */
export const RECLUSTER_PROMPTS_KIND = "recluster-prompts";

/** Whether a re-clustering of the campaign's prompts is queued or running. */
export async function isReclusteringPending(db: Db, campaignId: string) {
  const [pending] = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(
      and(
        inArray(jobs.status, ["queued", "running"]),
        eq(jobs.kind, RECLUSTER_PROMPTS_KIND),
        sql`${jobs.payload}->>'campaignId' = ${campaignId}`,
      ),
    )
    .limit(1);
  return pending !== undefined;
}

/** Rows clustered at the campaign's current threshold (compared in SQL: both are `real`). */
const isCurrent = sql`${promptSignatures.clusteredAtThreshold} = (select ${campaigns.nearDuplicateThreshold} from ${campaigns} where ${campaigns.id} = ${promptSignatures.campaignId})`;

/** Signs and stores the opening prompts (in the order given, which is the order they count as
 * earlier), each in the cluster of its most similar earlier prompt at or above the campaign's
 * threshold. Returns how many were near-duplicates. `isReclustering`: the job placing prompts
 * again (stored rows of these prompts are replaced). */
export async function flagNearDuplicatePrompts(
  db: Db,
  campaign: { id: string; nearDuplicateThreshold: number },
  saved: readonly SavedPrompt[],
  options: { isReclustering?: boolean } = {},
): Promise<number> {
  if (saved.length === 0) return 0;
  const clusteredAtThreshold =
    options.isReclustering || !(await isReclusteringPending(db, campaign.id))
      ? campaign.nearDuplicateThreshold
      : null;
  // Stored unplaced, for the pending job: the server's next start checks the campaign again.
  if (clusteredAtThreshold === null) {
    await db
      .update(campaigns)
      .set({ promptsPlaced: false })
      .where(and(eq(campaigns.id, campaign.id), eq(campaigns.promptsPlaced, true)));
  }
  const savedIds = new Set(saved.map((prompt) => prompt.turnId));
  const fresh = saved.map(({ turnId, prompt }) => {
    // Stored as int4: the same 32 bits, read as signed.
    const signature = new Int32Array(promptSignature(prompt).buffer);
    return { turnId, signature, bandKeys: promptBandKeys(campaign.id, signature) };
  });
  const stored = await db
    .select({
      turnId: promptSignatures.turnId,
      signature: promptSignatures.signature,
      bandKeys: promptSignatures.bandKeys,
      clusterTurnId: promptSignatures.clusterTurnId,
    })
    .from(promptSignatures)
    .where(
      and(
        eq(promptSignatures.campaignId, campaign.id),
        arrayOverlaps(promptSignatures.bandKeys, [...new Set(fresh.flatMap((prompt) => prompt.bandKeys))]),
        isCurrent,
      ),
    );

  const byBand = new Map<number, Signed[]>();
  const index = (prompt: Signed) => {
    for (const key of prompt.bandKeys) {
      const bucket = byBand.get(key);
      if (bucket) bucket.push(prompt);
      else byBand.set(key, [prompt]);
    }
  };
  for (const row of stored) {
    // A prompt saved again (a retried import) is not its own earlier duplicate.
    if (!savedIds.has(row.turnId)) index({ ...row, signature: Int32Array.from(row.signature) });
  }

  const placed = fresh.map((prompt) => {
    let best: { match: Signed; similarity: number } | null = null;
    for (const key of prompt.bandKeys) {
      for (const candidate of byBand.get(key) ?? []) {
        const similarity = estimatedJaccard(prompt.signature, candidate.signature);
        if (similarity >= campaign.nearDuplicateThreshold && (!best || similarity > best.similarity))
          best = { match: candidate, similarity };
      }
    }
    const signed = { ...prompt, clusterTurnId: best?.match.clusterTurnId ?? prompt.turnId };
    index(signed);
    return { ...signed, similarity: best?.similarity ?? null };
  });

  // Positions: the prompts each cluster held before this save, then this save's in order.
  const joined = [...new Set(placed.map((prompt) => prompt.clusterTurnId))].filter((id) => !savedIds.has(id));
  const sizes = new Map<string, number>();
  if (joined.length > 0) {
    const counted = await db
      .select({ clusterTurnId: promptSignatures.clusterTurnId, size: count() })
      .from(promptSignatures)
      .where(and(inArray(promptSignatures.clusterTurnId, joined), isCurrent))
      .groupBy(promptSignatures.clusterTurnId);
    for (const row of counted) sizes.set(row.clusterTurnId, row.size);
  }
  const rows = placed.map((prompt) => {
    const position = sizes.get(prompt.clusterTurnId) ?? 0;
    sizes.set(prompt.clusterTurnId, position + 1);
    return {
      turnId: prompt.turnId,
      campaignId: campaign.id,
      signature: Array.from(prompt.signature),
      bandKeys: prompt.bandKeys,
      clusterTurnId: prompt.clusterTurnId,
      clusterPosition: position,
      similarity: prompt.similarity,
      clusteredAtThreshold,
    };
  });
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await db
      .insert(promptSignatures)
      .values(rows.slice(i, i + INSERT_CHUNK))
      // A prompt saved again (a retried import) keeps its place; one waiting for the
      // re-clustering job takes the place found now.
      .onConflictDoUpdate({
        target: promptSignatures.turnId,
        set: {
          clusterTurnId: sql`excluded.cluster_turn_id`,
          clusterPosition: sql`excluded.cluster_position`,
          similarity: sql`excluded.similarity`,
          clusteredAtThreshold: sql`excluded.clustered_at_threshold`,
        },
        setWhere: sql`(${isCurrent}) is not true`,
      });
  }
  return rows.filter((row) => row.clusterPosition > 0).length;
}
