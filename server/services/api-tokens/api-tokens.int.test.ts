// API tokens as the services see them: shown once and stored hashed, scopes within the owner's
// role, listed with their last use (written at most once a minute), revoked by their owner or an
// admin, and every creation and revocation in the audit log.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { apiTokens, auditLog } from "@/db/schema";
import { createCampaign } from "@/server/services/campaigns/create-campaign";
import { setUserActive } from "@/server/services/users/set-user-active";
import { createAnnotator } from "@/server/testing/fixtures";
import { setUpAdminDb } from "@/server/testing/test-db";
import { authenticateApiToken, LAST_USE_RESOLUTION_MS } from "./authenticate-api-token";
import { createApiToken } from "./create-api-token";
import { listAllApiTokens, listMyApiTokens } from "./list-api-tokens";
import { revokeApiToken } from "./revoke-api-token";
import { hashTokenSecret } from "./token-secret";

const world = setUpAdminDb();

describe("createApiToken", () => {
  it("returns the secret once and stores only its SHA-256 and a short prefix", async () => {
    const created = await createApiToken(
      world.db,
      { name: "nightly export", scope: "read" },
      world.admin,
      "service",
    );
    expect(created.secret).toMatch(/^arb_[A-Za-z0-9_-]{43}$/);
    const [row] = await world.db.select().from(apiTokens).where(eq(apiTokens.id, created.id));
    expect(row.tokenHash).toBe(hashTokenSecret(created.secret));
    expect(JSON.stringify(row)).not.toContain(created.secret.slice(12));
    expect(created.secret.startsWith(row.prefix)).toBe(true);
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(90 * 24 * 60 * 60 * 1000);
    const [audit] = await world.db.select().from(auditLog).where(eq(auditLog.targetId, created.id));
    expect(audit).toMatchObject({ action: "api_token.created", actorId: world.admin.id });
    expect(audit.details).toMatchObject({ name: "nightly export", kind: "service", scope: "read" });
  });

  it("refuses a scope above the owner's role, and service tokens to non-admins", async () => {
    const { actor } = await createAnnotator(world.db);
    await expect(createApiToken(world.db, { name: "t", scope: "admin" }, actor, "personal")).rejects.toThrow(
      /cannot hand out the admin scope/,
    );
    await expect(createApiToken(world.db, { name: "t", scope: "read" }, actor, "service")).rejects.toThrow(
      /Only admins create service tokens/,
    );
    await expect(
      createApiToken(world.db, { name: "t", scope: "read", expiresInDays: 366 }, actor, "personal"),
    ).rejects.toThrow(/at most 365 days/);
    await expect(
      createApiToken(
        world.db,
        { name: "t", scope: "read", campaignId: crypto.randomUUID() },
        actor,
        "personal",
      ),
    ).rejects.toThrow(/campaign does not exist/);
  });
});

