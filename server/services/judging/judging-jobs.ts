// The judging jobs as the server's workers run them: on the server's endpoint resolver (its
// supervised engines, INFERENCE_URL and the outbound policy for admins' URLs).
import { getGenerationRuntime } from "@/server/generation/runtime";
import { ASSISTANT_TIMEOUT_MS, type AssistantDeps } from "./assistant-endpoint";
import { judgeComparisonJobWith } from "./judge-comparison";
import { scoreResponsesJobWith } from "./score-responses";

const serverAssistantDeps = (): AssistantDeps => ({
  resolver: getGenerationRuntime().resolver,
  timeoutMs: ASSISTANT_TIMEOUT_MS,
});

export const judgeComparisonJob = judgeComparisonJobWith(serverAssistantDeps);
export const scoreResponsesJob = scoreResponsesJobWith(serverAssistantDeps);
