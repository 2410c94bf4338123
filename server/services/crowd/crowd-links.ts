// An admin's crowd-platform links of a campaign: create one (its secret shown once), list them
// with their participants' progress, revoke one. Revoking stops new sign-ins through the link at
// once; participants already signed in keep their session until it ends or an admin deactivates them.
import crypto from "node:crypto";
import { and, count, desc, eq, isNotNull, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { crowdLinks, crowdParticipants } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { NotFoundError } from "@/server/errors";
import { CROWD_PLATFORMS } from "@/lib/constants";
import { recordAudit } from "../audit/record-audit";
import { findCampaign, requireNotArchived } from "../campaigns/campaign-access";
import { hashTokenSecret } from "../api-tokens/token-secret";

const ComprehensionQuestionInput = z
  .object({
    question: z
      .string()
      .trim()
      .min(1, "Write each question.")
      .max(1000, "A question can be at most 1,000 characters long."),
    options: z
      .array(
        z
          .string()
          .trim()
          .min(1, "An answer option cannot be empty.")
          .max(300, "An answer option can be at most 300 characters long."),
      )
      .min(2, "Give each question at least two answer options.")
      .max(8, "A question can have at most 8 answer options."),
    correctOption: z.number().int().min(0),
  })
  .refine((question) => question.correctOption < question.options.length, {
    message: "Mark which answer option of each question is correct.",
  });

export const CreateCrowdLinkInput = z.object({
  campaignId: z.uuid("That is not a valid campaign id."),
  platform: z.enum(CROWD_PLATFORMS, "Choose Prolific or MTurk."),
  name: z
    .string()
    .trim()
    .min(1, "Give the link a name.")
    .max(200, "A name can be at most 200 characters long."),
  description: z.string().trim().max(5000, "A description can be at most 5,000 characters long.").default(""),
  requiredComparisons: z
    .number()
    .int()
    .min(1, "Ask for at least one comparison.")
    .max(1000, "Ask for at most 1,000 comparisons."),
  completionCode: z
    .string()
    .trim()
    .regex(
      /^[A-Za-z0-9_-]{1,64}$/,
      "A completion code is 1 to 64 letters, digits, - or _ (Prolific shows it on the study page).",
    ),
  comprehensionQuestions: z
    .array(ComprehensionQuestionInput)
    .max(20, "Ask at most 20 questions.")
    .default([]),
  comprehensionAttempts: z
    .number()
    .int()
    .min(1, "Allow at least one attempt.")
    .max(10, "Allow at most 10 attempts.")
    .default(2),
});
export type CreateCrowdLinkInput = z.input<typeof CreateCrowdLinkInput>;

/** The link's secret: 32 random bytes, as URL-safe text (43 characters). */
export const CrowdLinkTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "This study link is not valid.");

export async function createCrowdLink(
  db: Db,
  rawInput: CreateCrowdLinkInput,
  actor: Pick<SessionUser, "id">,
) {
  const input = CreateCrowdLinkInput.parse(rawInput);
  const token = crypto.randomBytes(32).toString("base64url");
  return db.transaction(async (tx) => {
    requireNotArchived(await findCampaign(tx, input.campaignId));
    const [link] = await tx
      .insert(crowdLinks)
      .values({
        ...input,
        tokenHash: hashTokenSecret(token),
        tokenPrefix: token.slice(0, 6),
        createdById: actor.id,
      })
      .returning();
    await recordAudit(tx, {
      actorId: actor.id,
      action: "crowd_link.created",
      targetType: "crowd_link",
      targetId: link.id,
      details: { campaignId: link.campaignId, platform: link.platform, name: link.name },
    });
    return { id: link.id, token, path: `/participate/${token}` };
  });
}

export const ListCrowdLinksInput = z.object({ campaignId: z.uuid("That is not a valid campaign id.") });

export async function listCrowdLinks(db: Db, rawInput: z.input<typeof ListCrowdLinksInput>) {
  const input = ListCrowdLinksInput.parse(rawInput);
  const links = await db
    .select()
    .from(crowdLinks)
    .where(eq(crowdLinks.campaignId, input.campaignId))
    .orderBy(desc(crowdLinks.createdAt))
    .limit(200);
  const counts = await db
    .select({
      linkId: crowdParticipants.linkId,
      participants: count(),
      completed: count(crowdParticipants.completedAt),
      failed: count(crowdParticipants.failedAt),
    })
    .from(crowdParticipants)
    .where(eq(crowdParticipants.campaignId, input.campaignId))
    .groupBy(crowdParticipants.linkId);
  return links.map(({ tokenHash: _hash, ...link }) => ({
    ...link,
    participants: counts.find((row) => row.linkId === link.id) ?? {
      participants: 0,
      completed: 0,
      failed: 0,
    },
  }));
}

export const RevokeCrowdLinkInput = z.object({ linkId: z.uuid("That is not a valid link id.") });

export async function revokeCrowdLink(
  db: Db,
  rawInput: z.input<typeof RevokeCrowdLinkInput>,
  actor: Pick<SessionUser, "id">,
) {
  const input = RevokeCrowdLinkInput.parse(rawInput);
  return db.transaction(async (tx) => {
    const [link] = await tx
      .update(crowdLinks)
      .set({ revokedAt: new Date() })
      .where(and(eq(crowdLinks.id, input.linkId), isNull(crowdLinks.revokedAt)))
      .returning();
    if (!link) {
      const [revoked] = await tx
        .select({ id: crowdLinks.id })
        .from(crowdLinks)
        .where(and(eq(crowdLinks.id, input.linkId), isNotNull(crowdLinks.revokedAt)));
      if (revoked) return { revoked: true };
      throw new NotFoundError("This link does not exist. Reload the page to see the current links.");
    }
    await recordAudit(tx, {
      actorId: actor.id,
      action: "crowd_link.revoked",
      targetType: "crowd_link",
      targetId: link.id,
      details: { campaignId: link.campaignId },
    });
    return { revoked: true };
  });
}
