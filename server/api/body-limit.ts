// Reads a request body up to a limit, whatever its framing. Content-Length alone is no limit: a
// chunked body has none, so the bytes are counted as they arrive and the stream is cancelled as
// soon as they pass the limit — nothing beyond it is read or buffered.

export const KB = 1024;
export const MB = 1024 * KB;

/** The body was larger than the route accepts; route handlers answer 413. */
export class PayloadTooLargeError extends Error {
  override name = "PayloadTooLargeError";
  constructor(readonly limit: number) {
    super(`The request is larger than ${describeBytes(limit)}. Send less data in one request.`);
  }
}

function describeBytes(bytes: number) {
  return bytes >= MB ? `${Math.round(bytes / MB)} MB` : `${Math.round(bytes / KB)} KB`;
}

/** The body's bytes (empty when there is none); throws PayloadTooLargeError past `limit`. */
export async function readBodyWithLimit(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  if (!request.body) return new Uint8Array(0);
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) {
    await request.body.cancel().catch(() => {});
    throw new PayloadTooLargeError(limit);
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

export interface BufferedRequestInit {
  method: string;
  headers: Headers;
  body: Uint8Array<ArrayBuffer>;
  signal: AbortSignal;
}

/**
 * The same request with its body read (up to `limit`) into memory, for handlers that read the
 * body themselves (tRPC, next-auth). Requests without a body pass through untouched.
 */
export async function withBufferedBody<T extends Request>(
  request: T,
  limit: number,
  rebuild: (init: BufferedRequestInit) => T,
): Promise<T> {
  if (!request.body) return request;
  const body = await readBodyWithLimit(request, limit);
  return rebuild({ method: request.method, headers: request.headers, body, signal: request.signal });
}
