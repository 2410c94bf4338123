// Signs in a person the operator's OpenID Connect provider vouched for: the provider checked who
// they are, Arbiter decides whether that address may in (the domain list, whether a first
// sign-in creates an annotator) and opens a session exactly as a password sign-in does.
import "server-only";
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { userInvitations, users } from "@/db/schema";
import { UnauthorizedError } from "@/server/errors";
import { recordAudit } from "@/server/services/audit/record-audit";
import { joinCampaigns } from "@/server/services/users/accept-invitation";
import { EmailSchema } from "@/server/services/users/user-schemas";
import type { SessionUser } from "./session-user";
import { createSession } from "./sessions";

const NAME_MAX_LENGTH = 100;

export interface SsoPolicy {
  newUsers: "annotator" | "refuse";
  /** Exact email domains allowed; undefined: any. */
  allowedDomains: string[] | undefined;
}

/** The reasons a sign-in is turned away, as the codes the sign-in page reads from its URL. */
export const SSO_REFUSALS = {
  SsoNoEmail: "Your identity provider did not share a valid email address, which Arbiter needs.",
  SsoEmailUnverified: "Your identity provider has not verified your email address. Verify it there first.",
  SsoDomainRefused: "Accounts with this email domain cannot sign in here. Use your work address.",
  SsoSignUpClosed: "There is no Arbiter account for this address. Ask an admin to invite you.",
  SsoDeactivated: "This account has been deactivated. Ask an admin to reactivate it.",
} as const;
export type SsoRefusalCode = keyof typeof SSO_REFUSALS;

export class SsoRefusedError extends UnauthorizedError {
  override name = "SsoRefusedError";
  constructor(readonly code: SsoRefusalCode) {
    super(SSO_REFUSALS[code]);
  }
}

/** The ID token's claims that matter here, as the provider sent them (unchecked). */
export interface SsoClaims {
  email?: unknown;
  /** Absent on providers that only hand out verified addresses (Azure AD); false is refused. */
  email_verified?: unknown;
  name?: unknown;
}

export async function signInWithSso(
  db: Db,
  claims: SsoClaims,
  policy: SsoPolicy,
  origin: { ipAddress: string | null; userAgent: string | null },
  now = new Date(),
): Promise<SessionUser> {
  const email = EmailSchema.safeParse(claims.email);
  if (!email.success) throw new SsoRefusedError("SsoNoEmail");
  if (claims.email_verified === false || claims.email_verified === "false") {
    throw new SsoRefusedError("SsoEmailUnverified");
  }
  const domain = email.data.slice(email.data.lastIndexOf("@") + 1);
  if (policy.allowedDomains && !policy.allowedDomains.includes(domain)) {
    throw new SsoRefusedError("SsoDomainRefused");
  }
  const name = typeof claims.name === "string" ? claims.name.trim().slice(0, NAME_MAX_LENGTH) : "";

  return db.transaction(async (tx) => {
    const user = (await findUser(tx, email.data)) ?? (await createAnnotator(tx, email.data, name, policy));
    if (!user.isActive) throw new SsoRefusedError("SsoDeactivated");
    await acceptPendingInvitations(tx, user.id, now);
    await tx.update(users).set({ lastSignInAt: now }).where(eq(users.id, user.id));
    const session = await createSession(tx, { userId: user.id, ...origin }, now);
    return { id: user.id, email: user.email, name: user.name, role: user.role, sessionId: session.id };
  });
}

/** The provider proved the address, as an invitation link would have: the person's open
 * invitations are used up and they join the campaigns those name. */
async function acceptPendingInvitations(db: Db, userId: string, now: Date) {
  const claimed = await db
    .update(userInvitations)
    .set({ usedAt: now })
    .where(
      and(
        eq(userInvitations.userId, userId),
        isNull(userInvitations.usedAt),
        gt(userInvitations.expiresAt, now),
      ),
    )
    .returning({ campaignIds: userInvitations.campaignIds });
  await joinCampaigns(db, userId, [...new Set(claimed.flatMap((invitation) => invitation.campaignIds))]);
}

async function findUser(db: Db, email: string) {
  const [user] = await db.select().from(users).where(eq(users.email, email));
  return user;
}

async function createAnnotator(db: Db, email: string, name: string, policy: SsoPolicy) {
  if (policy.newUsers === "refuse") throw new SsoRefusedError("SsoSignUpClosed");
  // Two first sign-ins at once: one inserts, the other finds that row.
  const [created] = await db
    .insert(users)
    .values({ email, name, role: "annotator" })
    .onConflictDoNothing({ target: users.email })
    .returning();
  if (!created) return (await findUser(db, email))!;
  await recordAudit(db, {
    actorId: created.id,
    action: "user.created_by_sso",
    targetType: "user",
    targetId: created.id,
    details: { email, role: created.role },
  });
  return created;
}
