// Single sign-on: which addresses the provider vouches for may in, what a first sign-in makes,
// and that the session it opens is the one every request checks. (e2e/single-sign-on.spec.ts
// runs the whole round trip against a real OpenID Connect provider.)
import crypto from "node:crypto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, campaignMembers, users } from "@/db/schema";
import { parseEnv } from "@/server/env";
import { createCampaign } from "@/server/services/campaigns/create-campaign";
import { findUsableInvitation } from "@/server/services/users/get-invitation";
import { inviteUser } from "@/server/services/users/invite-user";
import { createAnnotator, createReviewer } from "@/server/testing/fixtures";
import { setUpAdminDb } from "@/server/testing/test-db";
import { isPasswordSignInEnabled, signInProviders, ssoProvider } from "./options";
import { findSessionUser } from "./sessions";
import { signInWithSso, type SsoPolicy } from "./sso-sign-in";

const world = setUpAdminDb();
const origin = { ipAddress: "198.51.100.7", userAgent: "vitest" };
const open: SsoPolicy = { newUsers: "annotator", allowedDomains: undefined };
const address = (domain = "sso.test") => `person-${crypto.randomBytes(5).toString("hex")}@${domain}`;

describe("signInWithSso", () => {
  it("creates an annotator on a first sign-in, audits it, and opens a live session", async () => {
    const email = address();
    const signedIn = await signInWithSso(world.db, { email: email.toUpperCase(), name: "Ada" }, open, origin);
    expect(signedIn).toMatchObject({ email, name: "Ada", role: "annotator" });
    expect(await findSessionUser(world.db, signedIn.sessionId)).toMatchObject({ id: signedIn.id });
    const [created] = await world.db.select().from(users).where(eq(users.id, signedIn.id));
    expect(created.passwordHash).toBeNull();
    const audits = await world.db.select().from(auditLog).where(eq(auditLog.targetId, signedIn.id));
    expect(audits.map((entry) => entry.action)).toEqual(["user.created_by_sso"]);

    const again = await signInWithSso(world.db, { email }, open, origin);
    expect(again.id).toBe(signedIn.id);
    expect(again.sessionId).not.toBe(signedIn.sessionId);
  });

  it("signs an existing person in with their role, and refuses a deactivated one", async () => {
    const reviewer = await createReviewer(world.db, { email: address() });
    const signedIn = await signInWithSso(world.db, { email: reviewer.user.email }, open, origin);
    expect(signedIn).toMatchObject({ id: reviewer.user.id, role: "reviewer" });

    const deactivated = await createAnnotator(world.db, { email: address(), isActive: false });
    await expect(
      signInWithSso(world.db, { email: deactivated.user.email }, open, origin),
    ).rejects.toMatchObject({
      code: "SsoDeactivated",
    });
  });

  it("refuses a first sign-in when new users are refused, but still admits invited people", async () => {
    const closed: SsoPolicy = { newUsers: "refuse", allowedDomains: undefined };
    const email = address();
    await expect(signInWithSso(world.db, { email }, closed, origin)).rejects.toMatchObject({
      code: "SsoSignUpClosed",
    });
    expect(await world.db.select().from(users).where(eq(users.email, email))).toEqual([]);

    const campaign = await createCampaign(
      world.db,
      { name: `SSO ${email}`, kind: "helpfulness" },
      world.admin,
    );
    const invitation = await inviteUser(
      world.db,
      { email: address(), role: "annotator", campaignIds: [campaign.id] },
      world.admin,
    );
    const signedIn = await signInWithSso(world.db, { email: invitation.user.email }, closed, origin);
    expect(signedIn.id).toBe(invitation.user.id);
    // Signing in used the invitation up, as its link would have: the person is in its campaign.
    const members = await world.db
      .select()
      .from(campaignMembers)
      .where(eq(campaignMembers.userId, signedIn.id));
    expect(members.map((member) => member.campaignId)).toEqual([campaign.id]);
    expect(await findUsableInvitation(world.db, invitation.token)).toBeNull();
  });

  it("admits only the allowed domains, exactly, and only verified addresses", async () => {
    const policy: SsoPolicy = { newUsers: "annotator", allowedDomains: ["sso.test"] };
    await expect(
      signInWithSso(world.db, { email: address("sso.test") }, policy, origin),
    ).resolves.toBeDefined();
    for (const email of [address("evil.test"), address("sub.sso.test"), address("sso.test.evil")]) {
      await expect(signInWithSso(world.db, { email }, policy, origin)).rejects.toMatchObject({
        code: "SsoDomainRefused",
      });
    }
    await expect(
      signInWithSso(world.db, { email: address(), email_verified: false }, open, origin),
    ).rejects.toMatchObject({ code: "SsoEmailUnverified" });
    await expect(signInWithSso(world.db, { email: "not an address" }, open, origin)).rejects.toMatchObject({
      code: "SsoNoEmail",
    });
  });

  it("creates one account when the same person's first sign-ins arrive at once", async () => {
    const email = address();
    const results = await Promise.all(
      Array.from({ length: 4 }, () => signInWithSso(world.db, { email }, open, origin)),
    );
    expect(new Set(results.map((result) => result.id)).size).toBe(1);
    expect(await world.db.select().from(users).where(eq(users.email, email))).toHaveLength(1);
  });
});

