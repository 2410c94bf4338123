// A small leveled logger writing to stdout/stderr; LOG_LEVEL picks the threshold.
import { env } from "./env";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type Level = keyof typeof LEVELS;

function write(level: Level, message: string, details?: unknown) {
  if (LEVELS[level] < LEVELS[env.LOG_LEVEL]) return;
  const line = `[arbiter] ${level.padEnd(5)} ${message}`;
  const stream = level === "error" || level === "warn" ? console.error : console.log;
  if (details === undefined) stream(line);
  else stream(line, details);
}

export const log = {
  debug: (message: string, details?: unknown) => write("debug", message, details),
  info: (message: string, details?: unknown) => write("info", message, details),
  warn: (message: string, details?: unknown) => write("warn", message, details),
  error: (message: string, details?: unknown) => write("error", message, details),
};
