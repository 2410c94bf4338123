// A turn's stream events between server instances, over the database's LISTEN/NOTIFY. A watcher
// following a turn that another instance generates announces it (at once, then every
// ANNOUNCE_EVERY_MS while it follows), and the generating instance publishes a turn's notices
// only while it has heard an announcement of it within WATCHED_FOR_MS: nearly every turn is
// watched only where it is generated, and those cost no NOTIFY at all. Published: deltas
// (gathered for a few milliseconds, so a fast model does not send one NOTIFY per token; after an
// announcement from a new watcher, each streaming response's whole text so far, so the watcher
// has no gap to wait out), progress messages, and "changed" when a response's status changed
// (already saved: the watcher reads the rows). Notices are a shortcut, not the record: a watcher
// still reads the saved rows on every "changed" and on a timer, so a lost notice or announcement
// only delays text.
import type { Notifications } from "@/db/notifications";
import type { ResponseView, TurnStreamEvent } from "./turn-generation";

export type TurnNotice =
  | { kind: "delta"; responseId: string; offset: number; text: string }
  | { kind: "progress"; responseId: string; message: string | null }
  | { kind: "changed" };

export interface TurnInbox {
  /**
   * Asks the instance generating this turn to publish its notices, starting with the text so far;
   * repeated while the inbox is open. For a turn generated elsewhere; calling it again does nothing.
   */
  announce(): void;
  /** The notices received so far, or once one arrives, or [] after `timeoutMs` or an abort. */
  next(timeoutMs: number, signal?: AbortSignal): Promise<TurnNotice[]>;
  close(): void;
}

/** Every instance's turn notices and announcements go on this one channel. */
export const TURN_NOTICE_CHANNEL = "arbiter_turns";
/** How long deltas are gathered before they are sent: the added delay's main part. */
const GATHER_MS = 20;
/** A NOTIFY payload is at most 8000 bytes; a character takes at most 6 once JSON-escaped. */
const MAX_PIECE_CHARS = 1000;
/** How often a watcher repeats its announcement, so that a lost or early one heals. */
const ANNOUNCE_EVERY_MS = 2000;
/** How long a generating instance publishes a turn after the last announcement it heard: two
 * repeats in a row may be lost. */
const WATCHED_FOR_MS = 5000;
/** Turn ids per announcement (a quoted id is 39 bytes of the payload's 8000). */
const TURNS_PER_ANNOUNCEMENT = 100;

/** On the wire: short keys, since every delta of a watched turn goes through PostgreSQL. */
type WireNotice =
  | { t: string; k: "d"; r: string; o: number; x: string }
  | { t: string; k: "p"; r: string; m: string | null }
  | { t: string; k: "c" }
  /** An announcement of watched turns; `f`: a watcher of them just started (it wants the text so far). */
  | { k: "w"; w: string[]; f: boolean };

interface Outgoing {
  deltas: Map<string, { offset: number; text: string }>;
  timer: NodeJS.Timeout | null;
  /** Sends one after another, so watchers get a turn's notices in order. */
  sending: Promise<void>;
  /** A watcher just started: the next flush sends each streaming response's whole text. */
  isWholeTextDue: boolean;
}

const newOutgoing = (): Outgoing => ({
  deltas: new Map(),
  timer: null,
  sending: Promise.resolve(),
  isWholeTextDue: true,
});

class Inbox implements TurnInbox {
  private queue: TurnNotice[] = [];
  private wake: (() => void) | null = null;
  isAnnounced = false;

  constructor(
    readonly turnId: string,
    private readonly owner: { announce(inbox: Inbox): void; close(inbox: Inbox): void },
  ) {}

  push(notice: TurnNotice) {
    this.queue.push(notice);
    this.wake?.();
  }

  announce() {
    if (this.isAnnounced) return;
    this.isAnnounced = true;
    this.owner.announce(this);
  }

  async next(timeoutMs: number, signal?: AbortSignal): Promise<TurnNotice[]> {
    if (this.queue.length === 0 && timeoutMs > 0 && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        function done() {
          clearTimeout(timer);
          signal?.removeEventListener("abort", done);
          resolve();
        }
        this.wake = done;
        signal?.addEventListener("abort", done, { once: true });
      });
      this.wake = null;
    }
    return this.queue.splice(0);
  }

  close() {
    this.queue = [];
    this.owner.close(this);
  }
}

