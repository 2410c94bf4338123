// Bradley–Terry as a logistic regression with style covariates: Chatbot Arena's style control
// (LMSYS 2024, after Li et al.). P(a beats b) = σ(β_a − β_b + Σ_k γ_k · z_k), where z_k is the
// standardized normalized difference of style feature k between a and b. With no covariates it
// is the plain Bradley–Terry model, fitted the same way, so the two differ only in the style
// terms. Fitted by Newton–Raphson (the parameters are few: one per player and per feature); a
// tiny ridge on β fixes the scale's origin. Scores are on Arena's scale: 1000 + 400·β / ln 10.
//
// The fit runs on rows, not on battles: the log-likelihood of a battle with covariates x and
// outcome y ∈ {0, ½, 1} is y·η(x) − log(1 + e^η(x)), so the battles that share x add up to
// (Σy)·η(x) − (Σ1)·log(1 + e^η(x)): a row holding their count per outcome gives the same
// gradient and Hessian as the battles themselves. Battles group exactly when their players and
// covariates are equal (always, for the plain model: a row per pair and outcome); continuous
// covariates are binned first (battleRows' `binWidth`) and the row takes its battles' mean
// covariates, which moves the likelihood only at second order in the bin width. A million votes
// over a dozen variants become a few thousand rows, so a bootstrap round costs the rows, not
// the votes. Where they are many more (Markdown varying as well as length), the bootstrap's
// rounds run on the rows regrouped at a wider bin, around the fine fit
// (bootstrapStyleIntervalsSteps).
import {
  logGamma,
  quantile,
  type Random,
  samplePoisson,
  seededRandom,
} from "@/server/services/quality/stats/random";
import { runSteps, STEP_ITEMS, type Steps } from "../cooperative";

export interface Battle {
  a: number;
  b: number;
  /** 1: a won, 0: b won, 0.5: a tie. */
  outcome: number;
  /** Covariates (already a − b), one per style feature; empty for the plain model. */
  style: readonly number[];
}

/** Battles summed by players and (binned) covariates. */
export interface BattleRows {
  players: number;
  features: number;
  a: Int32Array;
  b: Int32Array;
  /** Row-major, `features` per row: the mean covariates of the row's battles. */
  style: Float64Array;
  /** Three per row: the (weighted) battles b won, tied and a won. */
  outcomes: Float64Array;
}

export interface StyleFit {
  /** β per player, mean 0 (natural log-odds). */
  strengths: number[];
  /** γ per style feature (per standard deviation of the normalized difference). */
  styleCoefficients: number[];
}

const RIDGE = 1e-6;

/** The style-controlled leaderboard's bin: 1/16 of a standard deviation of each standardized
 * covariate. With the row at its battles' mean, binning moves each battle's log-odds by
 * γ·(z − z̄), |z − z̄| < 1/16, and the likelihood only through the square of that (the linear
 * terms cancel around the mean): on the synthetic campaigns the scores move by less than 0.05
 * points and the coefficients by less than 0.001 (style-bradley-terry.test.ts). */
export const STYLE_BIN_WIDTH = 1 / 16;

export function eloFromStrength(beta: number) {
  return 1000 + (400 * beta) / Math.LN10;
}

/** Standardizes each covariate column (mean 0, standard deviation 1), as Arena does, so the
 * coefficients compare across features; a constant column becomes 0. */
export function standardizeStyle(battles: Battle[]): Battle[] {
  const features = battles[0]?.style.length ?? 0;
  const mean = new Array<number>(features).fill(0);
  const sd = new Array<number>(features).fill(0);
  for (const battle of battles) battle.style.forEach((value, k) => (mean[k] += value / battles.length));
  for (const battle of battles) {
    battle.style.forEach((value, k) => (sd[k] += (value - mean[k]) ** 2 / battles.length));
  }
  return battles.map((battle) => ({
    ...battle,
    style: battle.style.map((value, k) => (sd[k] > 0 ? (value - mean[k]) / Math.sqrt(sd[k]) : 0)),
  }));
}

/** The outcome's slot in a row: 0 b won, 1 tie, 2 a won. */
function outcomeSlot(outcome: number) {
  if (outcome !== 0 && outcome !== 0.5 && outcome !== 1)
    throw new Error(`Outcome ${outcome} is not 0, ½ or 1.`);
  return outcome * 2;
}

