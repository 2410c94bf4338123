// Crowd-platform study links: creation and revocation, the password-less participant identity,
// the comprehension check, access to work only after it, completion and the payment list.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Db } from "@/db/client";
import { crowdLinks, crowdParticipants, users } from "@/db/schema";
import { createTestDb } from "@/db/testing";
import { authorizeCrowdParticipant, CROWD_LINK_SIGN_IN_LIMIT } from "@/server/auth/options";
import { findSessionUser } from "@/server/auth/sessions";
import { signIn } from "@/server/auth/sign-in";
import { findCampaignForAnnotator } from "@/server/services/annotation/access";
import { getAnnotatorCampaigns } from "@/server/services/annotation/get-annotator-campaigns";
import { endConversation } from "@/server/services/annotation/end-conversation";
import { submitComparison } from "@/server/services/annotation/submit-comparison";
import {
  createCampaign,
  createJudgeableTurn,
  newIdempotencyKey,
} from "@/server/testing/annotation-campaigns";
import { createAdmin, createAnnotator, type TestUser } from "@/server/testing/fixtures";
import { callerFor } from "@/server/testing/trpc";
import { admitParticipant, describeCrowdLink } from "./admit-participant";
import { createCrowdLink } from "./crowd-links";
import { answerComprehension, getParticipation } from "./participation";
import { hashTokenSecret } from "../api-tokens/token-secret";

let database: Database;
let db: Db;
let admin: TestUser;

const QUESTIONS = [
  { question: "What do you compare?", options: ["Images", "Two answers"], correctOption: 1 },
  { question: "May you copy answers?", options: ["No", "Yes"], correctOption: 0 },
];
const RIGHT = [1, 0];
const WRONG = [0, 0];
const origin = { ipAddress: "203.0.113.7", userAgent: "vitest" };
let pids = 0;
/** Prolific ids are 24 hex digits. */
const newPid = () => `5f${String(++pids).padStart(22, "0")}`;

beforeAll(async () => {
  database = await createTestDb();
  db = database.db;
  admin = await createAdmin(db);
});

afterAll(async () => {
  await database?.close();
});

async function studyLink(
  options: { attempts?: number; questions?: typeof QUESTIONS; required?: number } = {},
) {
  const { campaign } = await createCampaign(db, { membership: "selected", members: [admin.user.id] });
  const link = await createCrowdLink(
    db,
    {
      campaignId: campaign.id,
      platform: "prolific",
      name: "Compare answers",
      requiredComparisons: options.required ?? 2,
      completionCode: "C1A2B3",
      comprehensionQuestions: options.questions ?? QUESTIONS,
      comprehensionAttempts: options.attempts ?? 2,
    },
    admin.actor,
  );
  return { campaign, link };
}

function admit(token: string, participantId = newPid()) {
  return admitParticipant(
    db,
    { token, participantId, studyId: "60aa00000000000000000001", sessionId: "s1" },
    origin,
  );
}

async function comparisonBy(campaignId: string, actor: Parameters<typeof submitComparison>[2]) {
  const turn = await createJudgeableTurn(db, campaignId, actor);
  const [a, b] = turn.responses;
  await submitComparison(
    db,
    {
      turnId: turn.turnId,
      idempotencyKey: newIdempotencyKey(),
      ranking: [a.id, b.id],
      strength: "better",
      timeSpentMs: 30_000,
    },
    actor,
  );
  await endConversation(db, { conversationId: turn.conversationId }, actor);
}

describe("study links", () => {
  it("keeps only the secret's hash, describes the study without answers, and stops at revocation", async () => {
    const { campaign, link } = await studyLink();
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [stored] = await db.select().from(crowdLinks).where(eq(crowdLinks.id, link.id));
    expect(stored.tokenHash).toBe(hashTokenSecret(link.token));
    expect(JSON.stringify(stored)).not.toContain(link.token);

    const described = await callerFor(db, null).crowd.link({ token: link.token });
    expect(described).toEqual({
      platform: "prolific",
      name: "Compare answers",
      description: "",
      campaignName: campaign.name,
      requiredComparisons: 2,
      comprehensionQuestions: 2,
    });
    await expect(describeCrowdLink(db, { token: "x".repeat(43) })).rejects.toThrow(/not valid any more/);

    await callerFor(db, admin.actor).crowd.revokeLink({ linkId: link.id });
    await expect(describeCrowdLink(db, { token: link.token })).rejects.toThrow(/not valid any more/);
    await expect(admit(link.token)).rejects.toThrow(/not valid any more/);
  });
});

