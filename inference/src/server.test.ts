import { describe, expect, it } from "vitest";

import { StopHoldback } from "./server";

describe("StopHoldback", () => {
  it("holds back text that may be the start of a stop string until it is not", () => {
    const holdback = new StopHoldback(["</answer>"]);
    expect(holdback.push("The result is 4")).toBe("The result is 4");
    expect(holdback.push(" <")).toBe(" ");
    expect(holdback.push("/ans")).toBe("");
    expect(holdback.push("wer")).toBe("");
    expect(holdback.push("ing>")).toBe("</answering>");
  });

  it("never releases a stop string and ends with the engine's final text", () => {
    const holdback = new StopHoldback(["is a", "STOP"]);
    const pieces = ["Hello", " world!", " This", " is", " a", " test"].map((t) => holdback.push(t));
    // The "is" of "This" is held until " a" fails to follow it.
    expect(pieces.slice(0, 4)).toEqual(["Hello", " world!", " Th", "is "]);
    expect(pieces.join("")).toBe("Hello world! This ");
    expect(holdback.finish("Hello world! This ")).toBe("");
  });

  it("releases what the engine's final text has beyond what was sent", () => {
    const holdback = new StopHoldback(["END"]);
    expect(holdback.push("x E")).toBe("x ");
    // Generation ended (max tokens) with the held "E" in the final text.
    expect(holdback.finish("x E")).toBe("E");
  });

  it("passes everything through when there are no stop strings", () => {
    const holdback = new StopHoldback([]);
    expect(holdback.push("a")).toBe("a");
    expect(holdback.push("")).toBe("");
    expect(holdback.finish("ab")).toBe("b");
  });
});
