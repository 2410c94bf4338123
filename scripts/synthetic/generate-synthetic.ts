// The synthetic-data generator (`npm run seed -- --synthetic N --campaign NAME`): writes N
// comparisons — primary judgements of multi-turn dialogues, overlap re-ratings and gold
// ratings — into a campaign (created when missing), with several annotators of different
// reliability, weekly batches in which the variants improve from version to version, reviews,
// and problem reports. Everything goes through the import services, which validate like the
// interactive paths; the comparisons trigger picks overlap items as it does for real submits.
// Tooling, not a use case: the seed CLI, tests and benchmarks call it; the app never does.
// bulk-history.ts is the fast path for benchmarks that need millions of plain rows.
//
// The data follow a simple latent model, so the statistics have something to find: each
// variant version has a skill; a turn's true difference is the skill gap plus an item effect;
// each annotator perceives it with their own noise and says how much better from its size.
//
// Planted behaviours give the integrity checks a known truth: annotators who answer at random,
// always pick "Response A" or answer faster than anyone can read (their emails start with
// `random-`, `always-a-`, `too-fast-`), a length bias (a share of judgements prefer the longer
// response, and one variant answers longer than the others), responses that name their model,
// and opening prompts that repeat earlier ones with small edits.
import crypto from "node:crypto";
import { and, asc, desc, eq, inArray, isNull } from "drizzle-orm";
import { bulkInsert } from "@/db/bulk-insert";
import type { Db } from "@/db/client";
import {
  batches,
  campaigns,
  modelVariants,
  overlapCandidates,
  problemReports,
  users,
  type Campaign,
  type ModelVariant,
  type Role,
} from "@/db/schema";
import {
  ATTACK_VECTORS,
  type CampaignKind,
  PROBLEM_KINDS,
  RISK_CATEGORIES,
  type Strength,
  STRENGTHS,
} from "@/lib/constants";
import { ValidationError } from "@/server/errors";
import { recordAudit } from "@/server/services/audit/record-audit";
import { createCampaign } from "@/server/services/campaigns/create-campaign";
import { createVariant } from "@/server/services/campaigns/save-variant";
import { markGold } from "@/server/services/quality/gold-items";
import { seededRandom, type Random } from "@/server/services/quality/stats/random";
import {
  importDialogues,
  variantSnapshot,
  type ImportedDialogue,
} from "@/server/services/imports/import-dialogues";
import {
  importPairRatings,
  importReviews,
  type ImportedPairRating,
  type ImportedReview,
} from "@/server/services/imports/import-ratings";
import {
  ACCEPT_COMMENTS,
  followUpPrompt,
  helpfulnessPrompt,
  helpfulResponse,
  identityClaim,
  nearDuplicatePrompt,
  pick,
  REJECTION_COMMENTS,
  safetyOpeningPrompt,
  safetyPrompt,
  safetyResponse,
  verbosePadding,
} from "./templates";

export interface SyntheticOptions {
  /** Comparisons to write in all: primary judgements plus overlap and gold ratings. */
  comparisons: number;
  campaignName: string;
  /** For a new campaign (an existing one keeps its kind). */
  kind?: CampaignKind;
  annotators?: number;
  seed?: number;
  /** Primary comparisons per write (one transaction each). */
  chunkComparisons?: number;
  now?: Date;
  onProgress?: (progress: { written: number; total: number; elapsedMs: number }) => void;
  /** Planted annotators, on top of `annotators`: they choose at random, always choose
   * "Response A", or judge honestly but in a second or two. */
  randomAnnotators?: number;
  alwaysAAnnotators?: number;
  tooFastAnnotators?: number;
  /** 0..1: this share of judgements prefers the longer response, and the first variant (by
   * name) answers longer than the others. */
  lengthBias?: number;
  /** Judged turns in which one response names a model or vendor. */
  identityLeaks?: number;
  /** Opening prompts that repeat an earlier one of this run with a small edit. */
  duplicatePrompts?: number;
}

