// A job kind: its name, the zod schema of its payload and the handler that runs it. Kinds are
// registered in one place (job-kinds.ts) so that every worker knows the same set, and a payload
// is validated both when it is enqueued and when a worker picks it up.
import type { z } from "zod";
import type { Db } from "@/db/client";

export interface JobContext {
  jobId: string;
  /** 1 on the first run, 2 on the first retry, … */
  attempt: number;
  db: Db;
  /** Aborted when the worker stops (a SIGTERM drain) or has lost the job's lease: stop soon. */
  signal: AbortSignal;
  /** Records how far the job has got, for pages that show it. */
  progress(done: number, total?: number): Promise<void>;
}

export interface GiveUpContext {
  jobId: string;
  /** The transaction that marks the job failed: what the hook writes commits with that. */
  db: Db;
  /** Why the queue gave up: the last attempt's error, or the attempts its workers never finished. */
  reason: string;
}

export interface JobDefinition<Payload> {
  kind: string;
  payload: z.ZodType<Payload>;
  /** Runs (the first included) before the job is marked failed. */
  maxAttempts: number;
  run(payload: Payload, context: JobContext): Promise<void>;
  /** Called once when the queue gives up on the job (its attempts spent, whether the last one
   * threw or its workers died or lost their leases), so that the kind's own record of the work
   * ends failed instead of waiting for a retry that will not come. */
  onGiveUp?(payload: Payload, context: GiveUpContext): Promise<void>;
}

const DEFAULT_MAX_ATTEMPTS = 3;

export function defineJob<Schema extends z.ZodType>(definition: {
  kind: string;
  payload: Schema;
  maxAttempts?: number;
  run(payload: z.output<Schema>, context: JobContext): Promise<void>;
  onGiveUp?(payload: z.output<Schema>, context: GiveUpContext): Promise<void>;
}): JobDefinition<z.output<Schema>> {
  return {
    ...definition,
    payload: definition.payload as z.ZodType<z.output<Schema>>,
    maxAttempts: definition.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
  };
}

/** The kinds one worker runs, by name. */
export type JobRegistry = ReadonlyMap<string, JobDefinition<unknown>>;

export function jobRegistry(definitions: JobDefinition<unknown>[]): JobRegistry {
  const registry = new Map<string, JobDefinition<unknown>>();
  for (const definition of definitions) {
    if (registry.has(definition.kind)) throw new Error(`Two job kinds are named "${definition.kind}".`);
    registry.set(definition.kind, definition);
  }
  return registry;
}
