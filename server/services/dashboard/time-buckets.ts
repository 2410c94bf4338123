// Medians of time spent from the histogram in time_spent_rollups: bucket b holds times in
// [2^(b/20), 2^((b+1)/20)) ms (arbiter_time_bucket in migration 0005). The median is reported
// as the geometric middle of its bucket, so it is within 2^(1/40) - 1 ≈ 1.75% of the exact one.

const BUCKETS_PER_DOUBLING = 20;

/** The bucket of a time, as the database computes it. */
export function timeBucket(ms: number): number {
  return Math.floor((BUCKETS_PER_DOUBLING * Math.log(Math.max(ms, 1))) / Math.LN2);
}

export function bucketMiddleMs(bucket: number): number {
  return 2 ** ((bucket + 0.5) / BUCKETS_PER_DOUBLING);
}

/** The median of the counted times, or null when there are none. */
export function medianFromBuckets(buckets: readonly { bucket: number; count: number }[]): number | null {
  const sorted = [...buckets].filter((entry) => entry.count > 0).sort((a, b) => a.bucket - b.bucket);
  const total = sorted.reduce((sum, entry) => sum + entry.count, 0);
  if (total === 0) return null;
  // The lower median for an even count, as with an odd count the middle one.
  const target = Math.ceil(total / 2);
  let seen = 0;
  for (const entry of sorted) {
    seen += entry.count;
    if (seen >= target) return bucketMiddleMs(entry.bucket);
  }
  return bucketMiddleMs(sorted[sorted.length - 1].bucket);
}
