// Which model files the local engine may open: only .gguf files inside the folders the operator
// named (ARBITER_MODEL_DIRS, MODEL_PATH's folder). An admin is not the operator, so a variant
// cannot make the server open a file elsewhere, and cannot learn whether a file exists there:
// a path outside the folders and a missing file get the same answer.
import fs from "node:fs";
import path from "node:path";
import { env } from "@/server/env";

export class ModelFileError extends Error {
  override name = "ModelFileError";
}

/** The folders of the settings: ARBITER_MODEL_DIRS (default ARBITER_DATA_DIR/models) and MODEL_PATH's. */
function allowedModelDirs(config: { modelDirs?: string[]; dataDir: string; modelPath?: string }): string[] {
  const dirs = config.modelDirs ?? [path.join(config.dataDir, "models")];
  return config.modelPath ? [...dirs, path.dirname(config.modelPath)] : dirs;
}

/** allowedModelDirs of this server's settings. */
export function configuredModelDirs(): string[] {
  return allowedModelDirs({
    modelDirs: env.ARBITER_MODEL_DIRS,
    dataDir: env.ARBITER_DATA_DIR,
    modelPath: env.MODEL_PATH,
  });
}

function modelFileRefusal(requested: string) {
  return new ModelFileError(
    `There is no model file ${JSON.stringify(requested)} in the model folders of this server. ` +
      "Give a .gguf path relative to one of them (ARBITER_MODEL_DIRS; ask the operator to put the file there).",
  );
}

function realpathOrNull(file: string): string | null {
  try {
    return fs.realpathSync(file);
  } catch {
    return null;
  }
}

/**
 * The absolute path of `requested` (relative to one of `dirs`, or absolute inside one), once
 * its real path (symlinks and ".." resolved) is a regular .gguf file inside the real path of
 * that folder. Throws ModelFileError with one message for every refusal.
 */
export function resolveModelFile(requested: string, dirs: readonly string[]): string {
  if (requested.toLowerCase().endsWith(".gguf") && !requested.includes("\0")) {
    for (const dir of dirs) {
      const realDir = realpathOrNull(dir);
      if (!realDir) continue;
      const candidate = path.resolve(dir, requested);
      const real = realpathOrNull(candidate);
      if (!real) continue;
      const inside = path.relative(realDir, real);
      if (inside === "" || inside === ".." || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside))
        continue;
      if (fs.statSync(real, { throwIfNoEntry: false })?.isFile()) return candidate;
    }
  }
  throw modelFileRefusal(requested);
}