/** The sizes of a mixed-radix row key over the ordered pair and each covariate's bins (from its
 * lowest to its highest), or null where the key would not fit in 53 bits. */
function keyRadix(players: number, lowest: readonly number[], highest: readonly number[]) {
  const radix = lowest.map((low, k) => highest[k] - low + 1);
  const span = radix.reduce((product, size) => product * size, players * players);
  return span <= Number.MAX_SAFE_INTEGER ? radix : null;
}

/** Runs `each` over [0, count) in slices of STEP_ITEMS, yielding between them (cooperative.ts):
 * the loops stay plain functions, which V8 optimizes better than a generator's body. */
function* inSlices(count: number, each: (start: number, end: number) => void): Steps<void> {
  for (let start = 0; start < count; start += STEP_ITEMS) {
    each(start, Math.min(start + STEP_ITEMS, count));
    if (start + STEP_ITEMS < count) yield;
  }
}

/** A battle's row key: equal exactly when two battles belong in one row. A number (the players
 * and the covariates' bins in mixed radix) where that fits in 53 bits, as it does for binned
 * covariates of any campaign and for the plain model: a million battles then group in tens of
 * milliseconds, where string keys take a second. */
function rowKeyOf(battles: readonly Battle[], players: number, features: number, binWidth: number) {
  const binOf = (value: number) => Math.round(value / binWidth);
  if (features === 0) return (battle: Battle): number | string => battle.a * players + battle.b;
  if (binWidth > 0) {
    const smallest = new Array<number>(features).fill(Infinity);
    const largest = new Array<number>(features).fill(-Infinity);
    for (let index = 0; index < battles.length; index++) {
      const { style } = battles[index];
      for (let k = 0; k < features; k++) {
        if (style[k] < smallest[k]) smallest[k] = style[k];
        if (style[k] > largest[k]) largest[k] = style[k];
      }
    }
    // Rounding the quotient by a positive width keeps the order: the extreme values' bins are
    // the extreme bins.
    const lowest = smallest.map(binOf);
    const radix = keyRadix(players, lowest, largest.map(binOf));
    if (radix) {
      return (battle: Battle): number | string => {
        let key = battle.a * players + battle.b;
        for (let k = 0; k < features; k++) key = key * radix[k] + binOf(battle.style[k]) - lowest[k];
        return key;
      };
    }
  }
  return (battle: Battle): number | string =>
    `${battle.a} ${battle.b} ${battle.style.map((value) => (binWidth > 0 ? binOf(value) : value)).join(" ")}`;
}

/** Rows numbered in order of their keys' first sight. Numeric keys go to an open-addressing
 * table over typed arrays (linear probing, at most half full), which allocates nothing per key. */
class RowNumbers {
  private keys = new Float64Array(1024);
  private rows = new Int32Array(1024).fill(-1);
  private readonly named = new Map<string, number>();
  size = 0;

  /** The key's row, opening row `size` on first sight. */
  rowOf(key: number | string): number {
    if (typeof key === "string") {
      let row = this.named.get(key);
      if (row === undefined) this.named.set(key, (row = this.size++));
      return row;
    }
    if (2 * (this.size + 1) > this.rows.length) this.grow();
    const slot = this.slotOf(key);
    if (this.rows[slot] === -1) {
      this.keys[slot] = key;
      this.rows[slot] = this.size++;
    }
    return this.rows[slot];
  }

  /** The key's slot, or the empty slot where it would go. */
  private slotOf(key: number) {
    const mask = this.rows.length - 1;
    // The key's low and high 32 bits mixed (MurmurHash3's finalizer constants).
    let slot = Math.imul((key >>> 0) ^ Math.imul(Math.floor(key / 4294967296), 0x9e3779b1), 0x85ebca6b);
    slot = (slot ^ (slot >>> 15)) & mask;
    while (this.rows[slot] !== -1 && this.keys[slot] !== key) slot = (slot + 1) & mask;
    return slot;
  }

  private grow() {
    const { keys, rows } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.rows = new Int32Array(rows.length * 2).fill(-1);
    for (let slot = 0; slot < rows.length; slot++) {
      if (rows[slot] === -1) continue;
      const to = this.slotOf(keys[slot]);
      this.keys[to] = keys[slot];
      this.rows[to] = rows[slot];
    }
  }
}

