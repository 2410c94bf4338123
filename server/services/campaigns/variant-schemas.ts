// A model variant's fields: where its responses come from and how they are sampled.
import { z } from "zod";
import { ENDPOINT_KINDS } from "@/db/schema";
import { VARIANT_KEY_NAME, VARIANT_KEY_PREFIX } from "@/server/env";
import { ValidationError } from "@/server/errors";
import { ModelFileError, resolveModelFile } from "@/server/generation/model-files";

const httpUrl = z
  .string()
  .trim()
  .max(2000, "The URL can be at most 2,000 characters long.")
  .refine((value) => {
    try {
      return ["http:", "https:"].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, "The URL must start with http:// or https://, e.g. http://127.0.0.1:8000/v1.");

const emptyToNull = <T extends z.ZodType>(schema: T) =>
  z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? null : value),
    schema.nullish(),
  );

export const VariantFields = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Give the variant a name, e.g. llama-2-7b-chat @ 0.7.")
    .max(100, "A variant name can be at most 100 characters long."),
  endpointKind: z.enum(
    ENDPOINT_KINDS,
    "Choose where responses come from: the local engine or an OpenAI-compatible URL.",
  ),
  baseUrl: emptyToNull(httpUrl),
  model: z.string().trim().max(200, "The model name can be at most 200 characters long.").default(""),
  modelPath: emptyToNull(z.string().trim().max(1000, "The model path can be at most 1,000 characters long.")),
  adapterPath: emptyToNull(
    z.string().trim().max(1000, "The adapter path can be at most 1,000 characters long."),
  ),
  adapterScale: z
    .number()
    .gt(0, "The adapter scale must be above 0 and at most 10.")
    .max(10, "The adapter scale must be above 0 and at most 10.")
    .default(1),
  apiKeyEnv: emptyToNull(
    z
      .string()
      .trim()
      .max(100)
      .regex(
        VARIANT_KEY_NAME,
        `The API key variable must be an environment variable name that starts with ${VARIANT_KEY_PREFIX}, like ${VARIANT_KEY_PREFIX}VLLM (capital letters, digits and _): the operator puts keys for variants in such variables on the web server.`,
      ),
  ),
  temperature: z
    .number()
    .min(0, "Temperature must be between 0 and 2.")
    .max(2, "Temperature must be between 0 and 2.")
    .default(0.7),
  topP: z
    .number()
    .gt(0, "Top-p must be above 0 and at most 1.")
    .max(1, "Top-p must be above 0 and at most 1.")
    .default(0.95),
  topK: emptyToNull(
    z.number().int().min(1, "Top-k must be at least 1, or empty.").max(1000, "Top-k can be at most 1,000."),
  ),
  maxTokens: z
    .number()
    .int()
    .min(1, "Max tokens must be between 1 and 32,768.")
    .max(32_768, "Max tokens must be between 1 and 32,768.")
    .default(512),
  versionLabel: z
    .string()
    .trim()
    .min(1, "Give the variant a version label, e.g. v1.")
    .max(50, "A version label can be at most 50 characters long.")
    .default("v1"),
  isActive: z.boolean().default(true),
});
export type VariantFieldsValues = z.output<typeof VariantFields>;

/** Rules across fields; returns the values to store (a local model file as its absolute path).
 * Judges and reward models (server/services/judging) share the endpoint fields. */
export function checkVariant<
  Values extends Pick<VariantFieldsValues, "endpointKind" | "baseUrl" | "model" | "modelPath">,
>(values: Values, modelDirs: readonly string[]) {
  if (values.endpointKind === "openai") {
    if (!values.baseUrl) {
      throw new ValidationError(
        "An OpenAI-compatible variant needs the server's URL, e.g. http://127.0.0.1:8000/v1.",
        "baseUrl",
      );
    }
    if (!values.model)
      throw new ValidationError("Name the model to request from that server, e.g. llama-2-7b-chat.", "model");
    return { ...values, modelPath: null };
  }
  return {
    ...values,
    modelPath: values.modelPath && checkedModelFile(values.modelPath, modelDirs, "modelPath"),
  };
}

/**
 * A model variant's rules (checkVariant) and its LoRA adapter's: only over the engine Arbiter
 * supervises, and untrusted input exactly as the model path is (a .gguf file in the model folders).
 */
export function checkModelVariant(values: VariantFieldsValues, modelDirs: readonly string[]) {
  const checked = checkVariant(values, modelDirs);
  if (checked.endpointKind === "openai" || !checked.adapterPath) {
    return { ...checked, adapterPath: null, adapterScale: 1 };
  }
  if (checked.baseUrl) {
    throw new ValidationError(
      "An adapter is loaded by the engine Arbiter supervises: leave the running engine URL empty, or start that engine with --lora and name the adapter in an OpenAI-compatible variant.",
      "adapterPath",
    );
  }
  return { ...checked, adapterPath: checkedModelFile(checked.adapterPath, modelDirs, "adapterPath") };
}

function checkedModelFile(requested: string, modelDirs: readonly string[], field: string) {
  try {
    return resolveModelFile(requested, modelDirs);
  } catch (error) {
    if (error instanceof ModelFileError) throw new ValidationError(error.message, field);
    throw error;
  }
}
