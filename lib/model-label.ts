// How a variant's model reads in the admin's pages and the leaderboard: a local model file and
// the LoRA adapter over it, "base.gguf + sft.gguf ×0.5".

/** A model or adapter file's name without its folder (which is the server's business). */
export const modelFileName = (file: string) => file.split(/[\\/]/).pop() ?? file;

export function modelLabel(variant: {
  endpointKind: string;
  model: string;
  modelPath: string | null;
  adapterPath: string | null;
  adapterScale: number;
}): string {
  if (variant.endpointKind !== "local") return variant.model;
  const base = variant.modelPath ? modelFileName(variant.modelPath) : "default model";
  return variant.adapterPath
    ? `${base} + ${modelFileName(variant.adapterPath)} ×${variant.adapterScale}`
    : base;
}
