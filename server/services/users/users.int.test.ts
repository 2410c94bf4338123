import { desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { auditLog, campaignMembers, campaigns, sessions, users } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { ConflictError, NotFoundError, ValidationError } from "@/server/errors";
import { signIn, WRONG_CREDENTIALS_MESSAGE } from "@/server/auth/sign-in";
import { findSessionUser } from "@/server/auth/sessions";
import { createCampaign } from "@/server/testing/annotation-campaigns";
import { createAdmin, createAnnotator } from "@/server/testing/fixtures";
import { acceptInvitation } from "./accept-invitation";
import { changeUserRole } from "./change-user-role";
import { getInvitation } from "./get-invitation";
import { inviteUser } from "./invite-user";
import { listUsers } from "./list-users";
import { reissueInvitation } from "./reissue-invitation";
import { setUserActive } from "./set-user-active";

let database: Database;
beforeAll(async () => {
  database = await createTestDb();
});
afterAll(async () => {
  await database?.close();
});

async function lastAudit() {
  const [entry] = await database.db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(1);
  return entry;
}

describe("inviteUser", () => {
  it("creates a user without a password, a one-time link, and an audit entry", async () => {
    const { actor: admin } = await createAdmin(database.db);
    const result = await inviteUser(
      database.db,
      { email: "  New.Person@Example.TEST ", role: "annotator" },
      admin,
    );

    expect(result.user).toMatchObject({
      email: "new.person@example.test",
      role: "annotator",
      status: "invited",
    });
    expect(result.invitePath).toBe(`/invite/${result.token}`);
    expect(await lastAudit()).toMatchObject({
      action: "user.invited",
      actorId: admin.id,
      targetId: result.user.id,
    });
    const invitation = await getInvitation(database.db, { token: result.token });
    expect(invitation).toMatchObject({ email: "new.person@example.test", role: "annotator" });
  });

  it("refuses an email that already has an account", async () => {
    const { actor: admin } = await createAdmin(database.db);
    const { user } = await createAnnotator(database.db);
    await expect(
      inviteUser(database.db, { email: user.email.toUpperCase(), role: "reviewer" }, admin),
    ).rejects.toThrow(ConflictError);
  });
});

describe("acceptInvitation", () => {
  it("sets the password once; the person can then sign in and the link stops working", async () => {
    const { actor: admin } = await createAdmin(database.db);
    const { token, user } = await inviteUser(
      database.db,
      { email: "accepts@example.test", role: "reviewer" },
      admin,
    );

    await acceptInvitation(database.db, { token, password: "correct horse battery", name: "Ada" });
    await expect(acceptInvitation(database.db, { token, password: "another password!" })).rejects.toThrow(
      NotFoundError,
    );
    await expect(getInvitation(database.db, { token })).rejects.toThrow(/not valid/);

    const signedIn = await signIn(database.db, {
      email: "accepts@example.test",
      password: "correct horse battery",
      ipAddress: "10.0.0.1",
      userAgent: null,
    });
    expect(signedIn).toMatchObject({ id: user.id, role: "reviewer", name: "Ada" });
    expect(await lastAudit()).toMatchObject({ action: "user.invitation_accepted", actorId: user.id });
  });

  it("uses the invitation once when the same request arrives twice at the same time", async () => {
    const { actor: admin } = await createAdmin(database.db);
    const { token } = await inviteUser(
      database.db,
      { email: "double@example.test", role: "annotator" },
      admin,
    );
    const results = await Promise.allSettled([
      acceptInvitation(database.db, { token, password: "first password 1" }),
      acceptInvitation(database.db, { token, password: "second password 2" }),
    ]);
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
  });

  it("refuses an unknown token with a message that says what to do", async () => {
    await expect(
      acceptInvitation(database.db, { token: "nope", password: "long enough pw" }),
    ).rejects.toThrow(/Ask an admin for a new link/);
  });

  it("reissuing retires the old link", async () => {
    const { actor: admin } = await createAdmin(database.db);
    const first = await inviteUser(database.db, { email: "reissue@example.test", role: "annotator" }, admin);
    const second = await reissueInvitation(database.db, { userId: first.user.id }, admin);
    await expect(getInvitation(database.db, { token: first.token })).rejects.toThrow(NotFoundError);
    await expect(getInvitation(database.db, { token: second.token })).resolves.toMatchObject({
      email: "reissue@example.test",
    });
    expect(await lastAudit()).toMatchObject({ action: "user.invitation_reissued" });
  });

  it("adds the person to the invitation's campaigns when they accept, through a reissued link too", async () => {
    const { actor: admin } = await createAdmin(database.db);
    const chosen = (await createCampaign(database.db, { membership: "selected" })).campaign;
    const archivedLater = (await createCampaign(database.db, { membership: "selected" })).campaign;
    const other = (await createCampaign(database.db, { membership: "selected" })).campaign;
    const invited = await inviteUser(
      database.db,
      { email: "joins@example.test", role: "annotator", campaignIds: [chosen.id, archivedLater.id] },
      admin,
    );
    const membersOf = (userId: string) =>
      database.db
        .select({ campaignId: campaignMembers.campaignId })
        .from(campaignMembers)
        .where(eq(campaignMembers.userId, userId));
    // Not a member before accepting: an unaccepted invitation must not count as someone who may work.
    expect(await membersOf(invited.user.id)).toEqual([]);
    await database.db.update(campaigns).set({ status: "archived" }).where(eq(campaigns.id, archivedLater.id));
    const reissued = await reissueInvitation(database.db, { userId: invited.user.id }, admin);
    await acceptInvitation(database.db, { token: reissued.token, password: "a long enough password" });
    expect(await membersOf(invited.user.id)).toEqual([{ campaignId: chosen.id }]);
    expect((await membersOf(invited.user.id)).map((row) => row.campaignId)).not.toContain(other.id);
  });

  it("refuses an archived or unknown campaign when inviting, by field", async () => {
    const { actor: admin } = await createAdmin(database.db);
    const archived = (await createCampaign(database.db, { status: "archived" })).campaign;
    const attempt = inviteUser(
      database.db,
      { email: "archived-campaign@example.test", role: "annotator", campaignIds: [archived.id] },
      admin,
    );
    await expect(attempt).rejects.toThrow(ValidationError);
    await expect(attempt).rejects.toMatchObject({ field: "campaignIds" });
    const [user] = await database.db
      .select()
      .from(users)
      .where(eq(users.email, "archived-campaign@example.test"));
    expect(user).toBeUndefined();
  });
});

describe("changeUserRole", () => {
  it("changes the role and records from and to", async () => {
    const { actor: admin } = await createAdmin(database.db);
    const { user } = await createAnnotator(database.db);
    const updated = await changeUserRole(database.db, { userId: user.id, role: "reviewer" }, admin);
    expect(updated.role).toBe("reviewer");
    expect(await lastAudit()).toMatchObject({
      action: "user.role_changed",
      details: { from: "annotator", to: "reviewer" },
    });
  });

  it("does not let an admin change their own role", async () => {
    const { actor: admin } = await createAdmin(database.db);
    await expect(changeUserRole(database.db, { userId: admin.id, role: "annotator" }, admin)).rejects.toThrow(
      /your own role/,
    );
  });

  it("says so when the user does not exist", async () => {
    const { actor: admin } = await createAdmin(database.db);
    await expect(
      changeUserRole(database.db, { userId: "00000000-0000-4000-8000-000000000000", role: "admin" }, admin),
    ).rejects.toThrow(NotFoundError);
  });
});

describe("setUserActive", () => {
  it("ends the person's sessions at once and refuses their next sign-in", async () => {
    const { actor: admin } = await createAdmin(database.db);
    const { user, password, actor } = await createAnnotator(database.db);
    expect(await findSessionUser(database.db, actor.sessionId)).not.toBeNull();

    await setUserActive(database.db, { userId: user.id, isActive: false }, admin);

    expect(await findSessionUser(database.db, actor.sessionId)).toBeNull();
    const [session] = await database.db.select().from(sessions).where(eq(sessions.id, actor.sessionId));
    expect(session.revokedAt).not.toBeNull();
    await expect(
      signIn(database.db, { email: user.email, password: password!, ipAddress: "10.0.0.2", userAgent: null }),
    ).rejects.toThrow(/deactivated/);
    expect(await lastAudit()).toMatchObject({ action: "user.deactivated", targetId: user.id });

    await setUserActive(database.db, { userId: user.id, isActive: true }, admin);
    expect(await lastAudit()).toMatchObject({ action: "user.reactivated" });
    await expect(
      signIn(database.db, { email: user.email, password: password!, ipAddress: "10.0.0.2", userAgent: null }),
    ).resolves.toMatchObject({ id: user.id });
  });

  it("does not let an admin deactivate themselves", async () => {
    const { actor: admin } = await createAdmin(database.db);
    await expect(setUserActive(database.db, { userId: admin.id, isActive: false }, admin)).rejects.toThrow(
      ConflictError,
    );
  });
});

describe("listUsers", () => {
  it("pages through users and filters by email or name", async () => {
    const { actor: admin } = await createAdmin(database.db);
    for (let index = 0; index < 3; index++) {
      await inviteUser(
        database.db,
        { email: `pager-${index}@example.test`, name: "Pager", role: "annotator" },
        admin,
      );
    }
    const firstPage = await listUsers(database.db, { search: "pager-", pageSize: 2 });
    expect(firstPage).toMatchObject({ total: 3, pageCount: 2, page: 1 });
    expect(firstPage.items).toHaveLength(2);
    expect(firstPage.items[0]).not.toHaveProperty("passwordHash");
    const secondPage = await listUsers(database.db, { search: "pager-", pageSize: 2, page: 2 });
    expect(secondPage.items).toHaveLength(1);
    // LIKE wildcards in the search text are matched literally.
    expect((await listUsers(database.db, { search: "%" })).total).toBe(0);
  });
});

describe("signIn", () => {
  it("gives the same message for a wrong password and an unknown account", async () => {
    const { user } = await createAnnotator(database.db);
    const wrongPassword = signIn(database.db, {
      email: user.email,
      password: "not the password",
      ipAddress: "10.0.1.1",
      userAgent: null,
    });
    const unknownUser = signIn(database.db, {
      email: "nobody@example.test",
      password: "whatever it is",
      ipAddress: "10.0.1.1",
      userAgent: null,
    });
    await expect(wrongPassword).rejects.toThrow(WRONG_CREDENTIALS_MESSAGE);
    await expect(unknownUser).rejects.toThrow(WRONG_CREDENTIALS_MESSAGE);
  });

  it("limits failures from one address across accounts", async () => {
    const now = new Date();
    const ipAddress = "10.9.9.9";
    for (let attempt = 0; attempt < 30; attempt++) {
      await signIn(
        database.db,
        { email: `probe-${attempt}@example.test`, password: "x", ipAddress, userAgent: null },
        now,
      ).catch(() => {});
    }
    const { user, password } = await createAnnotator(database.db);
    await expect(
      signIn(database.db, { email: user.email, password: password!, ipAddress, userAgent: null }, now),
    ).rejects.toThrow(/Too many failed sign-in attempts/);
  });

  it("refuses an invited user who has not set a password yet", async () => {
    const { actor: admin } = await createAdmin(database.db);
    await inviteUser(database.db, { email: "pending@example.test", role: "annotator" }, admin);
    await expect(
      signIn(database.db, {
        email: "pending@example.test",
        password: "",
        ipAddress: "10.0.4.1",
        userAgent: null,
      }),
    ).rejects.toThrow(WRONG_CREDENTIALS_MESSAGE);
  });

  it("stores argon2id hashes", async () => {
    const { user } = await createAnnotator(database.db);
    const [row] = await database.db.select().from(users).where(eq(users.id, user.id));
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
  });
});
