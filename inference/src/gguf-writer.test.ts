import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { gguf, GGUFValueType } from "@huggingface/gguf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { GGML_TYPE_ID, type GgmlTypeName, ggmlTypeTraits } from "./ggml-types";
import {
  encodeTensorData,
  type GgufFile,
  type GgufTensor,
  type GgufValue,
  ggufFileSize,
  ggufValue,
  writeGguf,
} from "./gguf-writer";
import { Random } from "./random";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "arbiter-gguf-writer-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const metadata: Record<string, GgufValue> = {
  "general.architecture": ggufValue.string("llama"),
  "test.uint8": ggufValue.uint8(255),
  "test.int8": ggufValue.int8(-128),
  "test.uint16": ggufValue.uint16(65535),
  "test.int16": ggufValue.int16(-32768),
  "test.uint32": ggufValue.uint32(4294967295),
  "test.int32": ggufValue.int32(-2147483648),
  "test.uint64": ggufValue.uint64(2n ** 64n - 1n),
  "test.int64": ggufValue.int64(-(2n ** 63n)),
  "test.float32": ggufValue.float32(1.5),
  "test.float64": ggufValue.float64(Math.PI),
  "test.bool.true": ggufValue.bool(true),
  "test.bool.false": ggufValue.bool(false),
  "test.string": ggufValue.string("héllo 🦙 \n\u0000 end"),
  "test.string.empty": ggufValue.string(""),
  "test.array.strings": ggufValue.array("string", ["<unk>", "▁the", "", "🦙", "日本"]),
  "test.array.float32": ggufValue.array("float32", [0, -1.25, 3e-5]),
  "test.array.int32": ggufValue.array("int32", [1, -2, 3]),
  "test.array.uint8": ggufValue.array("uint8", [0, 7, 255]),
  "test.array.bool": ggufValue.array("bool", [true, false, true]),
  "test.array.uint64": ggufValue.array("uint64", [0n, 2n ** 40n]),
  "test.array.float64": ggufValue.array("float64", [Math.E]),
  "test.array.empty": ggufValue.array("int32", []),
  "test.array.nested": ggufValue.arrayOfArrays([
    { type: "array", itemType: "int16", value: [1, 2] },
    { type: "array", itemType: "string", value: ["a"] },
  ]),
};

const expectedTypes: Record<string, [GGUFValueType, GGUFValueType?]> = {
  "general.architecture": [GGUFValueType.STRING],
  "test.uint8": [GGUFValueType.UINT8],
  "test.int8": [GGUFValueType.INT8],
  "test.uint16": [GGUFValueType.UINT16],
  "test.int16": [GGUFValueType.INT16],
  "test.uint32": [GGUFValueType.UINT32],
  "test.int32": [GGUFValueType.INT32],
  "test.uint64": [GGUFValueType.UINT64],
  "test.int64": [GGUFValueType.INT64],
  "test.float32": [GGUFValueType.FLOAT32],
  "test.float64": [GGUFValueType.FLOAT64],
  "test.bool.true": [GGUFValueType.BOOL],
  "test.bool.false": [GGUFValueType.BOOL],
  "test.string": [GGUFValueType.STRING],
  "test.string.empty": [GGUFValueType.STRING],
  "test.array.strings": [GGUFValueType.ARRAY, GGUFValueType.STRING],
  "test.array.float32": [GGUFValueType.ARRAY, GGUFValueType.FLOAT32],
  "test.array.int32": [GGUFValueType.ARRAY, GGUFValueType.INT32],
  "test.array.uint8": [GGUFValueType.ARRAY, GGUFValueType.UINT8],
  "test.array.bool": [GGUFValueType.ARRAY, GGUFValueType.BOOL],
  "test.array.uint64": [GGUFValueType.ARRAY, GGUFValueType.UINT64],
  "test.array.float64": [GGUFValueType.ARRAY, GGUFValueType.FLOAT64],
  "test.array.empty": [GGUFValueType.ARRAY, GGUFValueType.INT32],
  "test.array.nested": [GGUFValueType.ARRAY, GGUFValueType.ARRAY],
};

