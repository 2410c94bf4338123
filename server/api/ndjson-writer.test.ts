import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GATHER_DELTAS_MS, NdjsonWriter, type StreamLine } from "./ndjson-writer";

const delta = (responseId: string, offset: number, text: string): StreamLine => ({
  type: "delta",
  responseId,
  offset,
  text,
});

function recordingWriter() {
  const writes: string[] = [];
  return { writes, writer: new NdjsonWriter((chunk) => writes.push(chunk)) };
}

const asLines = (lines: StreamLine[]) => lines.map((line) => `${JSON.stringify(line)}\n`).join("");

describe("NdjsonWriter", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends the same lines in fewer writes when tokens come fast", () => {
    const { writes, writer } = recordingWriter();
    const lines: StreamLine[] = [
      { type: "snapshot", responses: [] },
      delta("a", 0, "Hel"),
      delta("b", 0, "Wor"),
      ...Array.from({ length: 40 }, (_, index) =>
        delta(index % 2 ? "b" : "a", 3 + Math.floor(index / 2), "x"),
      ),
    ];
    for (const line of lines) writer.send(line);
    vi.advanceTimersByTime(GATHER_DELTAS_MS);
    writer.send({ type: "end" });

    expect(writes.join("")).toBe(asLines([...lines, { type: "end" }]));
    // The snapshot, each response's first delta, the 40 gathered ones, the end.
    expect(writes).toHaveLength(5);
  });

  it("writes each response's first delta and every other event at once, after what was gathered", () => {
    const { writes, writer } = recordingWriter();
    writer.send(delta("a", 0, "One"));
    expect(writes).toEqual([asLines([delta("a", 0, "One")])]);
    writer.send(delta("a", 3, " two"));
    expect(writes).toHaveLength(1); // gathered
    writer.send(delta("b", 0, "Uno"));
    expect(writes.at(-1)).toBe(asLines([delta("a", 3, " two"), delta("b", 0, "Uno")]));
    writer.send(delta("b", 3, " dos"));
    const progress: StreamLine = { type: "progress", responseId: "a", message: null };
    writer.send(progress);
    expect(writes.at(-1)).toBe(asLines([delta("b", 3, " dos"), progress]));
    expect(writes).toHaveLength(3);
  });

  it("writes a lone delta once the gathering time is up, and what is left when flushed", () => {
    const { writes, writer } = recordingWriter();
    writer.send(delta("a", 0, "A"));
    writer.send(delta("a", 1, "B"));
    vi.advanceTimersByTime(GATHER_DELTAS_MS - 1);
    expect(writes).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(writes).toEqual([asLines([delta("a", 0, "A")]), asLines([delta("a", 1, "B")])]);
    writer.send(delta("a", 2, "C"));
    writer.flush();
    writer.flush();
    expect(writes).toEqual([
      asLines([delta("a", 0, "A")]),
      asLines([delta("a", 1, "B")]),
      asLines([delta("a", 2, "C")]),
    ]);
    vi.advanceTimersByTime(GATHER_DELTAS_MS);
    expect(writes).toHaveLength(3);
  });
});