/** A typed array twice as long, starting with `array`'s contents. */
function doubled<T extends Int32Array | Float64Array>(array: T): T {
  const larger = new (array.constructor as new (length: number) => T)(array.length * 2);
  larger.set(array);
  return larger;
}

/** Rows being summed: `rowFor` finds the row of a key, opening it on first sight; callers add
 * covariate sums (weighted by battles) and outcome counts; `rows` turns the sums into means. */
class RowSums {
  private readonly numbers = new RowNumbers();
  private a = new Int32Array(1024);
  private b = new Int32Array(1024);
  styleSums: Float64Array;
  outcomes = new Float64Array(3 * 1024);

  constructor(
    private readonly players: number,
    private readonly features: number,
  ) {
    this.styleSums = new Float64Array(features * 1024);
  }

  rowFor(key: number | string, a: number, b: number) {
    const opened = this.numbers.size;
    const row = this.numbers.rowOf(key);
    if (row !== opened) return row;
    if (row === this.a.length) {
      this.a = doubled(this.a);
      this.b = doubled(this.b);
      this.styleSums = doubled(this.styleSums);
      this.outcomes = doubled(this.outcomes);
    }
    this.a[row] = a;
    this.b[row] = b;
    return row;
  }

  rows(): BattleRows {
    const { features } = this;
    const count = this.numbers.size;
    const outcomes = this.outcomes.slice(0, count * 3);
    const style = this.styleSums.slice(0, count * features);
    for (let row = 0; row < count; row++) {
      const total = outcomes[row * 3] + outcomes[row * 3 + 1] + outcomes[row * 3 + 2];
      for (let k = 0; k < features; k++) style[row * features + k] /= total;
    }
    return {
      players: this.players,
      features,
      a: this.a.slice(0, count),
      b: this.b.slice(0, count),
      style,
      outcomes,
    };
  }
}

/** The battles as rows, yielding every STEP_ITEMS battles (cooperative.ts). Battles with the same
 * players fall in one row when their covariates are equal (`binWidth` 0, the default) or round
 * to the same multiple of `binWidth`; `weights` count a battle that many times. */
export function* battleRowsSteps(
  battles: readonly Battle[],
  players: number,
  options: { binWidth?: number; weights?: ArrayLike<number> } = {},
): Steps<BattleRows> {
  const { binWidth = 0, weights } = options;
  const features = battles[0]?.style.length ?? 0;
  const keyOf = rowKeyOf(battles, players, features, binWidth);
  const sums = new RowSums(players, features);
  yield* inSlices(battles.length, (start, end) => {
    for (let index = start; index < end; index++) {
      const weight = weights ? weights[index] : 1;
      if (weight === 0) continue;
      const battle = battles[index];
      const row = sums.rowFor(keyOf(battle), battle.a, battle.b);
      for (let k = 0; k < features; k++) sums.styleSums[row * features + k] += weight * battle.style[k];
      sums.outcomes[row * 3 + outcomeSlot(battle.outcome)] += weight;
    }
  });
  return sums.rows();
}

/** The rows turned to put the lower player first: b against a with the covariates negated and
 * the outcomes mirrored is the same battle, so the turn changes no likelihood, and it lets a
 * pair's two orders share rows. */
function turnedRows(rows: BattleRows): BattleRows {
  const { features } = rows;
  const turned: BattleRows = {
    ...rows,
    a: rows.a.slice(),
    b: rows.b.slice(),
    style: rows.style.slice(),
    outcomes: rows.outcomes.slice(),
  };
  for (let row = 0; row < rows.a.length; row++) {
    if (rows.a[row] <= rows.b[row]) continue;
    turned.a[row] = rows.b[row];
    turned.b[row] = rows.a[row];
    for (let k = 0; k < features; k++) turned.style[row * features + k] *= -1;
    turned.outcomes[row * 3] = rows.outcomes[row * 3 + 2];
    turned.outcomes[row * 3 + 2] = rows.outcomes[row * 3];
  }
  return turned;
}

/** Each covariate's smallest and largest value over the rows. */
function styleRange(rows: BattleRows) {
  const { features, style } = rows;
  const lowest = new Array<number>(features).fill(Infinity);
  const highest = new Array<number>(features).fill(-Infinity);
  for (let index = 0; index < style.length; index++) {
    const k = index % features;
    lowest[k] = Math.min(lowest[k], style[index]);
    highest[k] = Math.max(highest[k], style[index]);
  }
  return { lowest, highest };
}

