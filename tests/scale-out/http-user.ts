// A person using Arbiter over plain HTTP, as the browser does: a cookie jar, next-auth's
// credentials sign-in, tRPC calls and the NDJSON generation streams. Each answer says which
// instance served it (the X-Arbiter-Instance header deploy/haproxy.cfg adds).
import type { TurnStreamEvent } from "@/server/generation/turn-generation";

export interface Served<T> {
  status: number;
  instance: string | null;
  body: T;
}

export interface StartedTurn {
  turnId: string;
  conversationId: string;
  responses: { id: string; position: number }[];
}

export type StreamEvent = TurnStreamEvent | { type: "turn"; turn: StartedTurn } | { type: "ping" };

export class HttpUser {
  private readonly cookies = new Map<string, string>();

  /** `headers`: sent with every request (a simulated client's own X-Forwarded-For). */
  constructor(
    readonly baseUrl: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  async request(pathname: string, init: RequestInit = {}, baseUrl = this.baseUrl): Promise<Response> {
    const headers = new Headers({ ...this.headers, ...Object.fromEntries(new Headers(init.headers)) });
    headers.set("Origin", this.baseUrl);
    if (this.cookies.size > 0) {
      headers.set("Cookie", [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    }
    const response = await fetch(`${baseUrl}${pathname}`, { ...init, headers, redirect: "manual" });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const separator = pair.indexOf("=");
      this.cookies.set(pair.slice(0, separator).trim(), pair.slice(separator + 1).trim());
    }
    return response;
  }

  async signIn(email: string, password: string) {
    const csrf = (await (await this.request("/api/auth/csrf")).json()) as { csrfToken: string };
    const response = await this.request("/api/auth/callback/credentials", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email, password, csrfToken: csrf.csrfToken, json: "true" }),
    });
    await response.body?.cancel();
    if (![...this.cookies.keys()].some((name) => name.endsWith("session-token"))) {
      throw new Error(`Signing in as ${email} failed (${response.status}).`);
    }
  }

  async mutate<T>(procedure: string, input: unknown): Promise<Served<T>> {
    const response = await this.request(`/api/trpc/${procedure}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ json: input }),
    });
    return this.trpcAnswer<T>(procedure, response);
  }

  async query<T>(procedure: string, input: unknown): Promise<Served<T>> {
    const search = encodeURIComponent(JSON.stringify({ json: input }));
    return this.trpcAnswer<T>(procedure, await this.request(`/api/trpc/${procedure}?input=${search}`));
  }

  /** Like mutate/query, but throws unless the call succeeded. */
  async call<T>(kind: "mutate" | "query", procedure: string, input: unknown): Promise<T> {
    const answer =
      kind === "mutate" ? await this.mutate<T>(procedure, input) : await this.query<T>(procedure, input);
    if (answer.status !== 200)
      throw new Error(`${procedure} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  private async trpcAnswer<T>(procedure: string, response: Response): Promise<Served<T>> {
    const text = await response.text();
    let parsed: { result?: { data: { json: T } }; error?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      throw new Error(`${procedure} answered ${response.status} with no JSON: ${text.slice(0, 300)}`);
    }
    return {
      status: response.status,
      instance: response.headers.get("x-arbiter-instance"),
      // Errors come as superjson too ({ json: { message, code, data } }).
      body: (parsed.result ? parsed.result.data.json : (parsed.error as { json?: unknown }).json) as T,
    };
  }

  /** Confirms the campaign's current guidelines, as the workspace asks before any work. */
  async acknowledgeGuidelines(campaignId: string) {
    const workspace = await this.call<{ campaign: { guidelinesVersion: number } }>(
      "query",
      "annotation.workspace",
      { campaignId },
    );
    await this.call("mutate", "annotation.acknowledgeGuidelines", {
      campaignId,
      version: workspace.campaign.guidelinesVersion,
    });
  }

  /** Opens a generation stream (POST /api/generate with `body`, or GET /api/generate/:turnId). */
  async openStream(target: { send: object } | { turnId: string }, baseUrl = this.baseUrl) {
    const response =
      "send" in target
        ? await this.request(
            "/api/generate",
            {
              method: "POST",
              headers: { "Content-Type": "application/json" },
              body: JSON.stringify(target.send),
            },
            baseUrl,
          )
        : await this.request(`/api/generate/${target.turnId}`, {}, baseUrl);
    return new TurnStream(response);
  }
}

/** One NDJSON stream, read event by event. */
export class TurnStream {
  readonly status: number;
  readonly instance: string | null;
  private readonly reader: ReadableStreamDefaultReader<string> | null;
  private buffered = "";

  constructor(readonly response: Response) {
    this.status = response.status;
    this.instance = response.headers.get("x-arbiter-instance");
    this.reader =
      response.ok && response.body ? response.body.pipeThrough(new TextDecoderStream()).getReader() : null;
  }

  /** The next event, or null when the stream ended or broke. */
  async next(): Promise<StreamEvent | null> {
    if (!this.reader) return null;
    for (;;) {
      const newline = this.buffered.indexOf("\n");
      if (newline >= 0) {
        const line = this.buffered.slice(0, newline);
        this.buffered = this.buffered.slice(newline + 1);
        if (line.trim()) return JSON.parse(line) as StreamEvent;
        continue;
      }
      try {
        const { value, done } = await this.reader.read();
        if (done) return null;
        this.buffered += value;
      } catch {
        return null; // the connection broke
      }
    }
  }

  /** Reads until the stream ends or breaks; `ended`: whether it said "end". */
  async rest(): Promise<{ events: StreamEvent[]; ended: boolean }> {
    const events: StreamEvent[] = [];
    for (let event = await this.next(); event; event = await this.next()) {
      events.push(event);
      if (event.type === "end") return { events, ended: true };
    }
    return { events, ended: false };
  }

  close() {
    void this.reader?.cancel().catch(() => {});
  }
}

/** The texts a browser would show after these events (in order, from a snapshot on). */
export function replayTexts(events: StreamEvent[]): Map<string, string> {
  const texts = new Map<string, string>();
  for (const event of events) {
    if (event.type === "snapshot") {
      texts.clear();
      for (const response of event.responses) texts.set(response.id, response.text);
    } else if (event.type === "delta" && texts.get(event.responseId)?.length === event.offset) {
      texts.set(event.responseId, texts.get(event.responseId)! + event.text);
    } else if (event.type === "response") {
      texts.set(event.response.id, event.response.text);
    }
  }
  return texts;
}
