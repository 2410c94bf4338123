import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { acquireDataDirLock, DataDirLockedError, findLockOwner } from "./pglite-lock";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function lockPath() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-lock-"));
  dirs.push(dir);
  return path.join(dir, "pglite.lock");
}

function writeLock(file: string, pid: number) {
  fs.writeFileSync(
    file,
    JSON.stringify({ pid, hostname: os.hostname(), startedAt: new Date().toISOString() }),
  );
}

describe("acquireDataDirLock", () => {
  it("writes our PID and removes the file on release", () => {
    const file = lockPath();
    const lock = acquireDataDirLock(file);
    expect(JSON.parse(fs.readFileSync(file, "utf8")).pid).toBe(process.pid);
    lock.release();
    expect(fs.existsSync(file)).toBe(false);
  });

  it("is re-entrant within one process", () => {
    const file = lockPath();
    const first = acquireDataDirLock(file);
    const second = acquireDataDirLock(file);
    expect(second.tookOverStaleLock).toBe(false);
    first.release();
    second.release();
  });

  it("refuses a lock held by a running process and names the lock file and PID", async () => {
    const file = lockPath();
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
    try {
      writeLock(file, holder.pid!);
      expect(findLockOwner(file)).toBe(holder.pid);
      expect(() => acquireDataDirLock(file)).toThrow(DataDirLockedError);
      expect(() => acquireDataDirLock(file)).toThrow(`(PID ${holder.pid}); its lock file is ${file}`);
    } finally {
      holder.kill();
    }
  });

  it("takes over a lock left by a process that has exited", () => {
    const file = lockPath();
    const finished = spawnSync(process.execPath, ["-e", "process.pid"]);
    writeLock(file, finished.pid!);
    expect(findLockOwner(file)).toBeNull();
    const lock = acquireDataDirLock(file);
    expect(lock.tookOverStaleLock).toBe(true);
    expect(JSON.parse(fs.readFileSync(file, "utf8")).pid).toBe(process.pid);
    lock.release();
  });

  it("treats an unreadable lock file as stale", () => {
    const file = lockPath();
    fs.writeFileSync(file, "{half-written");
    const lock = acquireDataDirLock(file);
    expect(lock.tookOverStaleLock).toBe(true);
    lock.release();
  });
});
