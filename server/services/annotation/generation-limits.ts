// The campaign's limits on what an annotator may make the model endpoints do: turns started per
// rolling hour and 24 hours, retries per turn and per hour, and turns generating at once. They
// are counted in the database inside the transaction that starts the work, under a lock per
// annotator, so parallel requests, several web instances and restarts all see the same count.
import { and, count, desc, eq, gt, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { conversations, generationRetries, responses, turns, type Campaign } from "@/db/schema";
import { TooManyRequestsError } from "@/server/errors";
import { waitValues } from "@/lib/server-errors";
import type { Actor } from "./access";

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** A pending or streaming response whose generator has not saved progress for this long is not
 * in flight: its process died (the generation hub fails such responses after 20 s). */
const IN_FLIGHT_FRESH_MS = 30_000;

/** Serializes the starts and retries of one annotator until the transaction ends. */
export async function lockAnnotatorGenerations(tx: Db, actor: Actor) {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`generation:${actor.id}`}))`);
}

const plural = (n: number, word: string) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;

/** "at 14:05 UTC (in 12 minutes)" */
function tryAgainAt(at: Date, now: Date) {
  const { unit, wait } = waitValues(at, now);
  return `at ${at.toISOString().slice(11, 16)} UTC (in ${plural(Number(wait), unit === "hours" ? "hour" : "minute")})`;
}

interface TurnWindow {
  limit: number;
  ms: number;
  span: string;
  name: "hour" | "day";
}

function turnWindows(campaign: Campaign): TurnWindow[] {
  return [
    { limit: campaign.turnsPerHour, ms: HOUR_MS, span: "hour", name: "hour" },
    { limit: campaign.turnsPerDay, ms: DAY_MS, span: "24 hours", name: "day" },
  ];
}

/** The limit-th most recent turn the actor started in the campaign within the window: while it
 * exists, the window is full. */
function windowEdge(tx: Db, campaign: Campaign, actor: Actor, window: TurnWindow, now: Date) {
  return tx
    .select({ createdAt: turns.createdAt })
    .from(turns)
    .innerJoin(conversations, eq(conversations.id, turns.conversationId))
    .where(
      and(
        eq(conversations.annotatorId, actor.id),
        eq(conversations.campaignId, campaign.id),
        gt(turns.createdAt, new Date(now.getTime() - window.ms)),
      ),
    )
    .orderBy(desc(turns.createdAt))
    .offset(window.limit - 1)
    .limit(1);
}

function turnLimitError(campaign: Campaign, window: TurnWindow, edge: Date, now: Date) {
  const at = new Date(edge.getTime() + window.ms);
  return new TooManyRequestsError(
    `You have sent ${plural(window.limit, "prompt")} in the last ${window.span} in "${campaign.name}", ` +
      `the campaign's limit. You can send again ${tryAgainAt(at, now)}.`,
    {
      key: "turnLimit",
      values: {
        count: window.limit,
        window: window.name,
        campaign: campaign.name,
        ...waitValues(at, now),
      },
    },
  );
}

/** The turns the actor has generating now, in any campaign (they may share one paid endpoint). */
function generatingTurns(tx: Db, actor: Actor, now: Date, exceptTurnId?: string) {
  return tx
    .select({ generating: count(sql`distinct ${responses.turnId}`) })
    .from(responses)
    .innerJoin(turns, eq(turns.id, responses.turnId))
    .innerJoin(conversations, eq(conversations.id, turns.conversationId))
    .where(
      and(
        eq(conversations.annotatorId, actor.id),
        inArray(responses.status, ["pending", "streaming"]),
        gt(
          sql`coalesce(${responses.progressAt}, ${responses.createdAt})`,
          new Date(now.getTime() - IN_FLIGHT_FRESH_MS),
        ),
        exceptTurnId ? sql`${responses.turnId} <> ${exceptTurnId}` : undefined,
      ),
    );
}

