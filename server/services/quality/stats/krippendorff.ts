// Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"):
// 1 - observed disagreement / expected disagreement, from the coincidence matrix of the values
// that coders assigned to the same unit. Units with fewer than two values are not pairable and
// are left out; any number of coders and missing values are allowed.

export type AlphaMetric = "nominal" | "ordinal" | "interval";

/** Coincidences between values: matrix[c][k] over the sorted distinct `values`. */
export interface Coincidences {
  values: number[];
  matrix: number[][];
}

/** units[u] = the values coders gave unit u (missing values left out, or null). */
export function coincidencesOf(units: readonly (readonly (number | null | undefined)[])[]): Coincidences {
  const pairable = units
    .map((unit) => unit.filter((value): value is number => value !== null && value !== undefined))
    .filter((unit) => unit.length >= 2);
  const values = [...new Set(pairable.flat())].sort((a, b) => a - b);
  const index = new Map(values.map((value, i) => [value, i]));
  const matrix = values.map(() => values.map(() => 0));
  for (const unit of pairable) {
    const weight = 1 / (unit.length - 1);
    for (let i = 0; i < unit.length; i++) {
      for (let j = 0; j < unit.length; j++) {
        if (i !== j) matrix[index.get(unit[i])!][index.get(unit[j])!] += weight;
      }
    }
  }
  return { values, matrix };
}

/** Squared distance between the c-th and k-th value under the metric; `totals` are n_c. */
function distance(metric: AlphaMetric, values: number[], totals: number[], c: number, k: number) {
  if (c === k) return 0;
  switch (metric) {
    case "nominal":
      return 1;
    case "interval":
      return (values[c] - values[k]) ** 2;
    case "ordinal": {
      const [low, high] = c < k ? [c, k] : [k, c];
      let between = 0;
      for (let g = low; g <= high; g++) between += totals[g];
      return (between - (totals[low] + totals[high]) / 2) ** 2;
    }
  }
}

/** Alpha from a coincidence matrix; null when there is nothing to disagree about (fewer than
 * two pairable values, or every value the same, where alpha is undefined). */
export function alphaFromCoincidences({ values, matrix }: Coincidences, metric: AlphaMetric): number | null {
  const totals = matrix.map((row) => row.reduce((sum, cell) => sum + cell, 0));
  const n = totals.reduce((sum, total) => sum + total, 0);
  if (n < 2) return null;
  let observed = 0;
  let expected = 0;
  for (let c = 0; c < values.length; c++) {
    for (let k = 0; k < values.length; k++) {
      const delta = distance(metric, values, totals, c, k);
      observed += matrix[c][k] * delta;
      expected += totals[c] * totals[k] * delta;
    }
  }
  if (expected === 0) return null;
  return 1 - ((n - 1) * observed) / expected;
}

export function krippendorffAlpha(
  units: readonly (readonly (number | null | undefined)[])[],
  metric: AlphaMetric,
): number | null {
  return alphaFromCoincidences(coincidencesOf(units), metric);
}

/** Coincidences from units of exactly two values given as counted pairs (a, b): the shape the
 * database returns for overlap items, where each unit is one first rating and one re-rating. */
export function coincidencesFromPairs(
  pairs: readonly { a: number; b: number; count: number }[],
): Coincidences {
  const values = [...new Set(pairs.flatMap((pair) => [pair.a, pair.b]))].sort((x, y) => x - y);
  const index = new Map(values.map((value, i) => [value, i]));
  const matrix = values.map(() => values.map(() => 0));
  for (const { a, b, count } of pairs) {
    // A unit of two values contributes (a, b) and (b, a), each with weight 1 / (2 - 1).
    matrix[index.get(a)!][index.get(b)!] += count;
    matrix[index.get(b)!][index.get(a)!] += count;
  }
  return { values, matrix };
}
