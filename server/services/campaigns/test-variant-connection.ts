// "Test connection", of a saved variant or of the variant form's values before saving: resolves
// the endpoint as generation would (starting the supervised local engine when the variant uses
// one; an admin's URL through the outbound address policy), lists the server's models
// (GET /v1/models) and generates a few tokens, and reports each step's result or error: the
// HTTP status or network error, never an error body (an admin could aim the URL at a host that
// is not a model server and read its answers in them).
import { eq } from "drizzle-orm";
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import { z } from "zod";
import type { Db } from "@/db/client";
import { modelVariants, type ModelVariant } from "@/db/schema";
import type { EndpointIdentity, ResolvedEndpoint } from "@/server/generation/endpoints";
import type { SessionUser } from "@/server/auth/session-user";
import { NotFoundError } from "@/server/errors";
import { configuredModelDirs } from "@/server/generation/model-files";
import { outboundRefusalIn } from "@/server/net/outbound-policy";
import { recordAudit } from "../audit/record-audit";
import { findCampaign } from "./campaign-access";
import { VARIANT_NOT_FOUND } from "./save-variant";
import { checkModelVariant, VariantFields } from "./variant-schemas";

export const TestVariantConnectionInput = z.object({ variantId: z.uuid("That is not a valid variant id.") });
export type TestVariantConnectionInput = z.infer<typeof TestVariantConnectionInput>;

/** The variant form's values, not saved yet: checked as a save would check them. */
export const TestUnsavedVariantInput = VariantFields.extend({
  campaignId: z.uuid("That is not a valid campaign id."),
});
export type TestUnsavedVariantInput = z.input<typeof TestUnsavedVariantInput>;

/** How a variant's endpoint is found: the generation runtime's EndpointResolver. */
export interface VariantEndpointResolver {
  identify(variant: ModelVariant): EndpointIdentity;
  resolve(identity: EndpointIdentity, apiKeyEnv: string | null): Promise<ResolvedEndpoint>;
}

export interface ConnectionStep {
  name: "Find the endpoint" | "List models" | "Generate";
  ok: boolean;
  detail: string;
  ms: number;
}

export interface ConnectionTestResult {
  ok: boolean;
  baseUrl: string | null;
  model: string | null;
  models: string[];
  sample: string | null;
  steps: ConnectionStep[];
}

const TIMEOUT_MS = 30_000;
const TEST_PROMPT = "Say hello in five words.";
export const TEST_MAX_TOKENS = 8;

const STATUS_HINTS: Record<number, string> = {
  401: " Check the variant's API key variable.",
  403: " Check the variant's API key variable.",
  404: " Check the URL (it usually ends in /v1) and the model name.",
};

