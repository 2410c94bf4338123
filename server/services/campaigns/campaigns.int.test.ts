// Campaign administration on a real database: create, edit, duplicate, pause, archive,
// guidelines versions, members, variants and batches, each recorded in the audit log.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import {
  auditLog,
  batches,
  campaignGuidelineVersions,
  campaignMembers,
  campaigns,
  modelVariants,
} from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { ConflictError, NotFoundError, ValidationError } from "@/server/errors";
import { submitComparison } from "@/server/services/annotation/submit-comparison";
import { createJudgeableTurn, newIdempotencyKey } from "@/server/testing/annotation-campaigns";
import { createAdmin, createAnnotator } from "@/server/testing/fixtures";
import { getCampaignOverview } from "./campaign-overview";
import { createCampaign } from "./create-campaign";
import { duplicateCampaign } from "./duplicate-campaign";
import { listGuidelineVersions, updateGuidelines } from "./guidelines";
import { listCampaigns } from "./list-campaigns";
import { closeBatch, openNextBatch } from "./open-next-batch";
import { createVariant, updateVariant } from "./save-variant";
import { setCampaignMembers } from "./set-campaign-members";
import { setCampaignStatus } from "./set-campaign-status";
import { updateCampaign } from "./update-campaign";

let database: Database;
let admin: Awaited<ReturnType<typeof createAdmin>>["actor"];

beforeAll(async () => {
  database = await createTestDb();
  admin = (await createAdmin(database.db)).actor;
});
afterAll(async () => {
  await database?.close();
});

let counter = 0;
const uniqueName = (prefix = "Campaign") => `${prefix} ${Date.now()}-${++counter}`;

async function lastAudit() {
  const [entry] = await database.db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(1);
  return entry;
}

const openAiVariant = (name: string) => ({
  name,
  endpointKind: "openai" as const,
  baseUrl: "http://127.0.0.1:9/v1",
  model: name,
});

/** A campaign with two variants and its first batch open: ready for annotators. */
async function collectingCampaign(kind: "helpfulness" | "safety" = "helpfulness") {
  const campaign = await createCampaign(database.db, { name: uniqueName(), kind }, admin);
  await createVariant(database.db, { campaignId: campaign.id, ...openAiVariant("a") }, admin);
  await createVariant(database.db, { campaignId: campaign.id, ...openAiVariant("b") }, admin);
  await openNextBatch(database.db, { campaignId: campaign.id }, admin);
  return campaign;
}

describe("createCampaign", () => {
  it("creates a draft with guidelines version 1 and records it", async () => {
    const campaign = await createCampaign(
      database.db,
      {
        name: uniqueName("Safety"),
        kind: "safety",
        guidelines: "# Be careful",
        overlapFraction: 0.1,
        dailyQuota: 50,
      },
      admin,
    );
    expect(campaign).toMatchObject({
      status: "draft",
      guidelinesVersion: 1,
      overlapFraction: 0.1,
      dailyQuota: 50,
    });
    const versions = await database.db
      .select()
      .from(campaignGuidelineVersions)
      .where(eq(campaignGuidelineVersions.campaignId, campaign.id));
    expect(versions).toMatchObject([{ version: 1, guidelines: "# Be careful" }]);
    expect(await lastAudit()).toMatchObject({
      action: "campaign.created",
      targetId: campaign.id,
      actorId: admin.id,
    });
  });

  it("refuses a taken name and out-of-range settings with sentences that say what to fix", async () => {
    const name = uniqueName();
    await createCampaign(database.db, { name, kind: "helpfulness" }, admin);
    await expect(
      createCampaign(database.db, { name: ` ${name} `, kind: "helpfulness" }, admin),
    ).rejects.toThrow(new ConflictError(`A campaign named "${name}" already exists. Choose another name.`));
    await expect(
      createCampaign(database.db, { name: uniqueName(), kind: "helpfulness", overlapFraction: 1.5 }, admin),
    ).rejects.toThrow(/between 0% and 100%/);
    await expect(
      createCampaign(database.db, { name: uniqueName(), kind: "helpfulness", responsesPerTurn: 5 }, admin),
    ).rejects.toThrow(/2 \(a pair\) to 4/);
  });

  it("keeps the chosen members when membership is selected", async () => {
    const { user } = await createAnnotator(database.db);
    const campaign = await createCampaign(
      database.db,
      { name: uniqueName(), kind: "helpfulness", membership: "selected", memberIds: [user.id] },
      admin,
    );
    const members = await database.db
      .select()
      .from(campaignMembers)
      .where(eq(campaignMembers.campaignId, campaign.id));
    expect(members.map((member) => member.userId)).toEqual([user.id]);
  });
});