/** A row's key at a wider bin: equal when two rows have the same players and their mean
 * covariates round to the same multiples of `binWidth`; a number in mixed radix where it fits. */
function rowBinKeyOf(rows: BattleRows, range: ReturnType<typeof styleRange>, binWidth: number) {
  const { players, features, style } = rows;
  const lowest = range.lowest.map((value) => Math.round(value / binWidth));
  const radix = keyRadix(
    players,
    lowest,
    range.highest.map((value) => Math.round(value / binWidth)),
  );
  return (row: number): number | string => {
    const offset = row * features;
    if (!radix) {
      const bins = Array.from(style.subarray(offset, offset + features), (z) => Math.round(z / binWidth));
      return `${rows.a[row]} ${rows.b[row]} ${bins.join(" ")}`;
    }
    let key = rows.a[row] * players + rows.b[row];
    for (let k = 0; k < features; k++) {
      key = key * radix[k] + Math.round(style[offset + k] / binWidth) - lowest[k];
    }
    return key;
  };
}

/** How many rows `rows` would make regrouped at `binWidth`, counted up to `limit + 1`: the search
 * for the bootstrap's bin needs only to know whether they are more than `limit`. */
function* rowCountSteps(
  rows: BattleRows,
  range: ReturnType<typeof styleRange>,
  binWidth: number,
  limit: number,
): Steps<number> {
  const keyOf = rowBinKeyOf(rows, range, binWidth);
  const numbers = new RowNumbers();
  for (let start = 0; start < rows.a.length && numbers.size <= limit; start += STEP_ITEMS) {
    const end = Math.min(start + STEP_ITEMS, rows.a.length);
    for (let row = start; row < end && numbers.size <= limit; row++) numbers.rowOf(keyOf(row));
    yield;
  }
  return numbers.size;
}

/** The rows regrouped at a wider bin: rows with the same players whose mean covariates round to
 * the same multiples of `binWidth` summed, at their battles' mean. */
function* regroupedRowsSteps(
  rows: BattleRows,
  range: ReturnType<typeof styleRange>,
  binWidth: number,
): Steps<BattleRows> {
  const { players, features } = rows;
  const keyOf = rowBinKeyOf(rows, range, binWidth);
  const sums = new RowSums(players, features);
  yield* inSlices(rows.a.length, (start, end) => {
    for (let row = start; row < end; row++) {
      const target = sums.rowFor(keyOf(row), rows.a[row], rows.b[row]);
      const battles = rows.outcomes[row * 3] + rows.outcomes[row * 3 + 1] + rows.outcomes[row * 3 + 2];
      for (let k = 0; k < features; k++) {
        sums.styleSums[target * features + k] += battles * rows.style[row * features + k];
      }
      for (let slot = 0; slot < 3; slot++) sums.outcomes[target * 3 + slot] += rows.outcomes[row * 3 + slot];
    }
  });
  return sums.rows();
}

