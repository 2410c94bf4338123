// Removes the throw-away data directory the config created for this run.
import fs from "node:fs";

export default function globalTeardown() {
  const dataDir = process.env.ARBITER_E2E_DATA_DIR;
  if (dataDir?.includes("arbiter-e2e-")) fs.rmSync(dataDir, { recursive: true, force: true });
}
