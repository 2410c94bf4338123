// A POSIX ustar archive of finished export files, streamed file by file, for downloading a
// dataset folder (or a train/test pair) in one response. Owner, mode and time are fixed, so the
// same files always give the same archive.
import fs from "node:fs";

const BLOCK = 512;

function header(name: string, size: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`The file name ${name} is too long for a tar archive.`);
  const block = Buffer.alloc(BLOCK);
  const put = (text: string, offset: number, length: number) => block.write(text, offset, length, "utf8");
  const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, "0") + "\0";
  put(name, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8); // uid
  put(octal(0, 8), 116, 8); // gid
  put(octal(size, 12), 124, 12);
  put(octal(0, 12), 136, 12); // mtime: the epoch, for reproducible archives
  put("        ", 148, 8); // checksum placeholder: spaces while summing
  put("0", 156, 1); // regular file
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  let sum = 0;
  for (const byte of block) sum += byte;
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
  return block;
}

export function tarSize(files: readonly { bytes: number }[]) {
  return files.reduce((total, file) => total + BLOCK + Math.ceil(file.bytes / BLOCK) * BLOCK, 0) + 2 * BLOCK;
}

/** The archive's bytes: each file's header, content and padding, then two empty blocks. */
export async function* tarChunks(files: readonly { name: string; path: string; bytes: number }[]) {
  for (const file of files) {
    yield header(file.name, file.bytes);
    for await (const chunk of fs.createReadStream(file.path, { highWaterMark: 1 << 20 }))
      yield chunk as Buffer;
    const padding = (BLOCK - (file.bytes % BLOCK)) % BLOCK;
    if (padding) yield Buffer.alloc(padding);
  }
  yield Buffer.alloc(2 * BLOCK);
}