/** Solves H x = g for a symmetric positive definite H (Cholesky), H row-major n × n. */
function solve(h: Float64Array, g: Float64Array): Float64Array {
  const n = g.length;
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = h[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = i === j ? Math.sqrt(Math.max(sum, 1e-300)) : sum / l[j * n + j];
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = g[i];
    for (let k = 0; k < i; k++) sum -= l[i * n + k] * y[k];
    y[i] = sum / l[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * x[k];
    x[i] = sum / l[i * n + i];
  }
  return x;
}

interface NewtonOptions {
  start?: StyleFit;
  maxIterations?: number;
  /** Stop after a step whose largest change is below this. */
  tolerance?: number;
}

/** Adds rows [start, end)'s terms to the log-likelihood's gradient and Hessian at θ (the
 * Hessian's upper triangle, players before features). */
function addRowTerms(
  rows: BattleRows,
  weight: Float64Array,
  score: Float64Array,
  theta: Float64Array,
  gradient: Float64Array,
  hessian: Float64Array,
  start: number,
  end: number,
) {
  const { players, features, a, b, style } = rows;
  const size = players + features;
  for (let row = start; row < end; row++) {
    const w = weight[row];
    if (w === 0) continue;
    const first = a[row];
    const second = b[row];
    const offset = row * features;
    let logit = theta[first] - theta[second];
    for (let k = 0; k < features; k++) logit += theta[players + k] * style[offset + k];
    const p = 1 / (1 + Math.exp(-logit));
    const residual = score[row] - w * p;
    const curvature = w * p * (1 - p);
    // x = e_a − e_b ⊕ style: gradient += residual·x; the Hessian's upper triangle (players
    // before features) += curvature·x·xᵀ, mirrored below after the pass.
    gradient[first] += residual;
    gradient[second] -= residual;
    // A variant against itself informs only the style terms (e_a − e_b = 0).
    if (first !== second) {
      hessian[first * size + first] += curvature;
      hessian[second * size + second] += curvature;
      hessian[Math.min(first, second) * size + Math.max(first, second)] -= curvature;
    }
    for (let k = 0; k < features; k++) {
      const z = style[offset + k];
      gradient[players + k] += residual * z;
      hessian[first * size + players + k] += curvature * z;
      hessian[second * size + players + k] -= curvature * z;
      for (let m = k; m < features; m++) {
        hessian[(players + k) * size + players + m] += curvature * z * style[offset + m];
      }
    }
  }
}

/** Newton–Raphson on rows with `weight` battles each, `score` of them won by a (ties count ½). */
function* newtonSteps(
  rows: BattleRows,
  weight: Float64Array,
  score: Float64Array,
  options: NewtonOptions,
): Steps<StyleFit> {
  const { maxIterations = 50, tolerance = 1e-9 } = options;
  const { players, features, a } = rows;
  const size = players + features;
  const theta = new Float64Array(size);
  if (options.start) {
    theta.set(options.start.strengths);
    theta.set(options.start.styleCoefficients, players);
  }
  const gradient = new Float64Array(size);
  const hessian = new Float64Array(size * size);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    gradient.fill(0);
    hessian.fill(0);
    for (let i = 0; i < players; i++) {
      gradient[i] -= RIDGE * theta[i];
      hessian[i * size + i] += RIDGE;
    }
    yield* inSlices(a.length, (start, end) =>
      addRowTerms(rows, weight, score, theta, gradient, hessian, start, end),
    );
    for (let i = 0; i < size; i++) for (let j = 0; j < i; j++) hessian[i * size + j] = hessian[j * size + i];
    // A feature that never varies has an empty row: keep its coefficient at 0.
    for (let k = players; k < size; k++) if (hessian[k * size + k] === 0) hessian[k * size + k] = 1;
    const step = solve(hessian, gradient);
    // The strengths' common shift is held by the tiny ridge alone, so on many rows rounding moves
    // it by more than the tolerance at every step: measure the step without it (the strengths
    // are returned centred).
    let shift = 0;
    for (let i = 0; i < players; i++) shift += step[i] / players;
    let largest = 0;
    for (let i = 0; i < size; i++) {
      theta[i] += step[i];
      largest = Math.max(largest, Math.abs(i < players ? step[i] - shift : step[i]));
    }
    if (largest < tolerance) break;
  }
  const strengths = Array.from(theta.subarray(0, players));
  const mean = strengths.reduce((sum, value) => sum + value, 0) / Math.max(players, 1);
  return {
    strengths: strengths.map((value) => value - mean),
    styleCoefficients: Array.from(theta.subarray(players)),
  };
}

/** Each row's battles and a's score (wins plus half the ties) from its outcome counts. */
function weightAndScore(outcomes: ArrayLike<number>, rows: number) {
  const weight = new Float64Array(rows);
  const score = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    weight[row] = outcomes[row * 3] + outcomes[row * 3 + 1] + outcomes[row * 3 + 2];
    score[row] = outcomes[row * 3 + 1] / 2 + outcomes[row * 3 + 2];
  }
  return { weight, score };
}

/** The fit on rows, yielding every STEP_ITEMS rows (cooperative.ts). */
export function* styleBradleyTerrySteps(rows: BattleRows, options: NewtonOptions = {}): Steps<StyleFit> {
  const { weight, score } = weightAndScore(rows.outcomes, rows.a.length);
  return yield* newtonSteps(rows, weight, score, options);
}