// What @huggingface/gguf returns for each value (it reads 64-bit integers as bigint).
function expectedParsed(value: GgufValue): unknown {
  if (value.type === "array") {
    return value.itemType === "array"
      ? value.value.map((inner) => expectedParsed(inner as GgufValue))
      : value.value.map((item) => expectedParsed({ type: value.itemType, value: item } as GgufValue));
  }
  if (value.type === "uint64" || value.type === "int64") return BigInt(value.value);
  if (value.type === "float32") return Math.fround(value.value);
  return value.value;
}

function floatTensor(name: string, type: GgmlTypeName, shape: number[], seed: number) {
  const rng = new Random(seed);
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => rng.normal());
  const tensor: GgufTensor = { name, type, shape, data: encodeTensorData(type, values) };
  return { tensor, values };
}

async function writeAndParse(name: string, file: GgufFile) {
  const path = join(dir, name);
  await writeGguf(path, file);
  const parsed = await gguf(path, { allowLocalFile: true, typedMetadata: true });
  return { path, parsed, bytes: new Uint8Array(await readFile(path)) };
}

describe("writeGguf", () => {
  it("writes every metadata value type that @huggingface/gguf reads back exactly", async () => {
    const { parsed } = await writeAndParse("metadata.gguf", { metadata, tensors: [] });
    expect(parsed.metadata.version).toBe(3);
    expect(parsed.metadata.tensor_count).toBe(0n);
    expect(parsed.metadata.kv_count).toBe(BigInt(Object.keys(metadata).length));
    for (const [key, value] of Object.entries(metadata)) {
      const typed = parsed.typedMetadata[key];
      expect(typed, key).toBeDefined();
      expect(typed!.type, key).toBe(expectedTypes[key]![0]);
      if (expectedTypes[key]![1] !== undefined) expect(typed!.subType, key).toBe(expectedTypes[key]![1]);
      expect(typed!.value, key).toEqual(expectedParsed(value));
    }
  });

  it("writes headers larger than its initial buffer (a 32000-token vocabulary)", async () => {
    const tokens = Array.from({ length: 32000 }, (_, i) => `token-${i}-${"x".repeat(i % 17)}`);
    const { parsed } = await writeAndParse("big-header.gguf", {
      metadata: { "tokenizer.ggml.tokens": ggufValue.array("string", tokens), after: ggufValue.uint64(7n) },
      tensors: [floatTensor("t", "Q8_0", [32], 1).tensor],
    });
    expect(parsed.typedMetadata["tokenizer.ggml.tokens"]!.value).toEqual(tokens);
    expect(parsed.typedMetadata["after"]!.value).toBe(7n);
    expect(parsed.tensorInfos[0]!.name).toBe("t");
  });

  it.each([32, 64, 128])("writes tensors of every type at offsets aligned to %i bytes", async (alignment) => {
    const entries = [
      floatTensor("a.f32", "F32", [3, 5], 1), // 60 bytes: forces padding after it
      floatTensor("b.f16", "F16", [7], 2),
      floatTensor("c.bf16", "BF16", [4, 3], 3),
      floatTensor("d.q8_0", "Q8_0", [64, 3], 4),
      floatTensor("e.q4_0", "Q4_0", [32, 2, 2], 5),
      floatTensor("f.q4_0.4d", "Q4_0", [32, 1, 2, 2], 6),
    ];
    const file: GgufFile = {
      metadata: {
        "general.architecture": ggufValue.string("llama"),
        ...(alignment !== 32 ? { "general.alignment": ggufValue.uint32(alignment) } : {}),
      },
      tensors: entries.map((e) => e.tensor),
    };
    const { parsed, bytes } = await writeAndParse(`tensors-${alignment}.gguf`, file);
    expect(bytes.length).toBe(ggufFileSize(file));
    expect(Number(parsed.tensorDataOffset) % alignment).toBe(0);
    expect(bytes.length % alignment).toBe(0);
    expect(parsed.tensorInfos.map((t) => t.name)).toEqual(entries.map((e) => e.tensor.name));
    for (const [i, info] of parsed.tensorInfos.entries()) {
      const { tensor, values } = entries[i]!;
      expect(info.shape.map(Number)).toEqual(tensor.shape);
      expect(info.n_dims).toBe(tensor.shape.length);
      expect(Number(info.dtype)).toBe(GGML_TYPE_ID[tensor.type]);
      expect(Number(info.offset) % alignment).toBe(0);
      const start = Number(parsed.tensorDataOffset + info.offset);
      const encoded = tensor.data as Uint8Array;
      expect(Buffer.compare(bytes.subarray(start, start + encoded.length), encoded)).toBe(0);
      // The bytes decode to the values within the type's precision.
      const decoded = new Float32Array(values.length);
      ggmlTypeTraits(tensor.type).dequantize(bytes.subarray(start), decoded);
      const tolerance = { F32: 0, F16: 1e-3, BF16: 1e-2, Q8_0: 0.03, Q4_0: 0.5 }[tensor.type as "F32"];
      for (let j = 0; j < values.length; j++)
        expect(Math.abs(decoded[j]! - values[j]!)).toBeLessThanOrEqual(tolerance * 4);
    }
    // Tensors do not overlap: each starts at or after the previous one's end.
    for (let i = 1; i < parsed.tensorInfos.length; i++) {
      const previous = entries[i - 1]!.tensor.data as Uint8Array;
      expect(parsed.tensorInfos[i]!.offset).toBeGreaterThanOrEqual(
        parsed.tensorInfos[i - 1]!.offset + BigInt(previous.length),
      );
    }
  });

  it("streams tensors given as chunk generators and checks their length", async () => {
    const chunks = () => [new Uint8Array(100).fill(1), new Uint8Array(28).fill(2)];
    const { bytes, parsed } = await writeAndParse("chunks.gguf", {
      metadata: {},
      tensors: [{ name: "x", type: "F32", shape: [32], data: chunks }],
    });
    const start = Number(parsed.tensorDataOffset);
    expect(Array.from(bytes.subarray(start + 98, start + 102))).toEqual([1, 1, 2, 2]);

    const path = join(dir, "short.gguf");
    await expect(
      writeGguf(path, { metadata: {}, tensors: [{ name: "x", type: "F32", shape: [33], data: chunks }] }),
    ).rejects.toThrow(/expected 132 bytes/);
    // A failed write leaves neither the file nor its partial copy behind.
    await expect(stat(path)).rejects.toThrow();
    await expect(stat(`${path}.partial`)).rejects.toThrow();
  });

  it("refuses files llama.cpp would reject", () => {
    const tensor = (shape: number[], type: GgmlTypeName = "F32", name = "t"): GgufTensor => ({
      name,
      type,
      shape,
      data: new Uint8Array(0),
    });
    expect(() => ggufFileSize({ metadata: {}, tensors: [tensor([31], "Q8_0")] })).toThrow(
      /whole Q8_0 blocks/,
    );
    expect(() => ggufFileSize({ metadata: {}, tensors: [tensor([1, 1, 1, 1, 1])] })).toThrow(/dimensions/);
    expect(() => ggufFileSize({ metadata: {}, tensors: [tensor([0])] })).toThrow(/positive/);
    expect(() => ggufFileSize({ metadata: {}, tensors: [tensor([1]), tensor([1])] })).toThrow(/twice/);
    expect(() => ggufFileSize({ metadata: {}, tensors: [tensor([1], "F32", "x".repeat(64))] })).toThrow(
      /63 bytes/,
    );
    expect(() =>
      ggufFileSize({ metadata: { "general.alignment": ggufValue.uint32(48) }, tensors: [] }),
    ).toThrow(/power of two/);
    expect(() => ggufFileSize({ metadata: { k: ggufValue.uint8(256) }, tensors: [] })).toThrow(
      /not a valid uint8/,
    );
    expect(() =>
      ggufFileSize({ metadata: { k: ggufValue.array("string", [1 as unknown as string]) }, tensors: [] }),
    ).toThrow(/expected a string/);
  });
});
