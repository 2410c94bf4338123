// The HTTP API's prompt-set routes: import a set into a campaign (the files in the JSON body,
// base64) and read every set's progress. The admin page imports through the same route.
import { KB } from "../body-limit";
import {
  ImportPromptSetInput,
  importPromptSet,
  PROMPT_SET_MAX_BYTES,
} from "@/server/services/prompt-sets/import-prompt-set";
import { ListPromptSetsInput, listPromptSets } from "@/server/services/prompt-sets/serve-prompts";
import { defineApiRoute } from "./api-route";

const PROMPT_SETS = "/api/v1/campaigns/{campaignId}/prompt-sets";

export const importPromptSetRoute = defineApiRoute({
  method: "POST",
  path: PROMPT_SETS,
  summary: "Import a prompt set",
  tag: "Prompt sets",
  role: "admin",
  scope: "admin",
  input: ImportPromptSetInput,
  status: 201,
  // base64 makes 20 MB of files 26.7 MB, plus their names and the JSON around them.
  bodyLimit: Math.ceil((PROMPT_SET_MAX_BYTES * 4) / 3) + 256 * KB,
  returns:
    "The new set (id, name, prompt count). Formats: jsonl, csv, parquet (Snappy or uncompressed), or huggingface " +
    "(a dataset folder's files with their paths; its train split when it has one). Up to 20 MB and 50,000 prompts.",
  handle: async ({ input, user, deps }) => importPromptSet(await deps.db(), input, user),
});

export const listPromptSetsRoute = defineApiRoute({
  method: "GET",
  path: PROMPT_SETS,
  summary: "List prompt sets and their progress",
  tag: "Prompt sets",
  role: "admin",
  scope: "read",
  input: ListPromptSetsInput,
  returns:
    "The campaign's sets, oldest first: prompts, annotators per prompt, servings asked for, in progress and served.",
  handle: async ({ input, deps }) => listPromptSets(await deps.db(), input),
});