/** The fit on battles (each its own row unless equal), run straight through. */
export function fitStyleBradleyTerry(
  battles: readonly Battle[],
  players: number,
  options: NewtonOptions & { weights?: ArrayLike<number> } = {},
) {
  const rows = runSteps(battleRowsSteps(battles, players, { weights: options.weights }));
  return runSteps(styleBradleyTerrySteps(rows, options));
}

/** The cumulative Poisson(mean) probabilities from `first` on, with a guide (Chen and Asau's
 * index table: guide[j] is the first term whose cumulative probability exceeds j / length of
 * the total), so that inversion finds a draw's term in one or two comparisons. The table spans
 * the mean ± 12 standard deviations (what lies outside has a probability below 1e-30), its terms
 * computed in logs so that large means do not underflow. */
function poissonTable(mean: number) {
  const spread = 12 * Math.sqrt(mean) + 12;
  const first = Math.max(0, Math.floor(mean - spread));
  const cumulative = new Float64Array(Math.ceil(mean + spread) - first + 1);
  let sum = 0;
  for (let i = 0; i < cumulative.length; i++) {
    const k = first + i;
    sum += Math.exp(k * Math.log(mean) - mean - logGamma(k + 1));
    cumulative[i] = sum;
  }
  const guide = new Int32Array(cumulative.length);
  for (let j = 0, i = 0; j < guide.length; j++) {
    while (cumulative[i] <= (j / guide.length) * sum) i++;
    guide[j] = i;
  }
  return { first, cumulative, guide };
}

/** Draws one Poisson variate per mean into `into` at each call (a bootstrap round's weights, one
 * per row and outcome: that many battles): by inversion of a table per distinct whole mean below
 * TABLED_MEANS, built once, where `samplePoisson` takes mean + 1 uniform draws below 30 and
 * logarithms above; other means go to samplePoisson. */
const TABLED_MEANS = 4096;
export function poissonDraws(means: ArrayLike<number>, random: Random) {
  const tables = new Map<number, ReturnType<typeof poissonTable>>();
  const tableOfSlot = Array.from(means, (mean) => {
    if (mean === 0 || mean >= TABLED_MEANS || !Number.isInteger(mean)) return null;
    let table = tables.get(mean);
    if (!table) tables.set(mean, (table = poissonTable(mean)));
    return table;
  });
  return (into: Float64Array) => {
    for (let slot = 0; slot < tableOfSlot.length; slot++) {
      const table = tableOfSlot[slot];
      if (!table) {
        into[slot] = means[slot] === 0 ? 0 : samplePoisson(means[slot], random);
        continue;
      }
      const { first, cumulative, guide } = table;
      const r = random();
      const u = r * cumulative[cumulative.length - 1];
      // The guide's thresholds and u are rounded apart: step back where they crossed.
      let term = guide[Math.floor(r * guide.length)];
      while (term > 0 && cumulative[term - 1] > u) term--;
      while (cumulative[term] <= u) term++;
      into[slot] = first + term;
    }
  };
}

/** The most rows the bootstrap's rounds run on (unless that needs a bin wider than
 * WIDEST_BOOTSTRAP_BIN). A round costs about 0.5 µs a row (a row's three Poisson draws and
 * Newton's warm steps; CPU time on the shared 2-core machine of bench/dashboard/RESULTS.md), so
 * 500 rounds on 4,096 rows take about 1 s: a million battles with Markdown varying regroup to
 * 3,580 rows at a bin of 1.41 SD (bench/dashboard/style-bootstrap-bench.ts). */
export const BOOTSTRAP_ROW_BUDGET = 4096;

/** The widest bin the bootstrap regroups at, in standard deviations of each covariate: wider
 * still, a covariate's values share one or two bins, its coefficient is barely identified in the
 * regrouped rows, and its spread leaks into the scores' (3,000 battles with Markdown: intervals
 * within 7% of the per-battle bootstrap's at 1 SD, 9% at 2, 160% off at 2.8). */
const WIDEST_BOOTSTRAP_BIN = 2;

/** The rows the bootstrap runs on: the estimate's rows turned (a pair's two orders merge) and
 * regrouped at the narrowest bin STYLE_BIN_WIDTH·√2^k that leaves at most `rowBudget` rows, but
 * no wider than WIDEST_BOOTSTRAP_BIN (more rows then, and a slower bootstrap, rather than a
 * wrong one). The row count falls as the bin widens, so k is found by bisection, counting rows
 * (a pass each, cut short once over the budget) before regrouping once. */