describe("admitParticipant", () => {
  it("finds the same password-less account for the same participant and another for anyone else", async () => {
    const { campaign, link } = await studyLink();
    const pid = newPid();
    const first = await admit(link.token, pid);
    const again = await admit(link.token, pid);
    expect(again.id).toBe(first.id);
    expect(again.sessionId).not.toBe(first.sessionId);
    expect(await findSessionUser(db, again.sessionId)).toMatchObject({ id: first.id, role: "annotator" });
    expect((await admit(link.token)).id).not.toBe(first.id);
    // The same platform id in another campaign is another identity.
    const other = await studyLink();
    expect((await admit(other.link.token, pid)).id).not.toBe(first.id);

    const [participant] = await db
      .select()
      .from(crowdParticipants)
      .where(eq(crowdParticipants.userId, first.id));
    expect(participant).toMatchObject({
      campaignId: campaign.id,
      platform: "prolific",
      participantId: pid,
      sessionId: "s1",
    });
    // No password: the account cannot be signed in to any other way.
    const [account] = await db.select().from(users).where(eq(users.id, first.id));
    expect(account.passwordHash).toBeNull();
    expect(account.email).toMatch(/@participants\.arbiter\.invalid$/);
    await expect(
      signIn(db, { email: account.email, password: "anything at all", ...origin }),
    ).rejects.toThrow(/Wrong email or password/);
  });

  it("refuses malformed ids and counts sign-ins per address", async () => {
    const { link } = await studyLink();
    await expect(admit(link.token, "not an id!")).rejects.toThrow(/participant id/);
    const headers = {};
    const credentials = { token: link.token, participantId: newPid() };
    for (let call = 0; call < CROWD_LINK_SIGN_IN_LIMIT.calls; call++) {
      await authorizeCrowdParticipant(db, credentials, headers);
    }
    await expect(authorizeCrowdParticipant(db, credentials, headers)).rejects.toThrow(/Too many|try again/i);
  });
});

describe("the comprehension check", () => {
  it("opens the campaign only after a pass, and only that campaign", async () => {
    const { campaign, link } = await studyLink();
    // A campaign open to every staff annotator stays closed to participants.
    const { campaign: openToAll } = await createCampaign(db, { membership: "all" });
    const staff = await createAnnotator(db);
    const participant = await admit(link.token);

    expect(await getParticipation(db, participant)).toMatchObject({
      state: "check",
      attemptsLeft: 2,
      questions: [
        { question: "What do you compare?", options: ["Images", "Two answers"] },
        { question: "May you copy answers?", options: ["No", "Yes"] },
      ],
    });
    expect(JSON.stringify(await getParticipation(db, participant))).not.toContain("correctOption");
    await expect(findCampaignForAnnotator(db, campaign.id, participant)).rejects.toThrow(/not open to you/);
    await expect(createJudgeableTurn(db, campaign.id, participant)).rejects.toThrow(/not open to you/);

    expect(await answerComprehension(db, { answers: WRONG }, participant)).toEqual({
      passed: false,
      attemptsLeft: 1,
    });
    expect(await answerComprehension(db, { answers: RIGHT }, participant)).toEqual({
      passed: true,
      attemptsLeft: 0,
    });
    expect((await getParticipation(db, participant))?.state).toBe("working");
    expect((await findCampaignForAnnotator(db, campaign.id, participant)).id).toBe(campaign.id);
    const listed = await getAnnotatorCampaigns(db, {}, participant);
    expect(listed.items.map((item) => item.id)).toEqual([campaign.id]);
    await expect(findCampaignForAnnotator(db, openToAll.id, participant)).rejects.toThrow(/not open to you/);
    expect((await findCampaignForAnnotator(db, openToAll.id, staff.actor)).id).toBe(openToAll.id);
  });

  it("ends with no work after the last failed attempt", async () => {
    const { campaign, link } = await studyLink({ attempts: 2 });
    const participant = await admit(link.token);
    await expect(answerComprehension(db, { answers: [1] }, participant)).rejects.toThrow(
      /Answer every question/,
    );
    expect(await answerComprehension(db, { answers: WRONG }, participant)).toEqual({
      passed: false,
      attemptsLeft: 1,
    });
    expect(await answerComprehension(db, { answers: WRONG }, participant)).toEqual({
      passed: false,
      attemptsLeft: 0,
    });
    expect(await getParticipation(db, participant)).toMatchObject({
      state: "failed",
      questions: [],
      completion: null,
    });
    await expect(answerComprehension(db, { answers: RIGHT }, participant)).rejects.toThrow(/did not pass/);
    await expect(findCampaignForAnnotator(db, campaign.id, participant)).rejects.toThrow(/not open to you/);
  });

  it("counts parallel attempts one after the other", async () => {
    const { link } = await studyLink({ attempts: 3 });
    const participant = await admit(link.token);
    const results = await Promise.all(
      [1, 2, 3, 4].map(() =>
        answerComprehension(db, { answers: WRONG }, participant).catch((error: Error) => error.message),
      ),
    );
    expect(
      results
        .filter((result) => typeof result === "object")
        .map((result) => (result as { attemptsLeft: number }).attemptsLeft)
        .sort(),
    ).toEqual([0, 1, 2]);
    const [row] = await db
      .select()
      .from(crowdParticipants)
      .where(eq(crowdParticipants.userId, participant.id));
    expect(row.comprehensionAttemptsUsed).toBe(3);
    expect(row.failedAt).not.toBeNull();
  });
});

