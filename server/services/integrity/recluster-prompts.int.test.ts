// The re-clustering job places a campaign's opening prompts in their near-duplicate clusters
// again: prompts saved before signatures existed are signed, in dialogue order, each before the
// later ones, resumably and with progress; a threshold change re-flags every prompt through the
// queue; a prompt sent while the job is pending waits for it instead of being placed early.
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { campaigns, jobs, promptSignatures } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { createCampaign, createJudgeableTurn } from "@/server/testing/annotation-campaigns";
import { createAdmin, createAnnotator } from "@/server/testing/fixtures";
import { updateCampaign } from "../campaigns/update-campaign";
import { jobRegistry } from "../jobs/define-job";
import { startJobWorker } from "../jobs/job-worker";
import {
  queueUnplacedPrompts,
  reclusterCampaignPrompts,
  reclusterPromptsJob,
  requestPromptReclustering,
} from "./recluster-prompts";

let database: Database;

beforeAll(async () => {
  database = await createTestDb();
});
afterAll(async () => {
  await database?.close();
});

const ORIGINAL =
  "How do I keep basil alive on a north-facing windowsill through a Scottish winter? I water it " +
  "every other day, it sits next to a radiator, and the lower leaves keep going yellow.";
const OTHER = "Write a limerick about a cat who learns to play the trombone, for my niece's birthday card.";

async function sendOpeningPrompts(campaignId: string, prompts: string[]) {
  const turnIds: string[] = [];
  for (const message of prompts) {
    const { actor } = await createAnnotator(database.db);
    turnIds.push((await createJudgeableTurn(database.db, campaignId, actor, { message })).turnId);
  }
  return turnIds;
}

async function placements(campaignId: string) {
  const rows = await database.db
    .select({
      turnId: promptSignatures.turnId,
      clusterTurnId: promptSignatures.clusterTurnId,
      clusterPosition: promptSignatures.clusterPosition,
      clusteredAtThreshold: promptSignatures.clusteredAtThreshold,
    })
    .from(promptSignatures)
    .where(eq(promptSignatures.campaignId, campaignId));
  return new Map(rows.map(({ turnId, ...placement }) => [turnId, placement]));
}

const pendingJobs = (campaignId: string) =>
  database.db
    .select()
    .from(jobs)
    .where(and(eq(jobs.kind, reclusterPromptsJob.kind), eq(jobs.status, "queued")))
    .then((rows) => rows.filter((job) => (job.payload as { campaignId: string }).campaignId === campaignId));

const promptsPlaced = (campaignId: string) =>
  database.db
    .select({ promptsPlaced: campaigns.promptsPlaced })
    .from(campaigns)
    .where(eq(campaigns.id, campaignId))
    .then(([row]) => row.promptsPlaced);