describe("updateCampaign", () => {
  it("records what changed", async () => {
    const campaign = await createCampaign(database.db, { name: uniqueName(), kind: "helpfulness" }, admin);
    const updated = await updateCampaign(
      database.db,
      { campaignId: campaign.id, name: campaign.name, kind: "helpfulness", maxTurns: 3, goldFraction: 0.05 },
      admin,
    );
    expect(updated).toMatchObject({ maxTurns: 3, goldFraction: 0.05 });
    expect((await lastAudit()).details).toEqual({
      maxTurns: { from: 6, to: 3 },
      goldFraction: { from: 0, to: 0.05 },
    });
  });

  it("fixes the kind once the campaign has comparisons", async () => {
    const campaign = await collectingCampaign();
    const { actor } = await createAnnotator(database.db);
    const turn = await createJudgeableTurn(database.db, campaign.id, actor);
    await submitComparison(
      database.db,
      {
        turnId: turn.turnId,
        idempotencyKey: newIdempotencyKey(),
        ranking: turn.responses.map((response) => response.id),
        strength: "better",
        timeSpentMs: 5000,
      },
      actor,
    );
    await expect(
      updateCampaign(database.db, { campaignId: campaign.id, name: campaign.name, kind: "safety" }, admin),
    ).rejects.toThrow(/cannot change once a campaign has comparisons/);
  });
});

describe("campaign status", () => {
  it("pauses, resumes, archives and restores; archived campaigns cannot be edited", async () => {
    const campaign = await collectingCampaign();
    expect(
      (await setCampaignStatus(database.db, { campaignId: campaign.id, action: "pause" }, admin)).status,
    ).toBe("paused");
    expect((await lastAudit()).action).toBe("campaign.paused");
    expect(
      (await setCampaignStatus(database.db, { campaignId: campaign.id, action: "resume" }, admin)).status,
    ).toBe("active");
    const archived = await setCampaignStatus(
      database.db,
      { campaignId: campaign.id, action: "archive" },
      admin,
    );
    expect(archived.status).toBe("archived");
    expect(archived.archivedAt).toBeInstanceOf(Date);
    await expect(
      updateGuidelines(database.db, { campaignId: campaign.id, guidelines: "new", baseVersion: 1 }, admin),
    ).rejects.toThrow(/archived/);
    expect(
      (await setCampaignStatus(database.db, { campaignId: campaign.id, action: "restore" }, admin)).status,
    ).toBe("paused");
  });

  it("cannot resume without an open batch, nor pause a draft", async () => {
    const campaign = await collectingCampaign();
    await closeBatch(database.db, { campaignId: campaign.id }, admin);
    await setCampaignStatus(database.db, { campaignId: campaign.id, action: "pause" }, admin);
    await expect(
      setCampaignStatus(database.db, { campaignId: campaign.id, action: "resume" }, admin),
    ).rejects.toThrow(/Open a batch/);
    const draft = await createCampaign(database.db, { name: uniqueName(), kind: "helpfulness" }, admin);
    await expect(
      setCampaignStatus(database.db, { campaignId: draft.id, action: "pause" }, admin),
    ).rejects.toThrow(/Open its first batch/);
  });

  it("lists campaigns without archived ones unless asked", async () => {
    const campaign = await collectingCampaign();
    await setCampaignStatus(database.db, { campaignId: campaign.id, action: "archive" }, admin);
    const listed = await listCampaigns(database.db, { search: campaign.name });
    expect(listed.items).toEqual([]);
    const all = await listCampaigns(database.db, { search: campaign.name, status: "all" });
    expect(all.items).toMatchObject([{ id: campaign.id, status: "archived", openBatch: { number: 1 } }]);
  });
});

