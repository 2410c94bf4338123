// Reported turns on a real database: the admin's list shows the report, the campaign, the
// prompt and each response with its variant and error; resolving closes it with a reply.
import { desc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, responses } from "@/db/schema";
import { NotFoundError } from "@/server/errors";
import { reportProblem } from "@/server/services/annotation/report-problem";
import { createJudgeableTurn } from "@/server/testing/annotation-campaigns";
import { createAnnotator } from "@/server/testing/fixtures";
import { createCollectingCampaign } from "@/server/testing/quality-campaigns";
import { setUpAdminDb } from "@/server/testing/test-db";
import { listProblemReports } from "./list-problem-reports";
import { resolveProblemReport } from "./resolve-problem-report";

const world = setUpAdminDb();

describe("reported turns", () => {
  it("lists an open report with its turn and responses, and closes it with a reply", async () => {
    const campaign = await createCollectingCampaign(world.db, world.admin);
    const annotator = (await createAnnotator(world.db)).actor;
    const turn = await createJudgeableTurn(world.db, campaign.id, annotator, { message: "Write a haiku" });
    const [failed] = [...turn.responses].sort((a, b) => a.position - b.position);
    await world.db
      .update(responses)
      .set({ status: "failed", error: "The endpoint answered 500.", text: "" })
      .where(eq(responses.id, failed.id));
    const { reportId } = await reportProblem(
      world.db,
      { turnId: turn.turnId, kind: "failed", note: "A is blank" },
      annotator,
    );

    const open = await listProblemReports(world.db, { campaignId: campaign.id });
    expect(open.total).toBe(1);
    const [report] = open.items;
    expect(report).toMatchObject({
      id: reportId,
      kind: "failed",
      note: "A is blank",
      campaignName: campaign.name,
      annotatorEmail: annotator.email,
      userMessage: "Write a haiku",
      resolvedAt: null,
    });
    expect(
      report.responses.map((response) => [response.variantName, response.status, response.error]),
    ).toEqual([
      [expect.any(String), "failed", "The endpoint answered 500."],
      [expect.any(String), "completed", null],
    ]);

    const resolved = await resolveProblemReport(
      world.db,
      { reportId, reply: "The server was restarted; please try the prompt again." },
      world.admin,
    );
    expect(resolved.resolvedAt).toBeInstanceOf(Date);
    expect((await listProblemReports(world.db, { campaignId: campaign.id })).total).toBe(0);
    const closed = await listProblemReports(world.db, { campaignId: campaign.id, state: "resolved" });
    expect(closed.items).toMatchObject([
      {
        id: reportId,
        reply: "The server was restarted; please try the prompt again.",
        resolvedByEmail: world.admin.email,
      },
    ]);
    const [entry] = await world.db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(1);
    expect(entry).toMatchObject({ action: "problem_report.resolved", targetId: reportId });

    // A second resolution (another admin, a double click) keeps the first.
    const again = await resolveProblemReport(world.db, { reportId, reply: "Other words" }, world.admin);
    expect(again.reply).toBe("The server was restarted; please try the prompt again.");
  });

  it("says when a report does not exist", async () => {
    await expect(
      resolveProblemReport(world.db, { reportId: "00000000-0000-4000-8000-000000000000" }, world.admin),
    ).rejects.toThrow(NotFoundError);
  });
});
