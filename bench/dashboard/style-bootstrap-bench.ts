// The style-controlled Bradley–Terry fit with 500 bootstrap rounds on battles held in memory
// (scripts/synthetic/style-battles.ts), without seeding a database: the computation the
// integrity report and bench:dashboard's integrity section time on a campaign's votes, at
// 1,000,000 battles by default, with length alone varying (as in the app's synthetic campaigns)
// and with Markdown as well. Prints JSON: the machine, the inputs, the rows the battles group
// into (`rows`, the fit's) and the rows the bootstrap's rounds ran on (`bootstrapRows`, regrouped
// at `bootstrapBinWidth` to at most BOOTSTRAP_ROW_BUDGET), and seconds for grouping, the fit and
// the bootstrap (target: all three under 2 s), with this process's CPU seconds beside them.
//   npx tsx bench/dashboard/style-bootstrap-bench.ts [--battles N] [--players P] [--rounds R]
//     [--with-markdown]  also time battles whose Markdown varies as well
//     [--per-battle N]   also time the per-battle bootstrap (the method rows replaced) on N
//                        battles, the baseline for a before/after on the same machine
import { parseArgs } from "node:util";
import { syntheticStyleBattles } from "@/scripts/synthetic/style-battles";
import { runSteps } from "@/server/services/integrity/cooperative";
import { perBattleBootstrap } from "@/server/services/integrity/stats/per-battle-reference";
import {
  type Battle,
  BOOTSTRAP_ROW_BUDGET,
  battleRowsSteps,
  bootstrapStyleIntervalsSteps,
  STYLE_BIN_WIDTH,
  styleBradleyTerrySteps,
} from "@/server/services/integrity/stats/style-bradley-terry";
import { describeMachine, loadAverage } from "../machine";

const seconds = (fromMs: number) => Number(((performance.now() - fromMs) / 1000).toFixed(3));
/** This process's CPU seconds (user + system): on a machine shared with other work, the part
 * of the wall-clock time that was this computation's own. */
const cpuSeconds = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

function timeGroupedBootstrap(battles: readonly Battle[], players: number, rounds: number) {
  const cpuAtStart = cpuSeconds();
  let started = performance.now();
  const rows = runSteps(battleRowsSteps(battles, players, { binWidth: STYLE_BIN_WIDTH }));
  const groupSeconds = seconds(started);
  started = performance.now();
  const fit = runSteps(styleBradleyTerrySteps(rows));
  const fitSeconds = seconds(started);
  started = performance.now();
  const { bootstrapRows, bootstrapBinWidth } = runSteps(
    bootstrapStyleIntervalsSteps(rows, fit, { rounds, seed: 1 }),
  );
  const bootstrapSeconds = seconds(started);
  return {
    rows: rows.a.length,
    bootstrapRows,
    bootstrapBinWidth: Number(bootstrapBinWidth.toFixed(4)),
    groupSeconds,
    fitSeconds,
    bootstrapSeconds,
    seconds: Number((groupSeconds + fitSeconds + bootstrapSeconds).toFixed(3)),
    cpuSeconds: Number((cpuSeconds() - cpuAtStart).toFixed(3)),
  };
}

const { values } = parseArgs({
  options: {
    battles: { type: "string", default: "1000000" },
    players: { type: "string", default: "8" },
    rounds: { type: "string", default: "500" },
    "with-markdown": { type: "boolean", default: false },
    "per-battle": { type: "string" },
  },
});
const loadAtStart = loadAverage();
const players = Number(values.players);
const rounds = Number(values.rounds);
const count = Number(values.battles);
// Length alone varies in the app's synthetic campaigns; Markdown as well makes four continuous
// covariates, and many more rows.
const lengthOnly = syntheticStyleBattles({ battles: count, players, seed: 1, withMarkdown: false });
const styleControlled = timeGroupedBootstrap(lengthOnly, players, rounds);
const plain = timeGroupedBootstrap(
  lengthOnly.map((battle) => ({ ...battle, style: [] })),
  players,
  rounds,
);
lengthOnly.length = 0;
const battles =
  values["with-markdown"] || values["per-battle"]
    ? syntheticStyleBattles({ battles: count, players, seed: 1 })
    : [];
const styleControlledWithMarkdown = values["with-markdown"]
  ? timeGroupedBootstrap(battles, players, rounds)
  : null;
let perBattle = null;
if (values["per-battle"]) {
  const sample = battles.slice(0, Number(values["per-battle"]));
  const grouped = timeGroupedBootstrap(sample, players, rounds);
  const estimate = runSteps(
    styleBradleyTerrySteps(runSteps(battleRowsSteps(sample, players, { binWidth: STYLE_BIN_WIDTH }))),
  );
  const started = performance.now();
  perBattleBootstrap(sample, players, estimate, { rounds, seed: 1 });
  perBattle = { battles: sample.length, perBattleBootstrapSeconds: seconds(started), grouped };
}
console.log(
  JSON.stringify(
    {
      machine: describeMachine(loadAtStart),
      inputs: {
        battles: count,
        players,
        features: 4,
        rounds,
        binWidth: STYLE_BIN_WIDTH,
        bootstrapRowBudget: BOOTSTRAP_ROW_BUDGET,
      },
      styleControlled,
      styleControlledWithMarkdown,
      plain,
      perBattle,
      target: {
        seconds: 2,
        met: styleControlled.seconds < 2 && (styleControlledWithMarkdown?.seconds ?? 0) < 2,
      },
    },
    null,
    2,
  ),
);
