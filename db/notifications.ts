// PostgreSQL's LISTEN/NOTIFY for both database kinds: how one server instance tells the others
// that something changed (a turn's tokens, for browsers following it elsewhere). On PostgreSQL
// one dedicated connection listens and reconnects by itself after the server restarts; since
// notifications sent meanwhile are lost, subscribers are then told to re-read what they follow.
// PGlite delivers notifications within its one process.
import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";

export interface Notifications {
  /**
   * Calls `onPayload` with every payload sent on `channel`, and `onResync` whenever some may have
   * been missed (the listening connection was lost and is back). Resolves once listening.
   */
  listen(channel: string, onPayload: (payload: string) => void, onResync: () => void): Promise<() => void>;
  /** Sends `payload` (at most 8000 bytes: PostgreSQL's limit) to every listener of `channel`. */
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

interface Subscriber {
  channel: string;
  onPayload: (payload: string) => void;
  onResync: () => void;
}

const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 2000;

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

export function pgliteNotifications(client: PGlite): Notifications {
  return {
    async listen(channel, onPayload) {
      const unlisten = await client.listen(channel, onPayload);
      return () => void unlisten().catch(() => {});
    },
    async notify(channel, payload) {
      await client.query("select pg_notify($1, $2)", [channel, payload]);
    },
    close: async () => {},
  };
}

/** Notifications over node-postgres: NOTIFY through the pool, LISTEN on a connection of its own. */
export function postgresNotifications(
  url: string,
  pool: pg.Pool,
  log: (message: string) => void,
): Notifications {
  const subscribers = new Set<Subscriber>();
  let client: pg.Client | null = null;
  let connecting: Promise<void> | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let retryDelay = RECONNECT_FIRST_MS;
  let closed = false;

  const channels = () => new Set([...subscribers].map((subscriber) => subscriber.channel));

  async function connect(isReconnect: boolean): Promise<void> {
    const next = new pg.Client({ connectionString: url });
    next.on("notification", ({ channel, payload }) => {
      for (const subscriber of subscribers) {
        if (subscriber.channel === channel) subscriber.onPayload(payload ?? "");
      }
    });
    const lost = (error?: Error) => {
      if (client !== next) return;
      client = null;
      next.removeAllListeners("end");
      void next.end().catch(() => {});
      if (!closed) {
        log(
          `The database connection for notifications was lost (${error?.message ?? "closed"}); reconnecting.`,
        );
        scheduleReconnect();
      }
    };
    next.on("error", lost);
    next.on("end", () => lost());
    await next.connect();
    for (const channel of channels()) await next.query(`listen ${quoteIdentifier(channel)}`);
    client = next;
    retryDelay = RECONNECT_FIRST_MS;
    if (isReconnect) {
      log("The database connection for notifications is back.");
      for (const subscriber of subscribers) subscriber.onResync();
    }
  }

  function scheduleReconnect() {
    if (retryTimer || closed) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connecting = connect(true)
        .catch(() => {
          retryDelay = Math.min(RECONNECT_MAX_MS, retryDelay * 2);
          scheduleReconnect();
        })
        .finally(() => (connecting = null));
    }, retryDelay);
    retryTimer.unref();
  }

  return {
    async listen(channel, onPayload, onResync) {
      const subscriber = { channel, onPayload, onResync };
      const isNewChannel = !channels().has(channel);
      subscribers.add(subscriber);
      if (connecting) await connecting;
      if (!client && !retryTimer) {
        // Listens on every channel, this one included. Unreachable now: keep trying in the
        // background (subscribers poll meanwhile) and resync them once it works.
        connecting = connect(false)
          .catch((error: Error) => {
            log(`Could not listen for database notifications (${error.message}); retrying.`);
            scheduleReconnect();
          })
          .finally(() => (connecting = null));
        await connecting;
      } else if (client && isNewChannel) {
        await client.query(`listen ${quoteIdentifier(channel)}`);
      }
      return () => subscribers.delete(subscriber);
    },
    async notify(channel, payload) {
      await pool.query("select pg_notify($1, $2)", [channel, payload]);
    },
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}