describe("the sign-in settings", () => {
  const oidc = {
    ARBITER_OIDC_ISSUER: "https://id.example.test/realms/staff/",
    ARBITER_OIDC_CLIENT_ID: "arbiter",
    ARBITER_OIDC_CLIENT_SECRET: "secret",
    NEXTAUTH_URL: "https://arbiter.example.test",
  };

  it("offers the provider only when issuer, client id and secret are all set", () => {
    expect(ssoProvider(parseEnv({}))).toBeNull();
    expect(ssoProvider(parseEnv(oidc))).toMatchObject({
      id: "oidc",
      name: "single sign-on",
      wellKnown: "https://id.example.test/realms/staff/.well-known/openid-configuration",
      checks: ["pkce", "state", "nonce"],
    });
    expect(() => parseEnv({ ...oidc, ARBITER_OIDC_CLIENT_SECRET: "" })).toThrow(
      /ARBITER_OIDC_ISSUER, ARBITER_OIDC_CLIENT_ID and ARBITER_OIDC_CLIENT_SECRET go together/,
    );
    expect(() => parseEnv({ ...oidc, NEXTAUTH_URL: "" })).toThrow(
      /NEXTAUTH_URL must be set for single sign-on/,
    );
  });

  it("turns password sign-in off only with single sign-on configured", () => {
    expect(isPasswordSignInEnabled(parseEnv({}))).toBe(true);
    const ids = (settings: Record<string, string>) =>
      signInProviders(parseEnv(settings)).map((provider) => provider.id);
    // Study links (crowd participants, who have no password) work under every setting.
    expect(ids({})).toEqual(["credentials", "crowd-link"]);
    expect(ids(oidc)).toEqual(["credentials", "oidc", "crowd-link"]);
    expect(ids({ ...oidc, ARBITER_PASSWORD_SIGN_IN: "off" })).toEqual(["oidc", "crowd-link"]);
    expect(isPasswordSignInEnabled(parseEnv({ ...oidc, ARBITER_PASSWORD_SIGN_IN: "off" }))).toBe(false);
    expect(() => parseEnv({ ARBITER_PASSWORD_SIGN_IN: "off" })).toThrow(/needs single sign-on/);
    expect(parseEnv({ ...oidc, ARBITER_OIDC_ALLOWED_DOMAINS: " SSO.test, @corp.test ," })).toMatchObject({
      ARBITER_OIDC_ALLOWED_DOMAINS: ["sso.test", "corp.test"],
      ARBITER_OIDC_NEW_USERS: "refuse",
    });
  });
});
