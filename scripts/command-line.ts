// What the app's command-line scripts (`npm run seed`, `npm run integrity`) share: options read
// against the script's usage text, refusals printed with it, and the app's database opened for
// the work and closed after it (DATABASE_URL, or the embedded one in ARBITER_DATA_DIR).
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { Database } from "@/db/client";
import { getDatabase } from "@/server/db";
import { isDomainError } from "@/server/errors";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Prints `message` on stderr and exits 1. */
export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** What parseArgs reads for `T` (strict: only those options). */
type Values<T extends Options> = ReturnType<typeof parseArgs<{ options: T; strict: true }>>["values"];

/**
 * The options given on the command line, with --help added; after --help it prints `usage` and
 * returns null. An unknown or malformed option stops the script with the usage.
 */
export function readOptions<const T extends Options>(options: T, usage: string): Values<T> | null {
  let values: Values<T> & { help?: boolean };
  try {
    ({ values } = parseArgs({ options: { ...options, help: { type: "boolean" } }, strict: true }) as {
      values: Values<T> & { help?: boolean };
    });
  } catch (error) {
    fail(`${(error as Error).message}\n\n${usage}`);
  }
  if (values.help) {
    process.stdout.write(usage);
    return null;
  }
  return values;
}

/** Runs `work` on the app's database, then closes it; a domain error stops the script with its message. */
export async function withAppDatabase(work: (database: Database) => Promise<void>) {
  const database = await getDatabase();
  try {
    await work(database);
  } catch (error) {
    if (isDomainError(error)) fail(error.message);
    throw error;
  } finally {
    await database.close();
  }
}

/** Runs the script's main; anything unexpected is printed with its stack, exit 1. */
export function runScript(main: () => Promise<void>) {
  main().catch((error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}
