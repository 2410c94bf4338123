// Builds the native addon (npm postinstall). Placeholder until the engine lands: skips when
// there is no binding.gyp yet.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const inferenceDir = join(dirname(fileURLToPath(import.meta.url)), "..");
if (!existsSync(join(inferenceDir, "binding.gyp"))) {
  console.log("[arbiter] inference/binding.gyp not present yet: skipping the native build");
  process.exit(0);
}
