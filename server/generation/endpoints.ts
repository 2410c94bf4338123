// Where a variant's responses come from. At turn creation a response records the endpoint's
// identity (kind, an address or "local:<model file>", the model name); at generation time that
// identity is resolved to a live OpenAI-compatible base URL: a supervised local inference
// server, the variant's own URL, or INFERENCE_URL for variants on the default model. The first
// and last are the operator's and reached directly; a URL an admin typed goes through the
// outbound address policy.
import path from "node:path";
import type { EndpointKind, ModelVariant } from "@/db/schema";
import { VARIANT_KEY_PREFIX } from "@/server/env";
import type { Fetch } from "@/server/net/outbound-fetch";
import { ensureDemoModel, openAiBaseUrl, type DefaultModel } from "./default-model";
import { adapterModelName, type InferenceSupervisor, type LoraAdapter } from "./inference-supervisor";

export interface EndpointIdentity {
  endpointKind: EndpointKind;
  /** A URL, or "local:<absolute model path>" for a server Arbiter supervises. */
  endpoint: string;
  /** "" when the server is asked at generation time (INFERENCE_URL without INFERENCE_MODEL). */
  model: string;
  /** The LoRA adapter the local engine applies over the model file (local endpoints only). */
  adapter?: LoraAdapter | null;
}

export interface ResolvedEndpoint extends EndpointIdentity {
  baseUrl: string;
  apiKey: string | null;
  /** How to reach it: the outbound policy's fetch for an admin's URL, plain fetch otherwise. */
  fetch: Fetch;
}

const LOCAL_PREFIX = "local:";

export class EndpointConfigError extends Error {
  override name = "EndpointConfigError";
}

export interface EndpointResolverOptions {
  defaultModel: DefaultModel;
  supervisor: InferenceSupervisor;
  root: string;
  readApiKey: (variableName: string) => string | undefined;
  /** The fetch that applies the outbound address policy (createOutboundFetch). */
  outboundFetch: Fetch;
  log: (message: string) => void;
}

export class EndpointResolver {
  private readonly remoteModels = new Map<string, Promise<string>>();

  constructor(private readonly options: EndpointResolverOptions) {}

  get defaultModel() {
    return this.options.defaultModel;
  }

  /** What a response records about its endpoint when the turn is created (no I/O); judges and
   * reward models (server/services/judging) are identified the same way. */
  identify(
    variant: Pick<
      ModelVariant,
      "name" | "endpointKind" | "baseUrl" | "model" | "modelPath" | "adapterPath" | "adapterScale"
    >,
  ): EndpointIdentity {
    if (variant.baseUrl) {
      return { endpointKind: variant.endpointKind, endpoint: variant.baseUrl, model: variant.model };
    }
    if (variant.endpointKind === "openai") {
      throw new EndpointConfigError(
        `The model variant "${variant.name}" is an OpenAI-compatible endpoint without a URL. An admin needs to set its URL.`,
      );
    }
    const adapter = variant.adapterPath
      ? { path: path.resolve(variant.adapterPath), scale: variant.adapterScale }
      : null;
    if (variant.modelPath) {
      const file = path.resolve(variant.modelPath);
      return {
        endpointKind: "local",
        endpoint: `${LOCAL_PREFIX}${file}`,
        model: adapter ? adapterModelName(adapter) : variant.model || path.basename(file, ".gguf"),
        ...(adapter && { adapter }),
      };
    }
    const fallback = this.options.defaultModel;
    if (fallback.kind === "remote") {
      if (adapter) {
        throw new EndpointConfigError(
          `The model variant "${variant.name}" has an adapter but no model file, and the default model is the operator's inference server, which Arbiter cannot load adapters into. An admin needs to give the variant its base model file.`,
        );
      }
      return { endpointKind: "openai", endpoint: fallback.baseUrl, model: fallback.model ?? "" };
    }
    return {
      endpointKind: "local",
      endpoint: `${LOCAL_PREFIX}${fallback.path}`,
      model: adapter ? adapterModelName(adapter) : path.basename(fallback.path, ".gguf"),
      ...(adapter && { adapter }),
    };
  }

  /**
   * A live base URL for a recorded identity. Local servers are started (and waited for) here;
   * `apiKeyEnv` is the variant's key variable, if it still exists.
   */
  async resolve(identity: EndpointIdentity, apiKeyEnv: string | null): Promise<ResolvedEndpoint> {
    if (identity.endpoint.startsWith(LOCAL_PREFIX)) {
      const modelPath = identity.endpoint.slice(LOCAL_PREFIX.length);
      const fallback = this.options.defaultModel;
      if (fallback.kind === "local" && fallback.isDemo && modelPath === fallback.path) {
        await ensureDemoModel(modelPath, this.options.root, this.options.log);
      }
      const adapter = identity.adapter ?? null;
      const { baseUrl, modelName, apiKey } = await this.options.supervisor.ensure(modelPath, adapter);
      // An adapter is asked for by the name its server gives it (an unknown name runs the base).
      const model = adapter ? modelName : identity.model || modelName;
      return { ...identity, model, baseUrl, apiKey, fetch };
    }
    const baseUrl = openAiBaseUrl(identity.endpoint);
    const fallback = this.options.defaultModel;
    const isOperators = fallback.kind === "remote" && fallback.baseUrl === baseUrl;
    let apiKey: string | null = null;
    if (apiKeyEnv) {
      apiKey = this.options.readApiKey(apiKeyEnv) ?? null;
      if (!apiKey) {
        // One message whether the name is refused or unset: which variables exist stays hidden.
        throw new EndpointConfigError(
          `The API key variable ${apiKeyEnv} of this variant is not set on the web server. Keys for variants must be in variables named ${VARIANT_KEY_PREFIX}…, set by the operator.`,
        );
      }
    } else if (isOperators) {
      apiKey = fallback.apiKey;
    }
    const endpointFetch = isOperators ? fetch : this.options.outboundFetch;
    const model = identity.model || (await this.firstRemoteModel(baseUrl, apiKey, endpointFetch));
    return { ...identity, model, baseUrl, apiKey, fetch: endpointFetch };
  }

  /** INFERENCE_URL without INFERENCE_MODEL: the first model the server lists (asked once). */
  private firstRemoteModel(baseUrl: string, apiKey: string | null, endpointFetch: Fetch): Promise<string> {
    let lookup = this.remoteModels.get(baseUrl);
    if (!lookup) {
      lookup = (async () => {
        const response = await endpointFetch(`${baseUrl}/models`, {
          headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
          signal: AbortSignal.timeout(10_000),
        });
        if (!response.ok) throw new Error(`GET ${baseUrl}/models answered ${response.status}`);
        // The body is never quoted in the error: its parse error would echo it.
        const body = (await response.json().catch(() => {
          throw new Error(`GET ${baseUrl}/models did not answer with JSON`);
        })) as { data?: { id?: string }[] };
        const id = body.data?.[0]?.id;
        if (!id) throw new Error(`${baseUrl}/models lists no model; set INFERENCE_MODEL`);
        return id;
      })();
      lookup.catch(() => this.remoteModels.delete(baseUrl));
      this.remoteModels.set(baseUrl, lookup);
    }
    return lookup;
  }

  /** The local model files that variants use (for warming their servers up at start). */
  localModelPathOf(identity: EndpointIdentity): string | null {
    return identity.endpoint.startsWith(LOCAL_PREFIX) ? identity.endpoint.slice(LOCAL_PREFIX.length) : null;
  }
}