function* bootstrapRowsSteps(rows: BattleRows, rowBudget: number) {
  const turned = turnedRows(rows);
  const range = styleRange(turned);
  const binWidthAt = (k: number) => STYLE_BIN_WIDTH * Math.SQRT2 ** k;
  let wide = Math.floor(2 * Math.log2(WIDEST_BOOTSTRAP_BIN / STYLE_BIN_WIDTH));
  // Over the budget at `narrow`, within it (or the widest bin) at `wide`. Turning at most halves
  // the rows, so the estimate's bin is over the budget where the rows are twice the budget.
  let narrow = rows.a.length > 2 * rowBudget ? 0 : -1;
  while (wide - narrow > 1) {
    const middle = narrow === -1 ? 0 : (narrow + wide) >> 1;
    if ((yield* rowCountSteps(turned, range, binWidthAt(middle), rowBudget)) <= rowBudget) wide = middle;
    else narrow = middle;
  }
  const binWidth = binWidthAt(wide);
  return { rows: yield* regroupedRowsSteps(turned, range, binWidth), binWidth };
}

export interface StyleIntervals {
  /** Per player, the 95% interval of its score. */
  intervals: { low: number; high: number }[];
  /** The rows the rounds ran on, and their bin (in standard deviations of each covariate). */
  bootstrapRows: number;
  bootstrapBinWidth: number;
}

/** 95% percentile intervals of each player's score from a Poisson bootstrap of the battles: each
 * battle's weight redrawn as Poisson(1). A row's n battles of one outcome then weigh
 * Poisson(n) in all (a sum of independent Poissons), so one draw per row and outcome resamples
 * exactly as a draw per battle would. Each round starts from the estimate and stops after a step
 * below 1e-4: Newton's method converges quadratically, so the error left is of the order of
 * that step's square, far below the 0.1 points the scores are shown with.
 *
 * The rounds run on the rows regrouped at a bin wide enough to leave at most `rowBudget` rows
 * (bootstrapRowsSteps): with Markdown varying, a million battles make some 350,000 rows at the
 * estimate's bin, and 500 rounds on them take minutes. Each round's scores are taken as
 * deviations from the fit on those same coarse rows, and the interval is the estimate's score
 * plus their 2.5% and 97.5% quantiles: the point estimate stays the fine fit's, and the coarser
 * bin changes only the spread, through the covariates' variance lost within a bin (about W²/12
 * of a continuous covariate's, for a bin W standard deviations wide). With Markdown varying, the
 * intervals stay within 20% of their width of the per-battle bootstrap's at a bin of 2 SD
 * (style-bradley-terry.test.ts). */
export function* bootstrapStyleIntervalsSteps(
  rows: BattleRows,
  estimate: StyleFit,
  options: { rounds: number; seed: number; rowBudget?: number },
): Steps<StyleIntervals> {
  const coarse = yield* bootstrapRowsSteps(rows, options.rowBudget ?? BOOTSTRAP_ROW_BUDGET);
  const centre = yield* styleBradleyTerrySteps(coarse.rows, { start: estimate });
  const redraw = poissonDraws(coarse.rows.outcomes, seededRandom(options.seed));
  const deviations: number[][] = Array.from({ length: rows.players }, () => []);
  const resampled = new Float64Array(coarse.rows.outcomes.length);
  for (let round = 0; round < options.rounds; round++) {
    redraw(resampled);
    yield;
    const { weight, score } = weightAndScore(resampled, coarse.rows.a.length);
    const fit = yield* newtonSteps(coarse.rows, weight, score, {
      start: centre,
      maxIterations: 4,
      tolerance: 1e-4,
    });
    fit.strengths.forEach((beta, i) =>
      deviations[i].push(eloFromStrength(beta) - eloFromStrength(centre.strengths[i])),
    );
  }
  return {
    intervals: deviations.map((spread, i) => {
      const score = eloFromStrength(estimate.strengths[i]);
      return { low: score + quantile(spread, 0.025), high: score + quantile(spread, 0.975) };
    }),
    bootstrapRows: coarse.rows.a.length,
    bootstrapBinWidth: coarse.binWidth,
  };
}