describe("reclusterCampaignPrompts", () => {
  it("signs prompts saved before signatures existed, in order and resumably", async () => {
    const { campaign } = await createCampaign(database.db);
    const sent = await sendOpeningPrompts(campaign.id, [
      ORIGINAL,
      OTHER,
      `Hi! ${ORIGINAL}`,
      `${ORIGINAL.toUpperCase()} Thanks!`,
      `Quick question. ${OTHER}`,
    ]);
    const asSaved = await placements(campaign.id);
    expect(asSaved.get(sent[3])).toMatchObject({ clusterTurnId: sent[0], clusterPosition: 2 });
    // The three oldest were saved before signatures existed; the later two were flagged without them.
    await database.db.delete(promptSignatures).where(eq(promptSignatures.turnId, sent[0]));
    await database.db.delete(promptSignatures).where(eq(promptSignatures.turnId, sent[1]));
    await database.db.delete(promptSignatures).where(eq(promptSignatures.turnId, sent[2]));

    expect(await queueUnplacedPrompts(database.db)).toContain(campaign.id);
    expect(await queueUnplacedPrompts(database.db)).not.toContain(campaign.id); // already queued
    expect(await pendingJobs(campaign.id)).toHaveLength(1);

    // A run stopped after its first transaction (two prompts) …
    const stop = new AbortController();
    const progress: [number, number][] = [];
    const onProgress = async (done: number, total: number) => {
      progress.push([done, total]);
      if (done >= 2) stop.abort();
    };
    await expect(
      reclusterCampaignPrompts(database.db, campaign.id, { chunkSize: 2, signal: stop.signal, onProgress }),
    ).rejects.toThrow();
    expect(progress).toEqual([
      [0, 5],
      [2, 5],
    ]);
    const halfway = await placements(campaign.id);
    expect(halfway.get(sent[0])).toMatchObject({ clusterTurnId: sent[0], clusterPosition: 0 });
    expect(halfway.has(sent[2])).toBe(false);
    expect(halfway.get(sent[3])!.clusteredAtThreshold).toBeNull();

    // … while a prompt sent meanwhile waits for the job, …
    const [late] = await sendOpeningPrompts(campaign.id, [`${ORIGINAL} Please answer briefly.`]);
    expect((await placements(campaign.id)).get(late)!.clusteredAtThreshold).toBeNull();

    // … and the next run goes on from there.
    progress.length = 0;
    await reclusterCampaignPrompts(database.db, campaign.id, {
      chunkSize: 2,
      onProgress: async (done, total) => void progress.push([done, total]),
    });
    expect(progress[0]).toEqual([2, 6]);
    expect(progress.at(-1)).toEqual([6, 6]);
    const placed = await placements(campaign.id);
    for (const turnId of sent) {
      expect(placed.get(turnId)).toMatchObject({
        clusterTurnId: asSaved.get(turnId)!.clusterTurnId,
        clusterPosition: asSaved.get(turnId)!.clusterPosition,
      });
    }
    expect(placed.get(late)).toMatchObject({ clusterTurnId: sent[0], clusterPosition: 3 });
    expect([...placed.values()].every((row) => row.clusteredAtThreshold !== null)).toBe(true);
    expect(await promptsPlaced(campaign.id)).toBe(true);
  });

  it("looks at a campaign's prompts at a start only until they are all placed", async () => {
    const { campaign } = await createCampaign(database.db);
    const [first] = await sendOpeningPrompts(campaign.id, [ORIGINAL, OTHER]);
    expect(await promptsPlaced(campaign.id)).toBe(false); // not checked yet
    expect(await queueUnplacedPrompts(database.db)).not.toContain(campaign.id);
    expect(await promptsPlaced(campaign.id)).toBe(true);
    // Marked: a start reads none of its prompts, so a signature deleted behind the application's
    // back goes unnoticed …
    await database.db.delete(promptSignatures).where(eq(promptSignatures.turnId, first));
    expect(await queueUnplacedPrompts(database.db)).not.toContain(campaign.id);
    // … until placing is requested again (a threshold change does), which clears the mark; so
    // does a prompt stored unplaced while that job is pending.
    await database.db.transaction((tx) => requestPromptReclustering(tx, campaign.id));
    expect(await promptsPlaced(campaign.id)).toBe(false);
    await database.db.update(campaigns).set({ promptsPlaced: true }).where(eq(campaigns.id, campaign.id));
    await sendOpeningPrompts(campaign.id, [`${OTHER} Thanks!`]);
    expect(await promptsPlaced(campaign.id)).toBe(false);
    await reclusterCampaignPrompts(database.db, campaign.id);
    expect(await promptsPlaced(campaign.id)).toBe(true);
    expect((await placements(campaign.id)).get(first)).toMatchObject({
      clusterTurnId: first,
      clusterPosition: 0,
    });
  });

  it(
    "re-flags every prompt through the queue when the campaign's threshold changes",
    { timeout: 60_000 },
    async () => {
      const { campaign } = await createCampaign(database.db);
      const { actor: admin } = await createAdmin(database.db);
      const [original, greeted, copied] = await sendOpeningPrompts(campaign.id, [
        ORIGINAL,
        `Hi! ${ORIGINAL}`,
        ORIGINAL.toLowerCase(),
      ]);
      expect((await placements(campaign.id)).get(greeted)).toMatchObject({ clusterPosition: 1 });

      await updateCampaign(
        database.db,
        { campaignId: campaign.id, name: campaign.name, kind: campaign.kind, nearDuplicateThreshold: 1 },
        admin,
      );
      const [queued] = await pendingJobs(campaign.id);
      expect(queued).toBeDefined();
      const worker = await startJobWorker({
        db: database.db,
        registry: jobRegistry([reclusterPromptsJob]),
        pollMs: 50,
      });
      try {
        await expect
          .poll(async () => (await database.db.select().from(jobs).where(eq(jobs.id, queued.id)))[0].status, {
            timeout: 30_000,
          })
          .toBe("done");
      } finally {
        await worker.stop(0);
      }
      const [finished] = await database.db.select().from(jobs).where(eq(jobs.id, queued.id));
      expect(finished).toMatchObject({ progressDone: 3, progressTotal: 3 });
      const placed = await placements(campaign.id);
      expect(placed.get(original)).toMatchObject({ clusterTurnId: original, clusterPosition: 0 });
      expect(placed.get(greeted)).toMatchObject({ clusterTurnId: greeted, clusterPosition: 0 });
      expect(placed.get(copied)).toMatchObject({ clusterTurnId: original, clusterPosition: 1 });
    },
  );
});