/** The error in one line: the address refusal, the HTTP status, or the network cause. */
function describeEndpointError(error: unknown, baseUrl: string | null): string {
  const refusal = outboundRefusalIn(error);
  if (refusal) return refusal.message;
  if (error instanceof APIConnectionTimeoutError) {
    return `No answer from ${baseUrl} within ${TIMEOUT_MS / 1000} s.`;
  }
  if (error instanceof APIConnectionError) {
    // fetch wraps the network error ("fetch failed"); the innermost cause says what happened.
    let cause: unknown = error;
    while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
    const { message, code } = cause as { message?: string; code?: string };
    const reason =
      code && message && !message.includes(code) ? `${code}: ${message}` : message || error.message;
    return `Could not connect to ${baseUrl}: ${reason}`;
  }
  if (error instanceof APIError) {
    return `${baseUrl} answered HTTP ${error.status ?? "?"}.${STATUS_HINTS[error.status ?? 0] ?? ""}`;
  }
  // A parse error quotes the answer it could not parse.
  return `The answer from ${baseUrl} could not be read as an OpenAI-compatible response.`;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const started = performance.now();
  try {
    const value = await work();
    return { value, ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { error, ms: Math.round(performance.now() - started) };
  }
}

export async function testVariantConnection(
  db: Db,
  input: TestVariantConnectionInput,
  actor: Pick<SessionUser, "id">,
  resolver: VariantEndpointResolver,
): Promise<ConnectionTestResult> {
  const [variant] = await db
    .select()
    .from(modelVariants)
    .where(eq(modelVariants.id, input.variantId))
    .limit(1);
  if (!variant) throw new NotFoundError(VARIANT_NOT_FOUND);
  const result = await runConnectionTest(variant, resolver);
  await recordConnectionTest(db, actor, result, {
    targetType: "variant",
    targetId: variant.id,
    campaignId: variant.campaignId,
    name: variant.name,
  });
  return result;
}

/**
 * "Test connection" inside the variant form: the same steps on values that are not saved, so an
 * admin finds a wrong URL or model before the variant exists. `modelDirs` as in createVariant.
 */
export async function testUnsavedVariantConnection(
  db: Db,
  rawInput: TestUnsavedVariantInput,
  actor: Pick<SessionUser, "id">,
  resolver: VariantEndpointResolver,
  modelDirs: readonly string[] = configuredModelDirs(),
): Promise<ConnectionTestResult> {
  const { campaignId, ...fields } = TestUnsavedVariantInput.parse(rawInput);
  const values = checkModelVariant(fields, modelDirs);
  const campaign = await findCampaign(db, campaignId);
  const now = new Date();
  const unsaved: ModelVariant = {
    ...values,
    baseUrl: values.baseUrl ?? null,
    modelPath: values.modelPath ?? null,
    apiKeyEnv: values.apiKeyEnv ?? null,
    topK: values.topK ?? null,
    id: "",
    campaignId,
    createdAt: now,
    updatedAt: now,
  };
  const result = await runConnectionTest(unsaved, resolver);
  await recordConnectionTest(db, actor, result, {
    targetType: "campaign",
    targetId: campaign.id,
    campaignId: campaign.id,
    name: values.name,
  });
  return result;
}

async function runConnectionTest(
  variant: ModelVariant,
  resolver: VariantEndpointResolver,
): Promise<ConnectionTestResult> {
  const result: ConnectionTestResult = {
    ok: false,
    baseUrl: null,
    model: null,
    models: [],
    sample: null,
    steps: [],
  };

  const found = await timed(async () => resolver.resolve(resolver.identify(variant), variant.apiKeyEnv));
  const endpoint = found.value;
  result.steps.push({
    name: "Find the endpoint",
    ok: endpoint !== undefined,
    // Resolver errors are Arbiter's own sentences (a missing key variable, a model file).
    detail: endpoint ? endpoint.baseUrl : (found.error as Error).message,
    ms: found.ms,
  });
  if (endpoint) {
    result.baseUrl = endpoint.baseUrl;
    result.model = endpoint.model;
    const client = new OpenAI({
      baseURL: endpoint.baseUrl,
      apiKey: endpoint.apiKey ?? "not-needed",
      timeout: TIMEOUT_MS,
      maxRetries: 0,
      fetch: endpoint.fetch,
    });

    const listed = await timed(async () => {
      const models: string[] = [];
      for await (const model of client.models.list()) models.push(model.id);
      return models;
    });
    if (listed.value) {
      result.models = listed.value;
      const hasModel = listed.value.includes(endpoint.model);
      result.steps.push({
        name: "List models",
        ok: hasModel,
        detail: hasModel
          ? `${listed.value.length} model${listed.value.length === 1 ? "" : "s"}: ${listed.value.join(", ")}`
          : `The server does not list the model "${endpoint.model}"; it lists: ${listed.value.join(", ") || "nothing"}.`,
        ms: listed.ms,
      });
    } else {
      result.steps.push({
        name: "List models",
        ok: false,
        detail: describeEndpointError(listed.error, endpoint.baseUrl),
        ms: listed.ms,
      });
    }

    const generated = await timed(() =>
      client.chat.completions.create({
        model: endpoint.model,
        messages: [{ role: "user", content: TEST_PROMPT }],
        max_tokens: TEST_MAX_TOKENS,
        temperature: variant.temperature,
        top_p: variant.topP,
        stream: false,
      }),
    );
    const completion = generated.value;
    // Whatever answered may not be a model server: nothing in its answer is taken for granted.
    const text = completion?.choices?.[0]?.message?.content ?? null;
    result.sample = text;
    result.steps.push({
      name: "Generate",
      ok: completion !== undefined && text !== null,
      detail: completion
        ? `${completion.usage?.completion_tokens ?? "?"} tokens (${completion.choices?.[0]?.finish_reason ?? "no finish reason"}): ${JSON.stringify(text ?? "")}`
        : describeEndpointError(generated.error, endpoint.baseUrl),
      ms: generated.ms,
    });
  }
  result.ok = result.steps.every((step) => step.ok);
  return result;
}

/** The audit record of a test: the variant's, or the campaign's for a variant not saved yet. */
function recordConnectionTest(
  db: Db,
  actor: Pick<SessionUser, "id">,
  result: ConnectionTestResult,
  target: { targetType: "variant" | "campaign"; targetId: string; campaignId: string; name: string },
) {
  return recordAudit(db, {
    actorId: actor.id,
    action: "variant.connection_tested",
    targetType: target.targetType,
    targetId: target.targetId,
    details: {
      campaignId: target.campaignId,
      name: target.name,
      isSaved: target.targetType === "variant",
      ok: result.ok,
      baseUrl: result.baseUrl,
      failed: result.steps.filter((step) => !step.ok).map((step) => `${step.name}: ${step.detail}`),
    },
  });
}
