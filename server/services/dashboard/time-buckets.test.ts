import { describe, expect, it } from "vitest";
import { bucketMiddleMs, medianFromBuckets, timeBucket } from "./time-buckets";

function bucketsOf(times: number[]) {
  const counts = new Map<number, number>();
  for (const ms of times) counts.set(timeBucket(ms), (counts.get(timeBucket(ms)) ?? 0) + 1);
  return [...counts].map(([bucket, count]) => ({ bucket, count }));
}

describe("medianFromBuckets", () => {
  it("is within 1.75% of the exact median", () => {
    const times = [800, 12_000, 15_500, 21_000, 33_000, 47_000, 61_000, 90_000, 240_000];
    const median = medianFromBuckets(bucketsOf(times))!;
    expect(Math.abs(median / 33_000 - 1)).toBeLessThan(0.0175);
  });

  it("takes the lower middle of an even count and is null without times", () => {
    const median = medianFromBuckets(bucketsOf([1_000, 2_000, 4_000, 8_000]))!;
    expect(Math.abs(median / 2_000 - 1)).toBeLessThan(0.0175);
    expect(medianFromBuckets([])).toBeNull();
  });

  it("keeps every time inside its own bucket", () => {
    for (const ms of [1, 2, 999, 1000, 65_536, 3_600_000]) {
      const bucket = timeBucket(ms);
      expect(bucketMiddleMs(bucket) / ms).toBeGreaterThan(2 ** (-1 / 20));
      expect(bucketMiddleMs(bucket) / ms).toBeLessThan(2 ** (1 / 20));
    }
  });
});