function requireUnderConcurrentLimit(campaign: Campaign, generating: number) {
  if (generating >= campaign.concurrentGenerations) {
    throw new TooManyRequestsError(
      `You already have ${plural(generating, "turn")} generating, the limit in "${campaign.name}" is ` +
        `${campaign.concurrentGenerations} at a time. Wait until those responses finish (or end that conversation), then send again.`,
      {
        key: "concurrentLimit",
        values: { count: generating, limit: campaign.concurrentGenerations, campaign: campaign.name },
      },
    );
  }
}

/**
 * Refuses a new turn when the annotator started the campaign's limit of turns in the last hour
 * or 24 hours (the answer says when the oldest of them leaves the window), or already has the
 * limit of turns generating. One statement, after lockAnnotatorGenerations: a new turn's path.
 */
export async function enforceStartLimits(tx: Db, campaign: Campaign, actor: Actor, now = new Date()) {
  const [hour, day] = turnWindows(campaign);
  const edgeOf = (window: TurnWindow) =>
    sql`(${windowEdge(tx, campaign, actor, window, now)})`.mapWith(turns.createdAt);
  const [row] = await tx
    .select({
      hourEdge: edgeOf(hour),
      dayEdge: edgeOf(day),
      generating: sql`(${generatingTurns(tx, actor, now)})`.mapWith(Number),
    })
    .from(sql`(select 1) as one`);
  if (row.hourEdge) throw turnLimitError(campaign, hour, row.hourEdge, now);
  if (row.dayEdge) throw turnLimitError(campaign, day, row.dayEdge, now);
  requireUnderConcurrentLimit(campaign, row.generating);
}

/** Refuses to start generating again (a retry) when the annotator already has the campaign's
 * limit of turns generating, other than this one, in any campaign. */
export async function enforceConcurrentGenerations(
  tx: Db,
  campaign: Campaign,
  actor: Actor,
  options: { exceptTurnId?: string; now?: Date } = {},
) {
  const [{ generating }] = await generatingTurns(tx, actor, options.now ?? new Date(), options.exceptTurnId);
  requireUnderConcurrentLimit(campaign, generating);
}

/** Refuses a retry beyond the campaign's limits per turn and per rolling hour. */
export async function enforceRetryLimits(
  tx: Db,
  campaign: Campaign,
  actor: Actor,
  turnId: string,
  now = new Date(),
) {
  const reportInstead =
    "Report a problem with this turn instead: the workspace then offers your prompt again in a new conversation.";
  const [{ done }] = await tx
    .select({ done: count() })
    .from(generationRetries)
    .where(eq(generationRetries.turnId, turnId));
  if (done >= campaign.retriesPerTurn) {
    throw new TooManyRequestsError(
      campaign.retriesPerTurn === 0
        ? `Retrying is turned off in "${campaign.name}". ${reportInstead}`
        : `This turn was already retried ${plural(done, "time")}, the limit in "${campaign.name}". ${reportInstead}`,
      campaign.retriesPerTurn === 0
        ? { key: "retriesOff", values: { campaign: campaign.name } }
        : { key: "retriesPerTurn", values: { count: done, campaign: campaign.name } },
    );
  }
  const [edge] = await tx
    .select({ createdAt: generationRetries.createdAt })
    .from(generationRetries)
    .where(
      and(
        eq(generationRetries.annotatorId, actor.id),
        eq(generationRetries.campaignId, campaign.id),
        gt(generationRetries.createdAt, new Date(now.getTime() - HOUR_MS)),
      ),
    )
    .orderBy(desc(generationRetries.createdAt))
    .offset(campaign.retriesPerHour - 1)
    .limit(1);
  if (edge) {
    const at = new Date(edge.createdAt.getTime() + HOUR_MS);
    throw new TooManyRequestsError(
      `You have retried ${plural(campaign.retriesPerHour, "generation")} in the last hour in "${campaign.name}", ` +
        `the campaign's limit. You can retry again ${tryAgainAt(at, now)}. ${reportInstead}`,
      {
        key: "retriesPerHour",
        values: { count: campaign.retriesPerHour, campaign: campaign.name, ...waitValues(at, now) },
      },
    );
  }
}
