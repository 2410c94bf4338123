// A turn's stream events between server instances, over the database's LISTEN/NOTIFY: the
// instance generating a turn publishes its deltas (gathered for a few milliseconds, so a fast
// model does not send one NOTIFY per token), its progress messages, and "changed" when a
// response's status changed (already saved: the watcher reads the rows). Watchers on any
// instance subscribe by turn. Notices are a shortcut, not the record: a watcher still reads the
// saved rows on every "changed" and on a timer, so a lost notice only delays text.
import type { Notifications } from "@/db/notifications";
import type { TurnStreamEvent } from "./turn-generation";

export type TurnNotice =
  | { kind: "delta"; responseId: string; offset: number; text: string }
  | { kind: "progress"; responseId: string; message: string | null }
  | { kind: "changed" };

export interface TurnInbox {
  /** The notices received so far, or once one arrives, or [] after `timeoutMs` or an abort. */
  next(timeoutMs: number, signal?: AbortSignal): Promise<TurnNotice[]>;
  close(): void;
}

const CHANNEL = "arbiter_turns";
/** How long deltas are gathered before they are sent: the added delay's main part. */
const GATHER_MS = 20;
/** A NOTIFY payload is at most 8000 bytes; a character takes at most 6 once JSON-escaped. */
const MAX_PIECE_CHARS = 1000;

/** On the wire: short keys, since every delta of every turn goes through PostgreSQL. */
type WireNotice =
  | { t: string; k: "d"; r: string; o: number; x: string }
  | { t: string; k: "p"; r: string; m: string | null }
  | { t: string; k: "c" };

interface Outgoing {
  deltas: Map<string, { offset: number; text: string }>;
  timer: NodeJS.Timeout | null;
  /** Sends one after another, so watchers get a turn's notices in order. */
  sending: Promise<void>;
}

class Inbox implements TurnInbox {
  private queue: TurnNotice[] = [];
  private wake: (() => void) | null = null;

  constructor(private readonly onClose: (inbox: Inbox) => void) {}

  push(notice: TurnNotice) {
    this.queue.push(notice);
    this.wake?.();
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
    this.onClose(this);
  }
}

function toWire(turnId: string, notice: TurnNotice): WireNotice {
  if (notice.kind === "delta") {
    return { t: turnId, k: "d", r: notice.responseId, o: notice.offset, x: notice.text };
  }
  if (notice.kind === "progress") return { t: turnId, k: "p", r: notice.responseId, m: notice.message };
  return { t: turnId, k: "c" };
}

function fromWire(wire: WireNotice): TurnNotice | null {
  if (wire.k === "d" && typeof wire.x === "string" && Number.isInteger(wire.o)) {
    return { kind: "delta", responseId: wire.r, offset: wire.o, text: wire.x };
  }
  if (wire.k === "p") return { kind: "progress", responseId: wire.r, message: wire.m ?? null };
  if (wire.k === "c") return { kind: "changed" };
  return null;
}

export class TurnNotices {
  private readonly inboxes = new Map<string, Set<Inbox>>();
  private readonly outgoing = new Map<string, Outgoing>();
  private listening: Promise<void> | null = null;
  private isFailing = false;

  constructor(
    private readonly notifications: (() => Promise<Notifications>) | undefined,
    private readonly warn: (message: string) => void,
  ) {}

  /** Called with every event of a turn this instance generates. */
  publish(turnId: string, event: TurnStreamEvent) {
    if (!this.notifications) return;
    let out = this.outgoing.get(turnId);
    if (!out) {
      out = { deltas: new Map(), timer: null, sending: Promise.resolve() };
      this.outgoing.set(turnId, out);
    }
    if (event.type === "delta") {
      const gathered = out.deltas.get(event.responseId);
      if (gathered && gathered.offset + gathered.text.length === event.offset) gathered.text += event.text;
      else {
        if (gathered) this.flush(turnId, out);
        out.deltas.set(event.responseId, { offset: event.offset, text: event.text });
      }
      out.timer ??= setTimeout(() => this.flush(turnId, out), GATHER_MS);
    } else if (event.type === "progress") {
      this.flush(turnId, out);
      this.send(turnId, out, { kind: "progress", responseId: event.responseId, message: event.message });
    } else if (event.type === "response" || event.type === "end") {
      this.flush(turnId, out);
      this.send(turnId, out, { kind: "changed" });
      if (event.type === "end") this.outgoing.delete(turnId);
    }
  }

  /** Subscribes to a turn's notices (from every instance, this one included). */
  async subscribe(turnId: string): Promise<TurnInbox> {
    const inbox = new Inbox((closed) => {
      const set = this.inboxes.get(turnId);
      set?.delete(closed);
      if (set?.size === 0) this.inboxes.delete(turnId);
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
          CHANNEL,
          (payload) => this.receive(payload),
          () => this.resync(),
        ),
      )
      .then(() => {})
      .catch((error: Error) => {
        this.listening = null; // the next watcher tries again; this one polls
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
    const inboxes = this.inboxes.get(wire.t);
    const notice = inboxes && fromWire(wire);
    if (!notice) return;
    for (const inbox of inboxes) inbox.push(notice);
  }

  /** Notices may have been lost: every watcher reads the rows again. */
  private resync() {
    for (const inboxes of this.inboxes.values()) {
      for (const inbox of inboxes) inbox.push({ kind: "changed" });
    }
  }

  private flush(turnId: string, out: Outgoing) {
    if (out.timer) clearTimeout(out.timer);
    out.timer = null;
    for (const [responseId, { offset, text }] of out.deltas) {
      for (let start = 0; start < text.length; start += MAX_PIECE_CHARS) {
        const piece = text.slice(start, start + MAX_PIECE_CHARS);
        this.send(turnId, out, { kind: "delta", responseId, offset: offset + start, text: piece });
      }
    }
    out.deltas.clear();
  }

  private send(turnId: string, out: Outgoing, notice: TurnNotice) {
    const payload = JSON.stringify(toWire(turnId, notice));
    const notifications = this.notifications!;
    out.sending = out.sending
      .then(async () => {
        await (await notifications()).notify(CHANNEL, payload);
        this.isFailing = false;
      })
      .catch((error: Error) => {
        // Once per outage: watchers fall back to reading the rows meanwhile.
        if (!this.isFailing) this.warn(`Could not send turn notices: ${error.message}`);
        this.isFailing = true;
      });
  }
}
