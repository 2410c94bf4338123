// What an annotator hears back: the admins' replies to their problem reports beside the
// reviews of their work, and how much of it is new since they last opened their feedback (the
// navigation's badge). Who resolved a report stays hidden, as who reviewed does.
import { and, count, desc, eq, gt, isNotNull, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { queryRows } from "@/db/query-rows";
import { campaigns, problemReports, reviews, turns, users } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { offsetOf, PageInput, toPage } from "../pagination";

export const ListMyProblemReportsInput = PageInput;

/** The annotator's own problem reports, newest first, each with its state and the admin's reply. */
export async function listMyProblemReports(
  db: Db,
  rawInput: PageInput | undefined,
  actor: Pick<SessionUser, "id">,
) {
  const input = ListMyProblemReportsInput.parse(rawInput ?? {});
  const rows = await db
    .select({
      id: problemReports.id,
      kind: problemReports.kind,
      note: problemReports.note,
      createdAt: problemReports.createdAt,
      resolvedAt: problemReports.resolvedAt,
      reply: problemReports.reply,
      campaignName: campaigns.name,
      userMessage: sql<string>`left(${turns.userMessage}, 200)`,
    })
    .from(problemReports)
    .innerJoin(campaigns, eq(campaigns.id, problemReports.campaignId))
    .innerJoin(turns, eq(turns.id, problemReports.turnId))
    .where(eq(problemReports.annotatorId, actor.id))
    .orderBy(desc(problemReports.createdAt), desc(problemReports.id))
    .limit(input.pageSize)
    .offset(offsetOf(input));
  const [{ total }] = await db
    .select({ total: count() })
    .from(problemReports)
    .where(eq(problemReports.annotatorId, actor.id));
  return toPage(rows, total, input);
}

async function feedbackSeenAt(db: Db, userId: string) {
  const [user] = await db
    .select({ feedbackSeenAt: users.feedbackSeenAt })
    .from(users)
    .where(eq(users.id, userId));
  return user?.feedbackSeenAt ?? null;
}

/** The navigation's badge shows up to this many, then "99+". */
export const NEW_FEEDBACK_SHOWN_MAX = 99;

/**
 * Reviews of the annotator's work and replies to their reports since they last looked, each
 * counted up to one past NEW_FEEDBACK_SHOWN_MAX. Every page's header asks, so it is one statement
 * that reads through the annotator's indexes only what is new, and stops counting past the badge.
 */
export async function countNewFeedback(db: Db, actor: Pick<SessionUser, "id">) {
  const seenAt = sql`coalesce((select ${users.feedbackSeenAt} from ${users} where ${users.id} = ${actor.id}), '-infinity'::timestamptz)`;
  const limit = NEW_FEEDBACK_SHOWN_MAX + 1;
  const newReviews = db
    .select({ id: reviews.id })
    .from(reviews)
    .where(and(eq(reviews.annotatorId, actor.id), gt(reviews.createdAt, seenAt)))
    .limit(limit);
  const newReplies = db
    .select({ id: problemReports.id })
    .from(problemReports)
    .where(
      and(
        eq(problemReports.annotatorId, actor.id),
        isNotNull(problemReports.resolvedAt),
        gt(problemReports.resolvedAt, seenAt),
      ),
    )
    .limit(limit);
  const [counts] = await queryRows<{ reviews: number; replies: number }>(
    db,
    sql`select (select count(*) from (${newReviews}) as new_reviews)::int as reviews,
               (select count(*) from (${newReplies}) as new_replies)::int as replies`,
  );
  return { ...counts, total: counts.reviews + counts.replies };
}

/** Opening the feedback marks it read (by the database's clock, which stamps reviews and
 * replies too); returns when it was last read before (null: never), so the page can mark what
 * is new. */
export async function markFeedbackSeen(db: Db, actor: Pick<SessionUser, "id">) {
  const previous = await feedbackSeenAt(db, actor.id);
  await db
    .update(users)
    .set({ feedbackSeenAt: sql`now()` })
    .where(eq(users.id, actor.id));
  return { previouslySeenAt: previous };
}
