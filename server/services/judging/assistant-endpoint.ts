// Calls to a judge or a reward model, wherever it answers: resolved like a variant's endpoint
// (a supervised local engine, the operator's INFERENCE_URL, or an admin's URL through the outbound
// address policy), one JSON POST per call. A failure says what happened (the HTTP status, the
// refusal, the network error) and never quotes the answer, as for variants.
import type { CampaignJudge, CampaignRewardModel } from "@/db/schema";
import type { EndpointResolver, ResolvedEndpoint } from "@/server/generation/endpoints";
import { outboundRefusalIn } from "@/server/net/outbound-policy";

/** What the judging jobs need from the server: its endpoint resolver and a time limit per call. */
export interface AssistantDeps {
  resolver: EndpointResolver;
  timeoutMs: number;
}

export const ASSISTANT_TIMEOUT_MS = 300_000;

/** A failed call, described for admins (the jobs' error). */
export class AssistantCallError extends Error {
  override name = "AssistantCallError";
}

export function resolveAssistant(
  resolver: EndpointResolver,
  config: CampaignJudge | CampaignRewardModel,
  name: string,
): Promise<ResolvedEndpoint> {
  // A judge or reward model runs a model file or a URL as it is, without a LoRA adapter.
  const identity = resolver.identify({ ...config, name, adapterPath: null, adapterScale: 1 });
  return resolver.resolve(identity, config.apiKeyEnv);
}

function networkCodeOf(error: unknown): string | null {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 8; cause = cause.cause, depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z][A-Z0-9_]+$/.test(code)) return code;
  }
  return null;
}

export interface PostOptions {
  /** What answers, in errors: "reward model". */
  what: string;
  signal: AbortSignal;
  timeoutMs: number;
}

/** POSTs `body` as JSON to `url` on the endpoint and returns the parsed answer. */
export async function postJson(
  endpoint: ResolvedEndpoint,
  url: string,
  body: unknown,
  options: PostOptions,
): Promise<unknown> {
  let response: Response;
  try {
    response = await endpoint.fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
    });
  } catch (error) {
    if (options.signal.aborted) throw error;
    const refusal = outboundRefusalIn(error);
    if (refusal) throw new AssistantCallError(refusal.message);
    if (error instanceof Error && error.name === "TimeoutError") {
      throw new AssistantCallError(
        `The ${options.what} did not answer within ${options.timeoutMs / 1000} seconds.`,
      );
    }
    throw new AssistantCallError(
      `Could not reach the ${options.what} (${networkCodeOf(error) ?? "network error"}).`,
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new AssistantCallError(`The ${options.what} answered HTTP ${response.status}.`);
  }
  try {
    return await response.json();
  } catch {
    throw new AssistantCallError(
      `The ${options.what}'s answer is not JSON; is it an OpenAI-compatible server?`,
    );
  }
}

/** vLLM (and Arbiter's engine) serve /pooling beside /v1, at the server's root. */
export function poolingUrl(baseUrl: string) {
  return `${baseUrl.replace(/\/v\d+$/, "")}/pooling`;
}
