// Participants of a campaign's study links, for paying them: the platform's ids, how far they
// got, comparisons submitted and time worked. Admin-only; the admin tab offers it as CSV.
import { asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { comparisons, crowdLinks, crowdParticipants } from "@/db/schema";

/** More than any one study's participants; the answer says when it stopped there. */
export const PARTICIPANTS_LIMIT = 5000;

export const ListParticipantsInput = z.object({ campaignId: z.uuid("That is not a valid campaign id.") });

export async function listParticipants(db: Db, rawInput: z.input<typeof ListParticipantsInput>) {
  const input = ListParticipantsInput.parse(rawInput);
  const work = db
    .select({
      annotatorId: comparisons.annotatorId,
      comparisons: sql<number>`count(*)::int`.as("comparisons"),
      activeMs: sql<number>`coalesce(sum(${comparisons.timeSpentMs}), 0)::bigint`.as("active_ms"),
      lastAt: sql<Date>`max(${comparisons.createdAt})`.as("last_at"),
    })
    .from(comparisons)
    .where(eq(comparisons.campaignId, input.campaignId))
    .groupBy(comparisons.annotatorId)
    .as("work");
  const rows = await db
    .select({
      platform: crowdParticipants.platform,
      participantId: crowdParticipants.participantId,
      studyId: crowdParticipants.studyId,
      sessionId: crowdParticipants.sessionId,
      link: crowdLinks.name,
      firstSeenAt: crowdParticipants.firstSeenAt,
      passedAt: crowdParticipants.passedAt,
      failedAt: crowdParticipants.failedAt,
      completedAt: crowdParticipants.completedAt,
      comprehensionAttempts: crowdParticipants.comprehensionAttemptsUsed,
      comparisons: sql<number>`coalesce(${work.comparisons}, 0)`.mapWith(Number),
      activeMs: sql<number>`coalesce(${work.activeMs}, 0)`.mapWith(Number),
      lastComparisonAt: sql<string | null>`${work.lastAt}`,
    })
    .from(crowdParticipants)
    .innerJoin(crowdLinks, eq(crowdLinks.id, crowdParticipants.linkId))
    .leftJoin(work, eq(work.annotatorId, crowdParticipants.userId))
    .where(eq(crowdParticipants.campaignId, input.campaignId))
    .orderBy(asc(crowdParticipants.firstSeenAt), asc(crowdParticipants.id))
    .limit(PARTICIPANTS_LIMIT + 1);
  return {
    participants: rows.slice(0, PARTICIPANTS_LIMIT).map(({ activeMs, lastComparisonAt, ...row }) => {
      const end = row.completedAt ?? (lastComparisonAt ? new Date(lastComparisonAt) : null);
      return {
        ...row,
        /** Time on the comparisons themselves (each from its responses on screen to its submit). */
        activeSeconds: Math.round(activeMs / 1000),
        /** From opening the link to completing (or the last comparison). */
        elapsedSeconds: end ? Math.max(0, Math.round((end.getTime() - row.firstSeenAt.getTime()) / 1000)) : 0,
      };
    }),
    isTruncated: rows.length > PARTICIPANTS_LIMIT,
  };
}
