"use client";
// Drafts kept in the browser (localStorage) so a reload loses nothing: the prompt being written,
// and a turn's judgement in progress with its submit key (a resubmit after a lost answer then
// stores one comparison). Keyed by user, so people sharing a browser keep separate drafts.
import { useCallback, useMemo, useSyncExternalStore } from "react";

const PREFIX = "arbiter:v1";

export function promptDraftKey(userId: string, campaignId: string, conversationId: string | null) {
  return `${PREFIX}:prompt:${userId}:${campaignId}:${conversationId ?? "new"}`;
}

export function judgementDraftKey(userId: string, turnId: string) {
  return `${PREFIX}:judgement:${userId}:${turnId}`;
}

/** Where localStorage is unavailable (private browsing, a full quota) drafts live here. */
const memory = new Map<string, string>();
const listeners = new Set<() => void>();

function readRaw(key: string): string | null {
  try {
    return window.localStorage.getItem(key) ?? memory.get(key) ?? null;
  } catch {
    return memory.get(key) ?? null;
  }
}

function writeRaw(key: string, raw: string | null) {
  if (raw === null) memory.delete(key);
  else memory.set(key, raw);
  try {
    if (raw === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, raw);
    memory.delete(key);
  } catch {
    // kept in memory instead
  }
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  window.addEventListener("storage", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", listener);
  };
}

function parse<T>(raw: string | null, fallback: T): T {
  if (raw === null) return fallback;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return fallback;
  }
}

/** Like useState, but the value survives a reload under `key`; clear() forgets it. */
export function useDraft<T>(
  key: string,
  initial: T,
): [T, (value: T | ((previous: T) => T)) => void, () => void] {
  const raw = useSyncExternalStore(
    subscribe,
    () => readRaw(key),
    () => null, // the server render has no drafts
  );
  // `initial` is a fallback: a new object each render must not change the value.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const value = useMemo(() => parse(raw, initial), [raw]);
  const update = useCallback(
    (next: T | ((previous: T) => T)) => {
      const previous = parse(readRaw(key), initial);
      const resolved = typeof next === "function" ? (next as (previous: T) => T)(previous) : next;
      writeRaw(key, resolved === null ? null : JSON.stringify(resolved));
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [key],
  );
  const clear = useCallback(() => writeRaw(key, null), [key]);
  return [value, update, clear];
}

/** Forgets the drafts of every user but `keepUserId` (all of them when null): on sign-out, and
 * when someone else signs in on this browser, so a shared computer does not keep a person's
 * prompts and judgements for the next one to read. */
export function clearDrafts(keepUserId: string | null = null) {
  const isForgotten = (key: string) =>
    key.startsWith(`${PREFIX}:`) && (keepUserId === null || key.split(":")[3] !== keepUserId);
  for (const key of [...memory.keys()]) if (isForgotten(key)) memory.delete(key);
  try {
    const stored = Array.from({ length: window.localStorage.length }, (_, index) =>
      window.localStorage.key(index),
    );
    for (const key of stored) if (key && isForgotten(key)) window.localStorage.removeItem(key);
  } catch {
    // no localStorage: the memory copies above were all there was
  }
  for (const listener of listeners) listener();
}

/** Writes a draft for a key that is not shown yet (e.g. the next conversation's prompt). */
export function saveDraft(key: string, value: unknown) {
  writeRaw(key, value === null ? null : JSON.stringify(value));
}