describe("guidelines", () => {
  it("adds a version per edit and refuses an edit based on an old version", async () => {
    const campaign = await createCampaign(
      database.db,
      { name: uniqueName(), kind: "helpfulness", guidelines: "v1" },
      admin,
    );
    expect(
      await updateGuidelines(
        database.db,
        { campaignId: campaign.id, guidelines: "v2", baseVersion: 1 },
        admin,
      ),
    ).toEqual({
      version: 2,
      changed: true,
    });
    await expect(
      updateGuidelines(database.db, { campaignId: campaign.id, guidelines: "lost?", baseVersion: 1 }, admin),
    ).rejects.toThrow(ConflictError);
    const versions = await listGuidelineVersions(database.db, { campaignId: campaign.id });
    expect(versions.items.map((version) => [version.version, version.guidelines])).toEqual([
      [2, "v2"],
      [1, "v1"],
    ]);
    const [row] = await database.db.select().from(campaigns).where(eq(campaigns.id, campaign.id));
    expect(row).toMatchObject({ guidelines: "v2", guidelinesVersion: 2 });
  });
});

describe("members", () => {
  it("switches between everyone and chosen members", async () => {
    const campaign = await createCampaign(database.db, { name: uniqueName(), kind: "helpfulness" }, admin);
    const { user: first } = await createAnnotator(database.db);
    const { user: second } = await createAnnotator(database.db);
    await setCampaignMembers(
      database.db,
      { campaignId: campaign.id, membership: "selected", memberIds: [first.id, second.id] },
      admin,
    );
    expect((await lastAudit()).details).toEqual({ membership: "selected", added: 2, removed: 0 });
    await setCampaignMembers(
      database.db,
      { campaignId: campaign.id, membership: "selected", memberIds: [second.id] },
      admin,
    );
    const overview = await getCampaignOverview(database.db, { campaignId: campaign.id });
    expect(overview.members.map((member) => member.id)).toEqual([second.id]);
    await expect(
      setCampaignMembers(
        database.db,
        {
          campaignId: campaign.id,
          membership: "selected",
          memberIds: ["00000000-0000-4000-8000-000000000000"],
        },
        admin,
      ),
    ).rejects.toThrow(/do not exist/);
  });
});

