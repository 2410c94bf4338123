// Route dependencies for tests whose requests must never get as far as generating.
import type { GenerationDeps } from "@/server/api/turn-stream-handler";

const refuse = () => {
  throw new Error("This test's requests do not generate.");
};

/** A generation runtime that is up (not draining) and throws if anything uses it. */
export const refusingGeneration: GenerationDeps["generation"] = () =>
  ({
    hub: { isDraining: false, watch: refuse, schedule: refuse },
    identify: refuse,
  }) as unknown as ReturnType<GenerationDeps["generation"]>;