/** The behaviours the generator can plant in an annotator; the email starts with the name. */
export const PLANTED_BEHAVIOURS = ["random", "always-a", "too-fast"] as const;
export type PlantedBehaviour = (typeof PLANTED_BEHAVIOURS)[number];

export interface SyntheticResult {
  campaignId: string;
  campaignName: string;
  createdCampaign: boolean;
  kind: CampaignKind;
  comparisons: { total: number; primary: number; overlap: number; gold: number };
  dialogues: number;
  batches: number;
  goldItems: number;
  reviews: number;
  problemReports: number;
  elapsedMs: number;
  comparisonsPerSecond: number;
  planted: {
    annotators: Record<PlantedBehaviour, number>;
    identityLeaks: number;
    duplicatePrompts: number;
    /** The variant that answers longer, when a length bias was planted. */
    verboseVariant: string | null;
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;

function nonNegative(value: number | undefined, what: string) {
  if (value === undefined) return 0;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(`The number of ${what} is a whole number of at least 0.`);
  }
  return value;
}
const GOLD_RATING_RATE = 0.02;
const REVIEW_RATE = 0.03;
const PROBLEM_REPORT_RATE = 0.01;

/** A standard normal draw (Box–Muller). */
function normal(random: Random) {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function strengthOf(perceivedGap: number): Strength {
  const size = Math.abs(perceivedGap);
  if (size < 0.35) return "negligibly_better";
  if (size < 0.9) return "slightly_better";
  if (size < 1.7) return "better";
  return "significantly_better";
}

/** Variant indices for one turn: distinct when there are enough variants. */
function pickVariants(random: Random, available: number, wanted: number): number[] {
  const order = shuffled(random, available);
  return Array.from({ length: wanted }, (_, i) => order[i % available]);
}

interface Person {
  id: string;
  /** How noisily this annotator perceives quality gaps. */
  noise: number;
  /** Multiplies the time they take. */
  pace: number;
  behaviour: PlantedBehaviour | "honest";
}

/** A too-fast annotator's time on a turn: 1-3.5 s, far below what two answers take to read. */
const tooFastTimeMs = (random: Random) => Math.round(1000 + 2500 * random());

function shuffled(random: Random, length: number) {
  const order = Array.from({ length }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** The ranking (positions, best first) an annotator gives: honest annotators order by what they
 * perceive, or by length in the length-biased share of judgements. */
function rankPositions(
  random: Random,
  person: Person,
  perceived: readonly number[],
  lengths: readonly number[],
  lengthBias: number,
) {
  const byPerceived = (a: number, b: number) => perceived[b] - perceived[a];
  if (person.behaviour === "random") return shuffled(random, perceived.length);
  const order = perceived.map((_, i) => i);
  if (person.behaviour === "always-a") return [0, ...order.slice(1).sort(byPerceived)];
  if (lengthBias > 0 && random() < lengthBias) {
    return order.sort((a, b) => lengths[b] - lengths[a] || byPerceived(a, b));
  }
  return order.sort(byPerceived);
}

async function ensureUsers(db: Db, role: Role, prefix: string, howMany: number) {
  if (howMany === 0) return [];
  const emails = Array.from(
    { length: howMany },
    (_, i) => `${prefix}-${String(i + 1).padStart(2, "0")}@synthetic.arbiter.test`,
  );
  await db
    .insert(users)
    .values(emails.map((email, i) => ({ email, name: `Synthetic ${role} ${i + 1}`, role })))
    .onConflictDoNothing();
  const rows = await db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(inArray(users.email, emails));
  return emails.map((email) => rows.find((row) => row.email === email)!.id);
}

const GUIDELINES = `# Guidelines

Write a prompt as a real user would, then compare the responses.

1. **Choose** the response you prefer, then say **how much better** it is: significantly better,
   better, slightly better, or negligibly better / unsure.
2. Judge helpfulness (does it fulfil the request?) and, in safety campaigns, safety (is it free
   of harmful content?).
3. Keep dialogues natural: follow up on the previous answer.
`;

const DEFAULT_VARIANTS = [
  { name: "llama-2-7b-chat", model: "llama-2-7b-chat", temperature: 0.7, base: 0, growth: 0 },
  { name: "arbiter-rlhf-7b", model: "arbiter-rlhf-7b", temperature: 0.9, base: -0.4, growth: 1.0 },
  { name: "arbiter-rlhf-13b", model: "arbiter-rlhf-13b", temperature: 0.8, base: -0.2, growth: 1.4 },
];

async function ensureCampaign(db: Db, options: SyntheticOptions, adminId: string) {
  const [existing] = await db
    .select()
    .from(campaigns)
    .where(eq(campaigns.name, options.campaignName))
    .limit(1);
  if (existing) {
    if (existing.status === "archived") {
      throw new ValidationError(
        `The campaign "${existing.name}" is archived; restore it before adding data.`,
      );
    }
    return { campaign: existing, created: false };
  }
  const kind = options.kind ?? "helpfulness";
  const campaign = await createCampaign(
    db,
    {
      name: options.campaignName,
      description: `Synthetic ${kind} data for benchmarks and demos.`,
      kind,
      guidelines: GUIDELINES,
      maxTurns: kind === "safety" ? 3 : 4,
      systemPrompt: kind === "safety" ? null : "You are a helpful, honest assistant.",
      overlapFraction: 0.1,
      goldFraction: 0.05,
    },
    { id: adminId },
  );
  return { campaign, created: true };
}

async function ensureVariants(db: Db, campaign: Campaign, adminId: string): Promise<ModelVariant[]> {
  const active = await db
    .select()
    .from(modelVariants)
    .where(and(eq(modelVariants.campaignId, campaign.id), eq(modelVariants.isActive, true)))
    .orderBy(asc(modelVariants.name));
  if (active.length >= 2) return active;
  for (const variant of DEFAULT_VARIANTS.filter((spec) => !active.some((row) => row.name === spec.name))) {
    active.push(
      await createVariant(
        db,
        {
          campaignId: campaign.id,
          name: variant.name,
          endpointKind: "openai",
          // Synthetic: nothing listens here; point it at a real server to annotate for real.
          baseUrl: "http://127.0.0.1:8000/v1",
          model: variant.model,
          temperature: variant.temperature,
          topP: 0.95,
          maxTokens: 512,
          versionLabel: "v1",
        },
        { id: adminId },
      ),
    );
  }
  return active;
}

/** Closed batches of about a week each, ending now, and the last one open. */
async function createBatches(
  db: Db,
  campaign: Campaign,
  variants: ModelVariant[],
  days: number,
  now: Date,
  adminId: string,
) {
  const count = Math.max(2, Math.ceil(days / 7));
  const start = now.getTime() - days * DAY_MS;
  const length = (days * DAY_MS) / count;
  const [last] = await db
    .select({ number: batches.number })
    .from(batches)
    .where(eq(batches.campaignId, campaign.id))
    .orderBy(desc(batches.number))
    .limit(1);
  const firstNumber = (last?.number ?? 0) + 1;
  const versionAt = (variantIndex: number, batchIndex: number) =>
    variantIndex === 0 ? "v1" : `v${batchIndex + 1}`;
  return db.transaction(async (tx) => {
    await tx
      .update(batches)
      .set({ status: "closed", closedAt: new Date(start), closedById: adminId })
      .where(and(eq(batches.campaignId, campaign.id), eq(batches.status, "open")));
    const rows = await tx
      .insert(batches)
      .values(
        Array.from({ length: count }, (_, i) => ({
          campaignId: campaign.id,
          number: firstNumber + i,
          label: `Week ${i + 1}`,
          status: i === count - 1 ? ("open" as const) : ("closed" as const),
          variantVersions: Object.fromEntries(variants.map((variant, v) => [variant.id, versionAt(v, i)])),
          openedById: adminId,
          closedById: i === count - 1 ? null : adminId,
          openedAt: new Date(start + i * length),
          closedAt: i === count - 1 ? null : new Date(start + (i + 1) * length),
        })),
      )
      .returning();
    for (const [v, variant] of variants.entries()) {
      await tx
        .update(modelVariants)
        .set({ versionLabel: versionAt(v, count - 1), updatedAt: now })
        .where(eq(modelVariants.id, variant.id));
    }
    if (campaign.status === "draft" || campaign.status === "paused") {
      await tx
        .update(campaigns)
        .set({ status: "active", updatedAt: now })
        .where(eq(campaigns.id, campaign.id));
    }
    return {
      rows,
      versionAt,
      start,
      batchIndexAt: (time: number) => Math.min(count - 1, Math.floor((time - start) / length)),
    };
  });
}

interface TurnTruth {
  comparisonId: string;
  annotatorId: string;
  batchId: string;
  /** The true quality gap, response at position 1 minus position 0, of the judged pair. */
  gap: number;
  /** Which pair the comparison judged, as positions (for rankings of 3-4). */
  positions: [number, number];
  /** The judged pair's response lengths (characters), in position order. */
  lengths: [number, number];
  safety: [boolean, boolean] | null;
  createdAt: Date;
}

export async function generateSyntheticData(db: Db, options: SyntheticOptions): Promise<SyntheticResult> {
  if (!Number.isSafeInteger(options.comparisons) || options.comparisons < 1) {
    throw new ValidationError("Say how many comparisons to write (a whole number of at least 1).");
  }
  const started = performance.now();
  const random = seededRandom(options.seed ?? 42);
  const now = options.now ?? new Date();
  const total = options.comparisons;
  const chunkComparisons = options.chunkComparisons ?? 4000;

  const [adminId] = await ensureUsers(db, "admin", "synthetic-admin", 1);
  const annotatorIds = await ensureUsers(db, "annotator", "synthetic-annotator", options.annotators ?? 24);
  const reviewerIds = await ensureUsers(db, "reviewer", "synthetic-reviewer", 3);
  const people: Person[] = annotatorIds.map((id, i) => ({
    id,
    noise: 0.3 + (1.3 * i) / Math.max(annotatorIds.length - 1, 1),
    pace: Math.exp(0.35 * normal(random)),
    behaviour: "honest",
  }));
  const plantedCounts: Record<PlantedBehaviour, number> = {
    random: nonNegative(options.randomAnnotators, "random annotators"),
    "always-a": nonNegative(options.alwaysAAnnotators, "always-A annotators"),
    "too-fast": nonNegative(options.tooFastAnnotators, "too-fast annotators"),
  };
  for (const behaviour of PLANTED_BEHAVIOURS) {
    const ids = await ensureUsers(db, "annotator", behaviour, plantedCounts[behaviour]);
    for (const id of ids) {
      people.push({ id, noise: 0.8, pace: Math.exp(0.35 * normal(random)), behaviour });
    }
  }
  const lengthBias = options.lengthBias ?? 0;
  if (!(lengthBias >= 0 && lengthBias <= 1)) {
    throw new ValidationError("The length bias is a share of judgements, from 0 to 1.");
  }
  const leaksWanted = nonNegative(options.identityLeaks, "identity leaks");
  const duplicatesWanted = nonNegative(options.duplicatePrompts, "duplicate prompts");
  const noiseOf = new Map(people.map((person) => [person.id, person.noise]));

  const { campaign, created } = await ensureCampaign(db, options, adminId);
  const variants = await ensureVariants(db, campaign, adminId);
  const days = Math.min(120, Math.max(7, Math.ceil(total / 12_000)));
  const {
    rows: batchRows,
    versionAt,
    start,
    batchIndexAt,
  } = await createBatches(db, campaign, variants, days, now, adminId);
  const skill = (variantIndex: number, batchIndex: number) => {
    const spec = DEFAULT_VARIANTS[variantIndex % DEFAULT_VARIANTS.length];
    return spec.base + (spec.growth * batchIndex) / Math.max(batchRows.length - 1, 1);
  };
  const isSafety = campaign.kind === "safety";
  const perTurn = campaign.responsesPerTurn;
  const overlapRate = campaign.overlapFraction;
  const goldRate = campaign.goldFraction > 0 ? GOLD_RATING_RATE : 0;
  const verboseIndex = lengthBias > 0 ? 0 : -1;
  // Leaks and duplicates are spread over the run: one every so many turns (dialogues), spaced
  // for fewer turns (dialogues) than the run will write so that all of them fit.
  const expectedPrimary = total / (1 + overlapRate + goldRate);
  const leakEvery = Math.max(1, Math.floor((0.8 * expectedPrimary) / Math.max(leaksWanted, 1)));
  const duplicateEvery = Math.max(
    1,
    Math.floor((0.8 * expectedPrimary) / campaign.maxTurns / Math.max(duplicatesWanted, 1)),
  );
  let judgedTurns = 0;
  let leaksPlanted = 0;
  let duplicatesPlanted = 0;
  const originalOpeners: { topic: string; text: string }[] = [];

  const written = { primary: 0, overlap: 0, gold: 0 };
  let dialogues = 0;
  let reviewsWritten = 0;
  let reportsWritten = 0;
  const gold: {
    id: string;
    gap: number;
    authorId: string;
    positions: [number, number];
    lengths: [number, number];
  }[] = [];
  const goldSeen = new Set<string>();
  const spanMs = now.getTime() - start;
  const done = () => written.primary + written.overlap + written.gold;

  while (done() < total) {
    const left = total - done();
    const primaryBudget = Math.max(
      1,
      Math.min(chunkComparisons, Math.ceil(left / (1 + overlapRate + goldRate))),
    );
    const chunk: ImportedDialogue[] = [];
    const truths: TurnTruth[][] = [];
    const reports: { dialogue: number; annotatorId: string; at: Date }[] = [];
    let chunkPrimary = 0;
    while (chunkPrimary < primaryBudget) {
      const progress = Math.min(0.999999, (done() + chunkPrimary) / total);
      const at = new Date(start + progress * spanMs);
      const batchIndex = batchIndexAt(at.getTime());
      const batch = batchRows[batchIndex];
      const author = pick(random, people);
      const wantedTurns = 1 + Math.min(campaign.maxTurns - 1, Math.floor(-Math.log(1 - random()) * 1.4));
      const turnCount = Math.min(wantedTurns, primaryBudget - chunkPrimary);
      const reported = random() < PROBLEM_REPORT_RATE && turnCount < campaign.maxTurns;
      const risk = isSafety ? pick(random, RISK_CATEGORIES) : null;
      const vector = isSafety ? pick(random, ATTACK_VECTORS) : null;
      const isDuplicate =
        duplicatesPlanted < duplicatesWanted &&
        originalOpeners.length > 0 &&
        (dialogues + chunk.length) % duplicateEvery === 0;
      let opener: { topic: string; text: string };
      if (isDuplicate) {
        const original = pick(random, originalOpeners);
        opener = { topic: original.topic, text: nearDuplicatePrompt(random, original.text) };
        duplicatesPlanted++;
      } else {
        opener = isSafety
          ? { topic: "", text: safetyOpeningPrompt(random, risk!, vector!) }
          : helpfulnessPrompt(random);
        originalOpeners.push(opener);
      }
      const dialogueTruths: TurnTruth[] = [];
      const turns: ImportedDialogue["turns"] = [];
      let clock = at.getTime();
      for (let t = 0; t < turnCount + (reported ? 1 : 0); t++) {
        const isReportedTurn = t === turnCount;
        const userMessage =
          t === 0 ? opener.text : isSafety ? safetyPrompt(random, risk!, vector!) : followUpPrompt(random);
        const chosenVariants = pickVariants(random, variants.length, perTurn);
        const leakPosition =
          !isReportedTurn && leaksPlanted < leaksWanted && judgedTurns % leakEvery === leakEvery - 1
            ? Math.floor(random() * perTurn)
            : -1;
        if (leakPosition >= 0) leaksPlanted++;
        const qualities = chosenVariants.map((v) => skill(v, batchIndex) + 0.6 * normal(random));
        const safeties = chosenVariants.map(
          (v) => random() < 0.55 + 0.1 * v + 0.3 * (batchIndex / Math.max(batchRows.length - 1, 1)),
        );
        const responses = chosenVariants.map((v, position) => {
          const variant = variants[v];
          const answer = isSafety
            ? safetyResponse(random, safeties[position], 1 / (1 + Math.exp(-qualities[position])))
            : helpfulResponse(random, opener.topic, 1 / (1 + Math.exp(-qualities[position])));
          const text = [
            position === leakPosition ? identityClaim(random, variant.name) : "",
            answer,
            v === verboseIndex ? verbosePadding(random) : "",
          ]
            .filter(Boolean)
            .join(" ");
          const completionTokens = Math.ceil(text.length / 4);
          return {
            ...variantSnapshot(variant),
            variantVersion: versionAt(v, batchIndex),
            seed: Math.floor(random() * 2 ** 31),
            text,
            finishReason: "stop",
            promptTokens: 20 + 40 * t,
            completionTokens,
            firstTokenMs: Math.round(80 + 60 * random()),
            latencyMs: Math.round(100 + completionTokens * (15 + 10 * random())),
          };
        });
        clock += Math.round((20 + 40 * random()) * 1000);
        if (isReportedTurn) {
          turns.push({ userMessage, responses, createdAt: new Date(clock) });
          break;
        }
        // The annotator's perception: safety first in safety campaigns (Llama 2 §3.2.2).
        const perceived = qualities.map(
          (quality, i) =>
            quality + (isSafety ? (safeties[i] ? 1.2 : -1.2) : 0) + author.noise * normal(random),
        );
        const lengths = responses.map((response) => response.text.length);
        const ranking = rankPositions(random, author, perceived, lengths, lengthBias);
        const timeSpentMs =
          author.behaviour === "too-fast"
            ? tooFastTimeMs(random)
            : Math.min(
                30 * 60 * 1000,
                Math.max(
                  2000,
                  Math.round(38_000 * author.pace * Math.exp(0.45 * normal(random)) * (1 + 0.15 * t)),
                ),
              );
        judgedTurns++;
        const judgedAt = new Date(clock + timeSpentMs);
        clock = judgedAt.getTime();
        turns.push({
          userMessage,
          responses,
          createdAt: new Date(clock - timeSpentMs),
          judgement: {
            ranking,
            strength:
              author.behaviour === "random"
                ? pick(random, STRENGTHS)
                : strengthOf(perceived[ranking[0]] - perceived[ranking[1]]),
            responseSafety: isSafety ? safeties.map((safe) => (random() < 0.05 ? !safe : safe)) : undefined,
            timeSpentMs,
            createdAt: judgedAt,
          },
        });
        const pairPositions = [ranking[0], ranking[1]].sort((a, b) => a - b) as [number, number];
        dialogueTruths.push({
          comparisonId: "",
          annotatorId: author.id,
          batchId: batch.id,
          gap:
            qualities[pairPositions[1]] -
            qualities[pairPositions[0]] +
            (isSafety
              ? (safeties[pairPositions[1]] ? 1.2 : -1.2) - (safeties[pairPositions[0]] ? 1.2 : -1.2)
              : 0),
          positions: pairPositions,
          lengths: [lengths[pairPositions[0]], lengths[pairPositions[1]]],
          safety: isSafety ? [safeties[pairPositions[0]], safeties[pairPositions[1]]] : null,
          createdAt: judgedAt,
        });
      }
      if (reported) reports.push({ dialogue: chunk.length, annotatorId: author.id, at: new Date(clock) });
      chunk.push({
        annotatorId: author.id,
        batchId: batch.id,
        origin: "synthetic",
        systemPrompt: campaign.systemPrompt,
        safetyPreprompt: campaign.safetyPreprompt,
        riskCategory: risk,
        attackVector: vector,
        createdAt: at,
        turns,
      });
      truths.push(dialogueTruths);
      chunkPrimary += turnCount;
    }

    const ids = await importDialogues(db, campaign, chunk, { keyPrefix: "synthetic:" });
    dialogues += chunk.length;
    written.primary += chunkPrimary;
    const truthById = new Map<string, TurnTruth>();
    ids.forEach((dialogue, d) =>
      truths[d].forEach((truth, t) => {
        truth.comparisonId = dialogue.turns[t].comparisonId!;
        truthById.set(truth.comparisonId, truth);
      }),
    );

    if (reports.length > 0) {
      const rows = reports.map((report) => {
        const dialogue = ids[report.dialogue];
        const turn = dialogue.turns[dialogue.turns.length - 1];
        return {
          id: crypto.randomUUID(),
          turnId: turn.turnId,
          conversationId: dialogue.conversationId,
          campaignId: campaign.id,
          annotatorId: report.annotatorId,
          kind: pick(random, PROBLEM_KINDS),
          note: "Synthetic report: the responses did not load properly.",
          createdAt: report.at,
        };
      });
      await bulkInsert(
        db,
        problemReports,
        ["id", "turnId", "conversationId", "campaignId", "annotatorId", "kind", "note", "createdAt"],
        rows,
      );
      reportsWritten += rows.length;
    }

    // Overlap: the comparisons the trigger picked from this chunk, each re-rated by someone else.
    const chunkIds = [...truthById.keys()];
    const waiting: { comparisonId: string }[] = [];
    for (let i = 0; i < chunkIds.length; i += 5000) {
      waiting.push(
        ...(await db
          .select({ comparisonId: overlapCandidates.comparisonId })
          .from(overlapCandidates)
          .where(
            and(
              inArray(overlapCandidates.comparisonId, chunkIds.slice(i, i + 5000)),
              isNull(overlapCandidates.pairTaskId),
            ),
          )),
      );
    }
    // Gold items: clear-cut turns of the first chunk, marked the way an admin marks them.
    if (gold.length === 0 && goldRate > 0) {
      const overlapped = new Set(waiting.map((row) => row.comparisonId));
      // Not an overlap item too: nobody would meet the same turn twice.
      const clear = [...truthById.values()].filter(
        (truth) => Math.abs(truth.gap) > 1.2 && !overlapped.has(truth.comparisonId),
      );
      const wanted = Math.min(clear.length, Math.max(5, Math.min(300, Math.round(total / 3000))));
      for (const truth of clear.slice(0, wanted)) {
        const item = await markGold(
          db,
          { comparisonId: truth.comparisonId, expectedStrength: random() < 0.5 ? undefined : null },
          { id: adminId },
        );
        gold.push({
          id: item.id,
          gap: truth.gap,
          authorId: truth.annotatorId,
          positions: truth.positions,
          lengths: truth.lengths,
        });
      }
    }

    const ratings: ImportedPairRating[] = [];
    const rate = (
      pair: { gap: number; lengths: [number, number] },
      rater: Person,
      at: Date,
      safety: [boolean, boolean] | null,
    ) => {
      const perceived = pair.gap + rater.noise * normal(random);
      const firstShownFirst = random() < 0.5;
      // rankPositions works on display slots; the rating names the pair in position order.
      const shown = firstShownFirst ? [0, 1] : [1, 0];
      const [best] = rankPositions(
        random,
        rater,
        shown.map((p) => (p === 1 ? perceived : 0)),
        shown.map((p) => pair.lengths[p]),
        lengthBias,
      );
      return {
        firstShownFirst,
        chosen: shown[best] as 0 | 1,
        strength: rater.behaviour === "random" ? pick(random, STRENGTHS) : strengthOf(perceived),
        responseSafety: safety
          ? (safety.map((safe) => (random() < 0.05 ? !safe : safe)) as [boolean, boolean])
          : undefined,
        timeSpentMs:
          rater.behaviour === "too-fast"
            ? tooFastTimeMs(random)
            : Math.max(2000, Math.round(25_000 * rater.pace * Math.exp(0.4 * normal(random)))),
        createdAt: new Date(Math.min(now.getTime(), at.getTime() + (1 + 47 * random()) * 3600_000)),
      };
    };
    // Gold: met blind in proportion to the chunk's work. Its share is kept back from the overlap
    // ratings, whose number follows the trigger's hash of random comparison ids and would
    // otherwise use up the last chunk's budget now and then.
    const goldWanted = gold.length > 0 ? Math.round(chunkPrimary * goldRate) : 0;
    for (const { comparisonId } of waiting) {
      if (done() + ratings.length + goldWanted >= total) break;
      const truth = truthById.get(comparisonId)!;
      let rater = pick(random, people);
      while (rater.id === truth.annotatorId) rater = pick(random, people);
      ratings.push({
        kind: "overlap",
        sourceComparisonId: comparisonId,
        annotatorId: rater.id,
        ...rate(truth, rater, truth.createdAt, truth.safety),
      });
    }
    const overlapCount = ratings.length;
    for (let g = 0; g < goldWanted && done() + ratings.length < total; g++) {
      const item = pick(random, gold);
      const rater = pick(random, people);
      const key = `${item.id}:${rater.id}`;
      if (rater.id === item.authorId || goldSeen.has(key)) continue;
      goldSeen.add(key);
      const at = truths[truths.length - 1][0]?.createdAt ?? now;
      const batchIndex = batchIndexAt(at.getTime());
      ratings.push({
        kind: "gold",
        goldItemId: item.id,
        annotatorId: rater.id,
        batchId: batchRows[batchIndex].id,
        ...rate(item, rater, at, isSafety ? [true, true] : null),
      });
    }
    await importPairRatings(db, campaign, ratings);
    written.overlap += overlapCount;
    written.gold += ratings.length - overlapCount;

    // Reviews: a sample of the chunk; noisy annotators and wrong choices get rejected more.
    const reviews: ImportedReview[] = [];
    for (const truth of truthById.values()) {
      if (random() >= REVIEW_RATE) continue;
      const noise = noiseOf.get(truth.annotatorId) ?? 1;
      const rejected = random() < 0.04 + 0.12 * noise;
      reviews.push({
        comparisonId: truth.comparisonId,
        reviewerId: pick(random, reviewerIds),
        decision: rejected ? "rejected" : "accepted",
        comment: rejected ? pick(random, REJECTION_COMMENTS) : pick(random, ACCEPT_COMMENTS),
        createdAt: new Date(Math.min(now.getTime(), truth.createdAt.getTime() + 3 * 3600_000)),
      });
    }
    await importReviews(db, reviews);
    reviewsWritten += reviews.length;
    options.onProgress?.({ written: done(), total, elapsedMs: performance.now() - started });
  }

  const elapsedMs = performance.now() - started;
  const result: SyntheticResult = {
    campaignId: campaign.id,
    campaignName: campaign.name,
    createdCampaign: created,
    kind: campaign.kind,
    comparisons: { total: done(), ...written },
    dialogues,
    batches: batchRows.length,
    goldItems: gold.length,
    reviews: reviewsWritten,
    problemReports: reportsWritten,
    elapsedMs: Math.round(elapsedMs),
    comparisonsPerSecond: Math.round(done() / (elapsedMs / 1000)),
    planted: {
      annotators: plantedCounts,
      identityLeaks: leaksPlanted,
      duplicatePrompts: duplicatesPlanted,
      verboseVariant: verboseIndex >= 0 ? variants[verboseIndex].name : null,
    },
  };
  await recordAudit(db, {
    actorId: adminId,
    action: "campaign.synthetic_data_generated",
    targetType: "campaign",
    targetId: campaign.id,
    details: { comparisons: result.comparisons, dialogues, batches: result.batches },
  });
  return result;
}
