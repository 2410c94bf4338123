// The variant pair that the end-to-end tests, the scale-out test and the benchmarks compare: one
// source sampled at two temperatures, so every turn has two different responses.

/** Where the pair's responses come from: by default the local engine's default model. */
export type VariantSource =
  { endpointKind: "local"; model: "" } | { endpointKind: "openai"; baseUrl: string; model: string };

/** `variants.create` inputs for the pair, named `${namePrefix} @ ${temperature}`. */
export function temperaturePairInputs(options: {
  campaignId: string;
  namePrefix: string;
  maxTokens: number;
  source?: VariantSource;
}) {
  const source = options.source ?? { endpointKind: "local", model: "" };
  return [0.7, 1.0].map((temperature) => ({
    campaignId: options.campaignId,
    name: `${options.namePrefix} @ ${temperature}`,
    ...source,
    temperature,
    topP: 0.95,
    maxTokens: options.maxTokens,
    versionLabel: "v1",
  }));
}
