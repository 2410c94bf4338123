// `npm run --silent integrity -- --campaign NAME [--duplicate-threshold J] [--include-flagged]
// [--bootstrap-rounds R]`: prints the campaign's integrity report as one JSON document —
// annotators by risk with their flags, flagged turns, near-duplicate prompt clusters, the plain
// and style-controlled leaderboards and how many votes would flip #1. Uses the app's database:
// DATABASE_URL, or the embedded one in ARBITER_DATA_DIR (stop the server first).
import { eq } from "drizzle-orm";
import { campaigns } from "@/db/schema";
import { analyzeCampaignIntegrity } from "@/server/services/integrity/analyze-integrity";
import { fail, readOptions, runScript, withAppDatabase } from "./command-line";

const USAGE = `Usage: npm run --silent integrity -- --campaign NAME [options]

  --campaign NAME            the campaign to check
  --duplicate-threshold J    Jaccard similarity (0.1..1) at which prompts are near-duplicates
                             (default: the campaign's near-duplicate setting, 0.8 unless changed)
  --include-flagged          keep identity-flagged turns and flagged annotators on the leaderboard
  --bootstrap-rounds R       bootstrap rounds for the leaderboard intervals (default 200)
`;

function numberIn(value: string | undefined, name: string, low: number, high: number, whole: boolean) {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === "" || !(number >= low && number <= high) || (whole && !Number.isInteger(number))) {
    fail(`--${name} must be ${whole ? "a whole number" : "a number"} from ${low} to ${high}.\n\n${USAGE}`);
  }
  return number;
}

async function main() {
  const values = readOptions(
    {
      campaign: { type: "string" },
      "duplicate-threshold": { type: "string" },
      "include-flagged": { type: "boolean" },
      "bootstrap-rounds": { type: "string" },
    },
    USAGE,
  );
  if (!values) return;
  const name = values.campaign?.trim();
  if (!name) fail(`Name the campaign with --campaign NAME.\n\n${USAGE}`);
  const threshold = numberIn(values["duplicate-threshold"], "duplicate-threshold", 0.1, 1, false);
  const rounds = numberIn(values["bootstrap-rounds"], "bootstrap-rounds", 0, 2000, true);

  await withAppDatabase(async (database) => {
    const [campaign] = await database.db
      .select({ id: campaigns.id })
      .from(campaigns)
      .where(eq(campaigns.name, name))
      .limit(1);
    if (!campaign) fail(`There is no campaign named "${name}".`);
    const report = await analyzeCampaignIntegrity(database.db, {
      campaignId: campaign.id,
      duplicateThreshold: threshold,
      bootstrapRounds: rounds,
      includeFlaggedTurns: values["include-flagged"] ?? false,
      includeFlaggedAnnotators: values["include-flagged"] ?? false,
    });
    process.stdout.write(`${JSON.stringify(report)}\n`);
  });
}

runScript(main);
