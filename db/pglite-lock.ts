// Keeps two processes from opening the same PGlite data directory: PGlite is single-process and
// a second writer corrupts it. The lock file holds the owner's PID; a lock whose PID is no
// longer running (a crashed server) is taken over.
import fs from "node:fs";
import os from "node:os";

export class DataDirLockedError extends Error {
  override name = "DataDirLockedError";
  constructor(
    readonly lockPath: string,
    readonly ownerPid: number,
  ) {
    super(
      `The embedded database is already in use by another Arbiter process (PID ${ownerPid}); ` +
        `its lock file is ${lockPath}. Stop that process first, or set ARBITER_DATA_DIR to a ` +
        `different directory. If no Arbiter process is running, delete the lock file and start again.`,
    );
  }
}

interface LockContent {
  pid: number;
  hostname: string;
  startedAt: string;
}

function readLock(lockPath: string): LockContent | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(lockPath, "utf8")) as Partial<LockContent>;
    return typeof parsed.pid === "number" ? (parsed as LockContent) : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    // Unreadable or half-written content: treat as stale rather than blocking forever.
    return { pid: -1, hostname: os.hostname(), startedAt: "" };
  }
}

function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The PID holding the lock, or null when the lock is free or stale. Does not take the lock. */
export function findLockOwner(lockPath: string): number | null {
  const content = readLock(lockPath);
  if (!content) return null;
  if (content.hostname !== os.hostname()) return content.pid; // cannot check another host's PIDs
  return content.pid !== process.pid && isProcessAlive(content.pid) ? content.pid : null;
}

export interface DataDirLock {
  lockPath: string;
  /** True when a lock left by a process that is no longer running was replaced. */
  tookOverStaleLock: boolean;
  release(): void;
}

/**
 * Takes the lock or throws DataDirLockedError naming the owner. Re-entrant within one process,
 * so code paths that open the database more than once in a server do not lock themselves out.
 */
export function acquireDataDirLock(lockPath: string): DataDirLock {
  let tookOverStaleLock = false;
  for (let attempt = 0; attempt < 5; attempt++) {
    const content: LockContent = {
      pid: process.pid,
      hostname: os.hostname(),
      startedAt: new Date().toISOString(),
    };
    try {
      fs.writeFileSync(lockPath, JSON.stringify(content), { flag: "wx", mode: 0o644 });
      return makeLock(lockPath, tookOverStaleLock);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const existing = readLock(lockPath);
    if (!existing) continue; // released between our two calls
    if (existing.pid === process.pid && existing.hostname === os.hostname()) {
      return makeLock(lockPath, false);
    }
    const owner = findLockOwner(lockPath);
    if (owner !== null) throw new DataDirLockedError(lockPath, owner);
    fs.rmSync(lockPath, { force: true });
    tookOverStaleLock = true;
  }
  throw new Error(`Could not take the lock ${lockPath}: it keeps changing. Is another Arbiter starting?`);
}

function makeLock(lockPath: string, tookOverStaleLock: boolean): DataDirLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener("exit", release);
    const content = readLock(lockPath);
    if (content?.pid === process.pid) fs.rmSync(lockPath, { force: true });
  };
  process.on("exit", release);
  return { lockPath, tookOverStaleLock, release };
}