describe("authenticateApiToken", () => {
  it("writes the last use at most once a minute", async () => {
    const { secret, id } = await createApiToken(
      world.db,
      { name: "burst", scope: "read" },
      world.admin,
      "personal",
    );
    const lastUsed = async () =>
      (await world.db.select().from(apiTokens).where(eq(apiTokens.id, id)))[0].lastUsedAt?.getTime();
    const start = new Date(Date.now() + 1000);
    const { user, grant } = await authenticateApiToken(world.db, secret, start);
    expect(user).toMatchObject({ id: world.admin.id, role: "admin" });
    expect(grant).toEqual({
      id,
      name: "burst",
      prefix: secret.slice(0, 12),
      scope: "read",
      campaignId: null,
    });
    expect(await lastUsed()).toBe(start.getTime());
    for (let second = 1; second < 60; second += 10) {
      await authenticateApiToken(world.db, secret, new Date(start.getTime() + second * 1000));
    }
    expect(await lastUsed()).toBe(start.getTime());
    const later = new Date(start.getTime() + LAST_USE_RESOLUTION_MS);
    await authenticateApiToken(world.db, secret, later);
    expect(await lastUsed()).toBe(later.getTime());
  });

  it("limits each token's calls per window, apart from other tokens, saying when to try again", async () => {
    const limit = { calls: 3, windowMs: 60_000 };
    const create = (name: string) =>
      createApiToken(world.db, { name, scope: "read" }, world.admin, "personal");
    const [busy, quiet] = [await create("busy loop"), await create("quiet")];
    // Mid-window, so that the calls below fall in one window whatever the clock says.
    const now = new Date(Math.floor(Date.now() / limit.windowMs) * limit.windowMs + 30_000);
    for (let call = 0; call < limit.calls; call++)
      await authenticateApiToken(world.db, busy.secret, now, limit);
    await expect(authenticateApiToken(world.db, busy.secret, now, limit)).rejects.toThrow(
      "Too many requests with this API token. Wait 30 seconds and try again.",
    );
    await expect(authenticateApiToken(world.db, quiet.secret, now, limit)).resolves.toBeDefined();
    const nextWindow = new Date(now.getTime() + limit.windowMs);
    await expect(authenticateApiToken(world.db, busy.secret, nextWindow, limit)).resolves.toBeDefined();
  });

  it("refuses unknown, revoked and expired tokens, and tokens of deactivated owners", async () => {
    await expect(authenticateApiToken(world.db, "arb_not-a-token")).rejects.toThrow(/not valid/);
    const revoked = await createApiToken(world.db, { name: "r", scope: "read" }, world.admin, "personal");
    await revokeApiToken(world.db, { tokenId: revoked.id }, world.admin);
    await expect(authenticateApiToken(world.db, revoked.secret)).rejects.toThrow(/was revoked/);
    const expiring = await createApiToken(
      world.db,
      { name: "e", scope: "read", expiresInDays: 1 },
      world.admin,
      "personal",
    );
    await expect(
      authenticateApiToken(world.db, expiring.secret, new Date(Date.now() + 25 * 60 * 60 * 1000)),
    ).rejects.toThrow(/has expired/);
    const owner = await createAnnotator(world.db);
    const owned = await createApiToken(world.db, { name: "o", scope: "annotate" }, owner.actor, "personal");
    await setUserActive(world.db, { userId: owner.user.id, isActive: false }, world.admin);
    await expect(authenticateApiToken(world.db, owned.secret)).rejects.toThrow(/not valid/);
  });
});

describe("listing and revoking", () => {
  it("lists a person's own tokens to them and every token to admins, with status and campaign", async () => {
    const owner = await createAnnotator(world.db);
    const campaign = await createCampaign(
      world.db,
      { name: `Tokens ${Date.now()}`, kind: "helpfulness" },
      world.admin,
    );
    const mine = await createApiToken(
      world.db,
      { name: "mine", scope: "annotate", campaignId: campaign.id },
      owner.actor,
      "personal",
    );
    const listed = await listMyApiTokens(world.db, {}, owner.actor);
    expect(listed.items).toEqual([
      expect.objectContaining({
        id: mine.id,
        campaignName: campaign.name,
        status: "active",
        lastUsedAt: null,
      }),
    ]);
    expect(JSON.stringify(listed)).not.toContain("tokenHash");
    const all = await listAllApiTokens(world.db, { pageSize: 100 });
    expect(all.items.map((token) => token.id)).toContain(mine.id);
    expect(all.items.find((token) => token.id === mine.id)?.ownerEmail).toBe(owner.user.email);
  });

  it("lets owners and admins revoke a token, and hides others' tokens from everyone else", async () => {
    const owner = await createAnnotator(world.db);
    const stranger = await createAnnotator(world.db);
    const token = await createApiToken(world.db, { name: "x", scope: "read" }, owner.actor, "personal");
    await expect(revokeApiToken(world.db, { tokenId: token.id }, stranger.actor)).rejects.toThrow(
      /not yours/,
    );
    await revokeApiToken(world.db, { tokenId: token.id }, world.admin);
    const [audit] = await world.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, "api_token.revoked"))
      .orderBy(auditLog.id);
    expect(audit).toBeDefined();
    const listed = await listMyApiTokens(world.db, {}, owner.actor);
    expect(listed.items[0]).toMatchObject({ id: token.id, status: "revoked" });
  });
});