function toWire(turnId: string, notice: TurnNotice): WireNotice {
  if (notice.kind === "delta") {
    return { t: turnId, k: "d", r: notice.responseId, o: notice.offset, x: notice.text };
  }
  if (notice.kind === "progress") return { t: turnId, k: "p", r: notice.responseId, m: notice.message };
  return { t: turnId, k: "c" };
}

function fromWire(wire: Exclude<WireNotice, { k: "w" }>): TurnNotice | null {
  if (wire.k === "d" && typeof wire.x === "string" && Number.isInteger(wire.o)) {
    return { kind: "delta", responseId: wire.r, offset: wire.o, text: wire.x };
  }
  if (wire.k === "p") return { kind: "progress", responseId: wire.r, message: wire.m ?? null };
  if (wire.k === "c") return { kind: "changed" };
  return null;
}

export class TurnNotices {
  private readonly inboxes = new Map<string, Set<Inbox>>();
  /** Inboxes following a turn generated elsewhere: their turns are announced again and again. */
  private readonly announced = new Set<Inbox>();
  private announceTimer: NodeJS.Timeout | null = null;
  private readonly outgoing = new Map<string, Outgoing>();
  /** Turns some instance watches, by when the last announcement heard of each runs out. */
  private readonly watchedUntil = new Map<string, number>();
  private sweptAt = 0;
  private listening: Promise<void> | null = null;
  private isFailing = false;

  constructor(
    private readonly notifications: (() => Promise<Notifications>) | undefined,
    private readonly warn: (message: string) => void,
    /** The responses of a turn this instance generates, as they are now; null for other turns. */
    private readonly responsesOf: (turnId: string) => ResponseView[] | null,
  ) {
    // From the start: a generating instance must hear the announcements of other instances' watchers.
    void this.listen();
  }

  /** Called with every event of a turn this instance generates. */
  publish(turnId: string, event: TurnStreamEvent) {
    if (!this.notifications) return;
    if (!this.listening) void this.listen(); // it failed at the start
    let out = this.outgoing.get(turnId);
    if (event.type === "end") this.outgoing.delete(turnId);
    if (!this.isWatched(turnId)) return;
    if (!out) {
      // Nothing sent yet: the first deltas carry the text so far.
      out = newOutgoing();
      if (event.type !== "end") this.outgoing.set(turnId, out);
    }
    if (event.type === "delta") {
      const gathered = out.deltas.get(event.responseId);
      if (gathered && gathered.offset + gathered.text.length === event.offset) gathered.text += event.text;
      else {
        if (gathered) this.flush(turnId, out);
        out.deltas.set(event.responseId, { offset: event.offset, text: event.text });
      }
      this.flushSoon(turnId, out);
    } else if (event.type === "progress") {
      this.flush(turnId, out);
      this.send(turnId, out, { kind: "progress", responseId: event.responseId, message: event.message });
    } else if (event.type === "response" || event.type === "end") {
      this.flush(turnId, out);
      this.send(turnId, out, { kind: "changed" });
    }
  }

  /** Subscribes to a turn's notices (from every instance, this one included). */
  async subscribe(turnId: string): Promise<TurnInbox> {
    const inbox = new Inbox(turnId, {
      announce: (announcing) => this.startAnnouncing(announcing),
      close: (closed) => {
        const set = this.inboxes.get(turnId);
        set?.delete(closed);
        if (set?.size === 0) this.inboxes.delete(turnId);
        this.announced.delete(closed);
        if (this.announced.size === 0 && this.announceTimer) {
          clearInterval(this.announceTimer);
          this.announceTimer = null;
        }
      },
    });
    let set = this.inboxes.get(turnId);
    if (!set) this.inboxes.set(turnId, (set = new Set()));
    set.add(inbox);
    await this.listen();
    return inbox;
  }

  private listen(): Promise<void> {
    if (!this.notifications) return Promise.resolve();
    this.listening ??= this.notifications()
      .then((notifications) =>
        notifications.listen(
          TURN_NOTICE_CHANNEL,
          (payload) => this.receive(payload),
          () => this.resync(),
        ),
      )
      .then(() => {})
      .catch((error: Error) => {
        this.listening = null; // the next watcher or generation tries again; watchers poll meanwhile
        this.warn(`Could not listen for turn notices: ${error.message}`);
      });
    return this.listening;
  }

