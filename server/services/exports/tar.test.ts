import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { tarChunks, tarSize } from "./tar";

describe("tarChunks", () => {
  it("writes an archive that tar reads back, the same bytes every time", async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-tar-"));
    onTestFinished(() => fs.rmSync(folder, { recursive: true, force: true }));
    fs.mkdirSync(path.join(folder, "data"));
    fs.writeFileSync(path.join(folder, "README.md"), "# Card\n");
    fs.writeFileSync(path.join(folder, "data", "train.parquet"), Buffer.alloc(1300, 7));
    const files = ["README.md", "data/train.parquet"].map((name) => ({
      name,
      path: path.join(folder, name),
      bytes: fs.statSync(path.join(folder, name)).size,
    }));
    const archive = async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of tarChunks(files)) chunks.push(chunk);
      return Buffer.concat(chunks);
    };
    const first = await archive();
    expect(first.length).toBe(tarSize(files));
    expect((await archive()).equals(first)).toBe(true);
    const tarFile = path.join(folder, "out.tar");
    fs.writeFileSync(tarFile, first);
    const out = path.join(folder, "out");
    fs.mkdirSync(out);
    execFileSync("tar", ["-xf", tarFile, "-C", out]);
    expect(fs.readFileSync(path.join(out, "README.md"), "utf8")).toBe("# Card\n");
    expect(fs.readFileSync(path.join(out, "data", "train.parquet")).equals(Buffer.alloc(1300, 7))).toBe(true);
  });
});
