// The Integrity tab's report: computed in the background (the competence fit and the bootstrap
// take seconds on a large campaign, so never on a page request) and stored, so the tab reads the
// latest one. Arbiter has no job queue yet: the run starts in the requesting server process after
// the request has answered, and a run that has not finished in STALE_AFTER_MS (its process died)
// no longer blocks a new request.
import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { integrityReports } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { findCampaign } from "../campaigns/campaign-access";
import { analyzeCampaignIntegrity } from "./analyze-integrity";

const STALE_AFTER_MS = 15 * 60 * 1000;

export const IntegrityReportInput = z.object({ campaignId: z.uuid("That is not a valid campaign id.") });
export type IntegrityReportInput = z.infer<typeof IntegrityReportInput>;

export type IntegrityReportContent = Awaited<ReturnType<typeof analyzeCampaignIntegrity>>;

/** Runs background work after the caller has answered; tests pass one that keeps the promise. */
export type Schedule = (work: () => Promise<void>) => void;

const inBackground: Schedule = (work) => {
  setImmediate(() => void work());
};

/** Computes a requested report and stores the outcome. */
export async function runIntegrityReport(db: Db, reportId: string, campaignId: string) {
  try {
    const report = await analyzeCampaignIntegrity(db, { campaignId });
    await db
      .update(integrityReports)
      .set({ status: "done", report, finishedAt: new Date() })
      .where(eq(integrityReports.id, reportId));
  } catch (error) {
    await db
      .update(integrityReports)
      .set({
        status: "failed",
        error: `The report could not be computed: ${(error as Error).message}`,
        finishedAt: new Date(),
      })
      .where(eq(integrityReports.id, reportId));
  }
}

/** Starts a report unless one is already running for the campaign; returns the running one. */
export async function requestIntegrityReport(
  db: Db,
  rawInput: IntegrityReportInput,
  actor: SessionUser,
  schedule: Schedule = inBackground,
) {
  const input = IntegrityReportInput.parse(rawInput);
  const { report, started } = await db.transaction(async (tx) => {
    await findCampaign(tx, input.campaignId, { lock: true });
    const [running] = await tx
      .select()
      .from(integrityReports)
      .where(and(eq(integrityReports.campaignId, input.campaignId), eq(integrityReports.status, "running")))
      .orderBy(desc(integrityReports.startedAt))
      .limit(1);
    if (running && Date.now() - running.startedAt.getTime() < STALE_AFTER_MS) {
      return { report: running, started: false };
    }
    const [created] = await tx
      .insert(integrityReports)
      .values({ campaignId: input.campaignId, requestedById: actor.id })
      .returning();
    return { report: created, started: true };
  });
  if (started) schedule(() => runIntegrityReport(db, report.id, input.campaignId));
  return { id: report.id, status: report.status, startedAt: report.startedAt };
}

/** The latest run's state, and the latest finished report (from an earlier run while one runs). */
export async function getIntegrityReport(db: Db, rawInput: IntegrityReportInput) {
  const input = IntegrityReportInput.parse(rawInput);
  const campaign = await findCampaign(db, input.campaignId);
  const [latest] = await db
    .select({
      id: integrityReports.id,
      status: integrityReports.status,
      error: integrityReports.error,
      startedAt: integrityReports.startedAt,
      finishedAt: integrityReports.finishedAt,
    })
    .from(integrityReports)
    .where(eq(integrityReports.campaignId, campaign.id))
    .orderBy(desc(integrityReports.startedAt))
    .limit(1);
  const [done] = await db
    .select({ report: integrityReports.report, finishedAt: integrityReports.finishedAt })
    .from(integrityReports)
    .where(and(eq(integrityReports.campaignId, campaign.id), eq(integrityReports.status, "done")))
    .orderBy(desc(integrityReports.startedAt))
    .limit(1);
  return {
    campaign: { id: campaign.id, name: campaign.name },
    latest: latest ?? null,
    report: (done?.report ?? null) as IntegrityReportContent | null,
    computedAt: done?.finishedAt ?? null,
  };
}