  private receive(payload: string) {
    let wire: WireNotice;
    try {
      wire = JSON.parse(payload) as WireNotice;
    } catch {
      return;
    }
    if (wire.k === "w") {
      if (Array.isArray(wire.w)) this.heard(wire.w, wire.f === true);
      return;
    }
    const inboxes = this.inboxes.get(wire.t);
    const notice = inboxes && fromWire(wire);
    if (!notice) return;
    for (const inbox of inboxes) inbox.push(notice);
  }

  /** Notices may have been lost: every watcher reads the rows again, and asks for the text so far. */
  private resync() {
    for (const inboxes of this.inboxes.values()) {
      for (const inbox of inboxes) inbox.push({ kind: "changed" });
    }
    this.announce([...this.announced], true);
  }

  private isWatched(turnId: string) {
    return (this.watchedUntil.get(turnId) ?? 0) > Date.now();
  }

  /** An announcement arrived: publish these turns (those generated here) for a while. */
  private heard(turnIds: string[], isNewWatcher: boolean) {
    const now = Date.now();
    if (now - this.sweptAt > WATCHED_FOR_MS) {
      for (const [turnId, until] of this.watchedUntil) if (until <= now) this.watchedUntil.delete(turnId);
      this.sweptAt = now;
    }
    for (const turnId of turnIds) {
      if (typeof turnId !== "string") continue;
      const wasWatched = this.isWatched(turnId);
      this.watchedUntil.set(turnId, now + WATCHED_FOR_MS);
      // A watcher that was not being sent notices read the rows, saved up to a second ago.
      if (isNewWatcher || !wasWatched) this.sendWholeTextSoon(turnId);
    }
  }

  private sendWholeTextSoon(turnId: string) {
    let out = this.outgoing.get(turnId);
    if (!out) {
      if (!this.responsesOf(turnId)) return; // not generated here (or over)
      this.outgoing.set(turnId, (out = newOutgoing()));
    }
    out.isWholeTextDue = true;
    this.flushSoon(turnId, out);
  }

  private startAnnouncing(inbox: Inbox) {
    if (!this.notifications) return;
    this.announced.add(inbox);
    this.announce([inbox], true);
    if (!this.announceTimer) {
      this.announceTimer = setInterval(() => this.announce([...this.announced], false), ANNOUNCE_EVERY_MS);
      this.announceTimer.unref();
    }
  }

  private announce(inboxes: Inbox[], isNewWatcher: boolean) {
    const turnIds = [...new Set(inboxes.map((inbox) => inbox.turnId))];
    for (let start = 0; start < turnIds.length; start += TURNS_PER_ANNOUNCEMENT) {
      const wire: WireNotice = {
        k: "w",
        w: turnIds.slice(start, start + TURNS_PER_ANNOUNCEMENT),
        f: isNewWatcher,
      };
      void this.notify(JSON.stringify(wire));
    }
  }

  private flushSoon(turnId: string, out: Outgoing) {
    out.timer ??= setTimeout(() => this.flush(turnId, out), GATHER_MS);
  }

  private flush(turnId: string, out: Outgoing) {
    if (out.timer) clearTimeout(out.timer);
    out.timer = null;
    if (out.isWholeTextDue) {
      // The whole text holds every gathered delta; a finished response's is in its saved row.
      out.isWholeTextDue = false;
      out.deltas.clear();
      for (const response of this.responsesOf(turnId) ?? []) {
        if (response.status === "streaming") this.sendText(turnId, out, response.id, 0, response.text);
      }
    }
    for (const [responseId, { offset, text }] of out.deltas)
      this.sendText(turnId, out, responseId, offset, text);
    out.deltas.clear();
  }

  private sendText(turnId: string, out: Outgoing, responseId: string, offset: number, text: string) {
    for (let start = 0; start < text.length; start += MAX_PIECE_CHARS) {
      const piece = text.slice(start, start + MAX_PIECE_CHARS);
      this.send(turnId, out, { kind: "delta", responseId, offset: offset + start, text: piece });
    }
  }

  private send(turnId: string, out: Outgoing, notice: TurnNotice) {
    const payload = JSON.stringify(toWire(turnId, notice));
    out.sending = out.sending.then(() => this.notify(payload));
  }

  /** Never rejects: a failed NOTIFY only delays text (watchers read the rows meanwhile). */
  private async notify(payload: string) {
    try {
      await (await this.notifications!()).notify(TURN_NOTICE_CHANNEL, payload);
      this.isFailing = false;
    } catch (error) {
      // Once per outage.
      if (!this.isFailing) this.warn(`Could not send turn notices: ${(error as Error).message}`);
      this.isFailing = true;
    }
  }
}
