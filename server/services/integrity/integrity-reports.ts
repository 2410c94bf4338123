// The Integrity tab's report: computed by a queued job (server/services/jobs; the competence fit
// and the bootstrap take seconds on a large campaign, so never on a page request) and stored, so
// the tab reads the latest one while a new one is computed. The job records its progress; its
// status and last error are the run's.
import { and, desc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { integrityReports, jobs } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { findCampaign } from "../campaigns/campaign-access";
import { defineJob } from "../jobs/define-job";
import { enqueueJob } from "../jobs/enqueue-job";
import { emitWebhookEvent } from "../webhooks/deliver-webhook";
import { analyzeCampaignIntegrity } from "./analyze-integrity";

export const IntegrityReportInput = z.object({ campaignId: z.uuid("That is not a valid campaign id.") });
export type IntegrityReportInput = z.infer<typeof IntegrityReportInput>;

export type IntegrityReportContent = Awaited<ReturnType<typeof analyzeCampaignIntegrity>>;

const computeFailure = (reason: string) =>
  `The report could not be computed: ${reason.replace(/\.$/, "")}. Compute it again.`;

export const integrityReportJob = defineJob({
  kind: "integrity-report",
  payload: z.object({ reportId: z.uuid() }),
  // The analysis is deterministic: a second try only helps when the first one's worker died.
  maxAttempts: 2,
  // The run's record says so itself, so the tab's state does not depend on the job row (which
  // the retention sweep deletes in time).
  async onGiveUp({ reportId }, { db, reason }) {
    await db
      .update(integrityReports)
      .set({ status: "failed", error: computeFailure(reason), finishedAt: new Date() })
      .where(and(eq(integrityReports.id, reportId), eq(integrityReports.status, "running")));
  },
  async run({ reportId }, context) {
    const [requested] = await context.db
      .select({ campaignId: integrityReports.campaignId })
      .from(integrityReports)
      .where(eq(integrityReports.id, reportId));
    if (!requested) return; // the campaign was deleted meanwhile
    const report = await analyzeCampaignIntegrity(
      context.db,
      { campaignId: requested.campaignId },
      async (done, total) => {
        context.signal.throwIfAborted();
        await context.progress(done, total);
      },
    );
    const flagged = report.annotators
      .filter((annotator) => annotator.flags.length > 0)
      .map(({ annotatorId, flags, reasons }) => ({ annotatorId, flags, reasons }));
    await context.db.transaction(async (tx) => {
      await tx
        .update(integrityReports)
        .set({ status: "done", report, finishedAt: new Date() })
        .where(eq(integrityReports.id, reportId));
      if (flagged.length > 0) {
        await emitWebhookEvent(tx, requested.campaignId, "annotator.flagged", {
          reportId,
          annotators: flagged,
        });
      }
    });
  },
});

/** Queues a report unless one is already queued or running for the campaign; returns that run. */
export async function requestIntegrityReport(db: Db, rawInput: IntegrityReportInput, actor: SessionUser) {
  const input = IntegrityReportInput.parse(rawInput);
  const report = await db.transaction(async (tx) => {
    await findCampaign(tx, input.campaignId, { lock: true });
    const [pending] = await tx
      .select({ report: integrityReports })
      .from(integrityReports)
      .innerJoin(jobs, eq(jobs.id, integrityReports.jobId))
      .where(
        and(eq(integrityReports.campaignId, input.campaignId), inArray(jobs.status, ["queued", "running"])),
      )
      .orderBy(desc(integrityReports.startedAt))
      .limit(1);
    if (pending) return pending.report;
    const reportId = crypto.randomUUID();
    const job = await enqueueJob(tx, integrityReportJob, { reportId });
    const [created] = await tx
      .insert(integrityReports)
      .values({ id: reportId, campaignId: input.campaignId, requestedById: actor.id, jobId: job.id })
      .returning();
    return created;
  });
  return { id: report.id, startedAt: report.startedAt };
}

/** What the tab shows of a run: its job's state, or how the run ended. */
function runState(run: {
  reportStatus: "running" | "done" | "failed";
  reportError: string | null;
  jobStatus: "queued" | "running" | "done" | "failed" | null;
  jobError: string | null;
}): { status: "queued" | "running" | "done" | "failed"; error: string | null } {
  if (run.reportStatus !== "running") return { status: run.reportStatus, error: run.reportError };
  if (run.jobStatus === "queued" || run.jobStatus === "running")
    return { status: run.jobStatus, error: null };
  return { status: "failed", error: computeFailure(run.jobError ?? "its run was interrupted") };
}

/** The latest run's state, and the latest finished report (from an earlier run while one runs). */
export async function getIntegrityReport(db: Db, rawInput: IntegrityReportInput) {
  const input = IntegrityReportInput.parse(rawInput);
  const campaign = await findCampaign(db, input.campaignId);
  const [latest] = await db
    .select({
      id: integrityReports.id,
      reportStatus: integrityReports.status,
      reportError: integrityReports.error,
      jobStatus: jobs.status,
      jobError: jobs.error,
      progressDone: jobs.progressDone,
      progressTotal: jobs.progressTotal,
      startedAt: integrityReports.startedAt,
      finishedAt: integrityReports.finishedAt,
    })
    .from(integrityReports)
    .leftJoin(jobs, eq(jobs.id, integrityReports.jobId))
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
    latest: latest
      ? {
          id: latest.id,
          ...runState(latest),
          progress: { done: latest.progressDone ?? 0, total: latest.progressTotal },
          startedAt: latest.startedAt,
          finishedAt: latest.finishedAt,
        }
      : null,
    report: (done?.report ?? null) as IntegrityReportContent | null,
    computedAt: done?.finishedAt ?? null,
  };
}
