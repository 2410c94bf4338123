// `npm run seed -- --synthetic N --campaign NAME [--kind helpfulness|safety] [--seed S]`
// [planted behaviours: --random-annotators K --always-a-annotators K --too-fast-annotators K
// --length-bias X --identity-leaks K --duplicate-prompts K]: writes N synthetic comparisons into
// the campaign (created when it does not exist) for benchmarks, demos and the integrity checks,
// through the same import services the app uses. Uses the app's
// database: DATABASE_URL, or the embedded one in ARBITER_DATA_DIR (stop the server first).
import { fail, readOptions, runScript, withAppDatabase } from "./command-line";
import { generateSyntheticData } from "./synthetic/generate-synthetic";

const USAGE = `Usage: npm run seed -- --synthetic N --campaign NAME [options]

  --synthetic N        comparisons to write: primary judgements plus overlap and gold ratings
  --campaign NAME      the campaign to fill; created (with three variants) when it does not exist
  --kind KIND          helpfulness (default) or safety, for a new campaign
  --annotators N       synthetic annotators to spread the work over (default 24)
  --seed S             random seed (default 42): the same seed writes the same data

Planted behaviours (a known truth for \`npm run integrity\`):
  --random-annotators K     K more annotators who choose at random (emails random-…)
  --always-a-annotators K   K more who always choose Response A (emails always-a-…)
  --too-fast-annotators K   K more who answer in 1-3.5 s (emails too-fast-…)
  --length-bias X           share 0..1 of judgements that prefer the longer response; the first
                            variant by name answers longer than the others
  --identity-leaks K        K judged turns in which one response names a model or vendor
  --duplicate-prompts K     K opening prompts that repeat an earlier one with a small edit
  --json               print the summary as JSON on stdout
`;

function count(value: string | undefined, name: string) {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0) {
    fail(`--${name} must be a whole number of at least 0.\n\n${USAGE}`);
  }
  return number;
}

function share(value: string | undefined, name: string) {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === "" || !(number >= 0 && number <= 1)) {
    fail(`--${name} must be a number from 0 to 1.\n\n${USAGE}`);
  }
  return number;
}

function positiveInteger(value: string | undefined, name: string) {
  const number = Number(value);
  if (value === undefined || !Number.isSafeInteger(number) || number < 1) {
    fail(`--${name} must be a whole number of at least 1.\n\n${USAGE}`);
  }
  return number;
}

async function main() {
  const values = readOptions(
    {
      synthetic: { type: "string" },
      campaign: { type: "string" },
      kind: { type: "string" },
      annotators: { type: "string" },
      seed: { type: "string" },
      "random-annotators": { type: "string" },
      "always-a-annotators": { type: "string" },
      "too-fast-annotators": { type: "string" },
      "length-bias": { type: "string" },
      "identity-leaks": { type: "string" },
      "duplicate-prompts": { type: "string" },
      json: { type: "boolean" },
    },
    USAGE,
  );
  if (!values) return;
  if (values.synthetic === undefined)
    fail(`Say how many comparisons to write with --synthetic N.\n\n${USAGE}`);
  const comparisons = positiveInteger(values.synthetic, "synthetic");
  if (!values.campaign?.trim()) fail(`Name the campaign with --campaign NAME.\n\n${USAGE}`);
  if (values.kind !== undefined && values.kind !== "helpfulness" && values.kind !== "safety") {
    fail(`--kind must be helpfulness or safety.\n\n${USAGE}`);
  }

  const campaignName = values.campaign.trim();
  await withAppDatabase(async (database) => {
    process.stderr.write(
      `Writing ${comparisons.toLocaleString("en-US")} synthetic comparisons into "${values.campaign}" (${database.kind}, ${database.location})…\n`,
    );
    let lastLine = 0;
    const result = await generateSyntheticData(database.db, {
      comparisons,
      campaignName,
      kind: values.kind as "helpfulness" | "safety" | undefined,
      annotators:
        values.annotators === undefined ? undefined : positiveInteger(values.annotators, "annotators"),
      seed: values.seed === undefined ? undefined : Number(values.seed),
      randomAnnotators: count(values["random-annotators"], "random-annotators"),
      alwaysAAnnotators: count(values["always-a-annotators"], "always-a-annotators"),
      tooFastAnnotators: count(values["too-fast-annotators"], "too-fast-annotators"),
      lengthBias: share(values["length-bias"], "length-bias"),
      identityLeaks: count(values["identity-leaks"], "identity-leaks"),
      duplicatePrompts: count(values["duplicate-prompts"], "duplicate-prompts"),
      onProgress: ({ written, total, elapsedMs }) => {
        if (elapsedMs - lastLine < 2000 && written < total) return;
        lastLine = elapsedMs;
        const rate = Math.round(written / (elapsedMs / 1000));
        process.stderr.write(
          `  ${written.toLocaleString("en-US")} / ${total.toLocaleString("en-US")} (${Math.floor((100 * written) / total)}%), ${rate.toLocaleString("en-US")} comparisons/s\n`,
        );
      },
    });
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      process.stderr.write(
        `Done: ${result.comparisons.total.toLocaleString("en-US")} comparisons (${result.comparisons.primary} primary, ` +
          `${result.comparisons.overlap} overlap, ${result.comparisons.gold} gold) in ${result.dialogues} dialogues, ` +
          `${result.batches} batches, ${result.reviews} reviews, in ${(result.elapsedMs / 1000).toFixed(1)} s ` +
          `(${result.comparisonsPerSecond.toLocaleString("en-US")}/s). Campaign ${result.campaignName} (${result.campaignId}).\n`,
      );
    }
  });
}

runScript(main);
