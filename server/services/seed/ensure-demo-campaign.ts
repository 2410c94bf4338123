// First start: a demo helpfulness campaign with two variants of the default model (temperatures
// 0.7 and 1.0), its first batch open and the admin added, so whoever runs `npm start` can
// annotate at once. Seeded once per database: an audit entry remembers it, so a demo the admin
// archived or deleted does not come back.
import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import {
  auditLog,
  batches,
  campaignGuidelineVersions,
  campaignMembers,
  campaigns,
  modelVariants,
  users,
} from "@/db/schema";
import { recordAudit } from "../audit/record-audit";

export const DEMO_CAMPAIGN_NAME = "Demo: helpfulness";

const DEMO_GUIDELINES = `# Helpfulness: compare two responses

You write a prompt — a question or instruction you would give an assistant — and two responses
appear side by side.

1. **Write a varied prompt.** Ask for explanations, advice, code, a story, a plan. Multi-turn
   dialogues are welcome: after you submit, you can continue the conversation.
2. **Pick the better response** (the one that answers your prompt more helpfully: correct,
   complete, clear, and to the point).
3. **Say how much better it is:** *significantly better*, *better*, *slightly better*, or
   *negligibly better / unsure*. If they are about the same, pick either and say "negligibly
   better / unsure".
4. **Report a problem** instead of choosing when a response is empty, cut off, or broken.

Model names are hidden on purpose, and the order of the responses is random.
`;

export async function ensureDemoCampaign(db: Db): Promise<{ created: boolean; campaignId?: string }> {
  return db.transaction(async (tx) => {
    // Serialises instances starting together on one PostgreSQL.
    await tx.execute(sql`lock table campaigns in share row exclusive mode`);
    const [seeded] = await tx
      .select({ id: auditLog.id })
      .from(auditLog)
      .where(eq(auditLog.action, "campaign.seeded_demo"))
      .limit(1);
    if (seeded) return { created: false };
    const [admin] = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.role, "admin"), eq(users.isActive, true)))
      .orderBy(asc(users.createdAt))
      .limit(1);
    if (!admin) return { created: false };

    const [campaign] = await tx
      .insert(campaigns)
      .values({
        name: DEMO_CAMPAIGN_NAME,
        description:
          "Try Arbiter: write a prompt, compare two responses from the default model at two temperatures, and say which is better.",
        kind: "helpfulness",
        status: "active",
        guidelines: DEMO_GUIDELINES,
        guidelinesVersion: 1,
        responsesPerTurn: 2,
        maxTurns: 6,
        membership: "all",
        createdById: admin.id,
      })
      .onConflictDoNothing()
      .returning();
    if (!campaign) return { created: false }; // a campaign with that name exists already
    await tx.insert(campaignGuidelineVersions).values({
      campaignId: campaign.id,
      version: 1,
      guidelines: DEMO_GUIDELINES,
      createdById: admin.id,
    });
    const variants = await tx
      .insert(modelVariants)
      .values(
        [0.7, 1.0].map((temperature) => ({
          campaignId: campaign.id,
          name: `default model @ ${temperature.toFixed(1)}`,
          endpointKind: "local" as const,
          model: "",
          temperature,
          topP: 0.95,
          maxTokens: 160,
          versionLabel: "demo",
        })),
      )
      .returning();
    await tx.insert(batches).values({
      campaignId: campaign.id,
      number: 1,
      label: "Batch 1",
      openedById: admin.id,
      variantVersions: Object.fromEntries(variants.map((variant) => [variant.id, variant.versionLabel])),
    });
    await tx.insert(campaignMembers).values({ campaignId: campaign.id, userId: admin.id });
    await recordAudit(tx, {
      actorId: null,
      action: "campaign.seeded_demo",
      targetType: "campaign",
      targetId: campaign.id,
      details: { name: DEMO_CAMPAIGN_NAME, variants: variants.map((variant) => variant.name) },
    });
    return { created: true, campaignId: campaign.id };
  });
}