describe("completion and payment", () => {
  it("shows the code and Prolific's redirect after the comparisons the link asks, and lists the work", async () => {
    const { campaign, link } = await studyLink({ questions: [], required: 2 });
    const pid = newPid();
    const participant = await admit(link.token, pid);
    // No questions: straight to work.
    expect(await getParticipation(db, participant)).toMatchObject({
      state: "working",
      comparisonsDone: 0,
      completion: null,
    });
    await comparisonBy(campaign.id, participant);
    expect(await getParticipation(db, participant)).toMatchObject({ state: "working", comparisonsDone: 1 });
    await comparisonBy(campaign.id, participant);
    expect(await getParticipation(db, participant)).toMatchObject({
      state: "complete",
      comparisonsDone: 2,
      completion: {
        code: "C1A2B3",
        redirectUrl: "https://app.prolific.com/submissions/complete?cc=C1A2B3",
        mturk: null,
      },
    });

    const { participants, isTruncated } = await callerFor(db, admin.actor).crowd.participants({
      campaignId: campaign.id,
    });
    expect(isTruncated).toBe(false);
    expect(participants).toEqual([
      expect.objectContaining({
        platform: "prolific",
        participantId: pid,
        studyId: "60aa00000000000000000001",
        sessionId: "s1",
        link: "Compare answers",
        comparisons: 2,
        activeSeconds: 60,
        completedAt: expect.any(Date),
      }),
    ]);
    await expect(callerFor(db, participant).crowd.participants({ campaignId: campaign.id })).rejects.toThrow(
      /admin/i,
    );
  });

  it("posts MTurk's completion form to turkSubmitTo only when it is one of MTurk's hosts", async () => {
    const { campaign } = await createCampaign(db);
    const link = await createCrowdLink(
      db,
      {
        campaignId: campaign.id,
        platform: "mturk",
        name: "HIT",
        requiredComparisons: 1,
        completionCode: "DONE",
      },
      admin.actor,
    );
    const worker = await admitParticipant(
      db,
      {
        token: link.token,
        participantId: "A1B2C3D4E5F6",
        sessionId: "3ASSIGNMENT",
        studyId: "3HIT",
        submitTo: "https://workersandbox.mturk.com/",
      },
      origin,
    );
    await comparisonBy(campaign.id, worker);
    expect((await getParticipation(db, worker))?.completion).toEqual({
      code: "DONE",
      redirectUrl: null,
      mturk: { action: "https://workersandbox.mturk.com/mturk/externalSubmit", assignmentId: "3ASSIGNMENT" },
    });
    const elsewhere = await admitParticipant(
      db,
      {
        token: link.token,
        participantId: "A9Z9Z9Z9Z9Z9",
        sessionId: "3OTHER",
        submitTo: "https://evil.example",
      },
      origin,
    );
    await comparisonBy(campaign.id, elsewhere);
    expect((await getParticipation(db, elsewhere))?.completion?.mturk).toBeNull();
  });
});
