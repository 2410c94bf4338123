// The test split: decided per dialogue from a hash of its conversation id, so every turn of a
// dialogue lands in the same split and the same data always splits the same way.
//   key(conversation) = sha256("<seed>:<conversation id>") as hex
//   fraction f:        test when the key's first 32 bits / 2^32 < f
//   count n per batch: the n dialogues of each batch (the batch a dialogue started in) with the
//                      smallest keys (selected in SQL with the same key, see readTestConversations)
import crypto from "node:crypto";

export type SplitName = "train" | "test";

function splitKey(seed: string, conversationId: string) {
  return crypto.createHash("sha256").update(`${seed}:${conversationId}`).digest("hex");
}

function isTestByFraction(seed: string, conversationId: string, fraction: number) {
  return parseInt(splitKey(seed, conversationId).slice(0, 8), 16) / 2 ** 32 < fraction;
}

/** The split of each dialogue; `testConversations` is the count-per-batch selection, if any. */
export function createSplitter(
  split: { kind: "none" | "fraction" | "count-per-batch"; value: number; seed: string },
  testConversations: ReadonlySet<string> | null,
): (conversationId: string) => SplitName {
  if (split.kind === "none" || split.value <= 0) return () => "train";
  if (split.kind === "count-per-batch") return (id) => (testConversations?.has(id) ? "test" : "train");
  return (id) => (isTestByFraction(split.seed, id, split.value) ? "test" : "train");
}