describe("variants", () => {
  it("validates the endpoint: a URL for OpenAI-compatible servers, an existing .gguf for local ones", async () => {
    const campaign = await createCampaign(database.db, { name: uniqueName(), kind: "helpfulness" }, admin);
    await expect(
      createVariant(
        database.db,
        { campaignId: campaign.id, name: "x", endpointKind: "openai", model: "m" },
        admin,
      ),
    ).rejects.toThrow(/needs the server's URL/);
    await expect(
      createVariant(
        database.db,
        { campaignId: campaign.id, name: "x", endpointKind: "openai", baseUrl: "ftp://x", model: "m" },
        admin,
      ),
    ).rejects.toThrow(/http:\/\/ or https:\/\//);
    await expect(
      createVariant(
        database.db,
        { campaignId: campaign.id, name: "x", endpointKind: "local", modelPath: "/nowhere/model.gguf" },
        admin,
      ),
    ).rejects.toThrow(/no model file "\/nowhere\/model.gguf" in the model folders/);
    await expect(
      createVariant(
        database.db,
        {
          campaignId: campaign.id,
          name: "x",
          endpointKind: "openai",
          baseUrl: "http://h/v1",
          model: "m",
          apiKeyEnv: "not a name",
        },
        admin,
      ),
    ).rejects.toThrow(/environment variable name/);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-variant-"));
    const file = path.join(dir, "m.gguf");
    fs.writeFileSync(file, "GGUF");
    const local = await createVariant(
      database.db,
      { campaignId: campaign.id, name: "local", endpointKind: "local", modelPath: file, temperature: 0.2 },
      admin,
      [dir],
    );
    expect(local).toMatchObject({
      endpointKind: "local",
      modelPath: file,
      temperature: 0.2,
      versionLabel: "v1",
    });
    await expect(
      createVariant(database.db, { campaignId: campaign.id, name: "local", endpointKind: "local" }, admin),
    ).rejects.toThrow(/already has a variant named "local"/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reports a version change and the version the open batch recorded", async () => {
    const campaign = await collectingCampaign();
    const [variant] = await database.db
      .select()
      .from(modelVariants)
      .where(eq(modelVariants.campaignId, campaign.id));
    const result = await updateVariant(
      database.db,
      { variantId: variant.id, ...openAiVariant(variant.name), versionLabel: "v2" },
      admin,
    );
    expect(result).toMatchObject({ versionChanged: true, batchVersion: "v1" });
    expect((await lastAudit()).details).toMatchObject({ versionLabel: { from: "v1", to: "v2" } });
    await expect(
      updateVariant(database.db, { variantId: campaign.id, ...openAiVariant("x") }, admin),
    ).rejects.toThrow(NotFoundError);
  });
});

describe("batches", () => {
  it("needs two active variants, activates a draft, and records the versions", async () => {
    const campaign = await createCampaign(database.db, { name: uniqueName(), kind: "helpfulness" }, admin);
    const a = await createVariant(database.db, { campaignId: campaign.id, ...openAiVariant("a") }, admin);
    await expect(openNextBatch(database.db, { campaignId: campaign.id }, admin)).rejects.toThrow(
      ValidationError,
    );
    const b = await createVariant(
      database.db,
      { campaignId: campaign.id, ...openAiVariant("b"), versionLabel: "v7" },
      admin,
    );
    const { batch } = await openNextBatch(database.db, { campaignId: campaign.id, label: "Week 1" }, admin);
    expect(batch).toMatchObject({
      number: 1,
      label: "Week 1",
      status: "open",
      variantVersions: { [a.id]: "v1", [b.id]: "v7" },
    });
    const [row] = await database.db.select().from(campaigns).where(eq(campaigns.id, campaign.id));
    expect(row.status).toBe("active");
  });

  it("closes the current batch when it opens the next, keeping one open batch", async () => {
    const campaign = await collectingCampaign();
    const { batch: second, closedBatch } = await openNextBatch(
      database.db,
      { campaignId: campaign.id },
      admin,
    );
    expect(closedBatch).toMatchObject({ number: 1, status: "closed", closedById: admin.id });
    expect(second).toMatchObject({ number: 2, label: "Batch 2" });
    const open = await database.db
      .select()
      .from(batches)
      .where(and(eq(batches.campaignId, campaign.id), eq(batches.status, "open")));
    expect(open.map((batch) => batch.number)).toEqual([2]);
    const actions = (await database.db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(2)).map(
      (entry) => entry.action,
    );
    expect(actions).toEqual(["batch.opened", "batch.closed"]);
    await closeBatch(database.db, { campaignId: campaign.id }, admin);
    await expect(closeBatch(database.db, { campaignId: campaign.id }, admin)).rejects.toThrow(
      /No batch is open/,
    );
  });
});

describe("duplicateCampaign", () => {
  it("copies settings, guidelines, members and variants into a new draft", async () => {
    const { user } = await createAnnotator(database.db);
    const source = await createCampaign(
      database.db,
      {
        name: uniqueName(),
        kind: "safety",
        guidelines: "Rules",
        membership: "selected",
        memberIds: [user.id],
        overlapFraction: 0.2,
      },
      admin,
    );
    await createVariant(database.db, { campaignId: source.id, ...openAiVariant("a") }, admin);
    const copy = await duplicateCampaign(
      database.db,
      { campaignId: source.id, name: uniqueName("Copy") },
      admin,
    );
    expect(copy).toMatchObject({
      kind: "safety",
      status: "draft",
      guidelines: "Rules",
      overlapFraction: 0.2,
      membership: "selected",
    });
    const overview = await getCampaignOverview(database.db, { campaignId: copy.id });
    expect(overview.variants.map((variant) => variant.name)).toEqual(["a"]);
    expect(overview.members.map((member) => member.id)).toEqual([user.id]);
    expect(overview.batches).toEqual([]);
    await expect(
      duplicateCampaign(database.db, { campaignId: source.id, name: source.name }, admin),
    ).rejects.toThrow(ConflictError);
  });
});
