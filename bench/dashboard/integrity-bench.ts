// bench:dashboard's integrity section (issue 14's figures): on the seeded campaign,
//   - the integrity report computed as the app computes it, by a job worker from the queue, with
//     its progress sampled every second and the longest event-loop delay of this process while it
//     ran (the worker shares the process, as on a server instance);
//   - the style-controlled Bradley–Terry fit with 500 bootstrap rounds on the campaign's primary
//     votes (grouping them into rows, the fit, the bootstrap), and the competence fit alone, each
//     timed: the competence fit is what the report's job does for it, loading the campaign's votes
//     (the report's first step, which the rest of the report shares), the consensus model, MACE
//     and the per-annotator checks;
//   - the Integrity tab's queries (the stored report, the drill-down's pages), p50/p95.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { users } from "@/db/schema";
import { consensusLogOdds, playersOf, toBattles } from "@/server/services/integrity/battles";
import { annotatorReliability } from "@/server/services/integrity/annotator-reliability";
import { runSteps } from "@/server/services/integrity/cooperative";
import {
  getIntegrityReport,
  integrityReportJob,
  requestIntegrityReport,
} from "@/server/services/integrity/integrity-reports";
import { listAnnotatorComparisons } from "@/server/services/integrity/list-annotator-comparisons";
import { loadVotes } from "@/server/services/integrity/load-votes";
import {
  battleRowsSteps,
  bootstrapStyleIntervalsSteps,
  STYLE_BIN_WIDTH,
  styleBradleyTerrySteps,
} from "@/server/services/integrity/stats/style-bradley-terry";
import { jobRegistry } from "@/server/services/jobs/define-job";
import { startJobWorker } from "@/server/services/jobs/job-worker";

const BOOTSTRAP_ROUNDS = 500;
const TARGETS = { tabQueryP95Ms: 500, styleControlledSeconds: 2, competenceFitSeconds: 30 };

const seconds = (fromMs: number) => Number(((performance.now() - fromMs) / 1000).toFixed(2));

type Timed = { query: string; p50Ms: number; p95Ms: number; maxMs: number };

/** The report as the Integrity tab's button computes it: queued, run by a job worker. */
async function computeReportInBackground(db: Db, campaignId: string, log: (line: string) => void) {
  const [admin] = await db
    .select({ id: users.id, email: users.email, name: users.name, role: users.role })
    .from(users)
    .where(eq(users.role, "admin"))
    .limit(1);
  const requested = await requestIntegrityReport(db, { campaignId }, { ...admin, sessionId: "bench" });
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const started = performance.now();
  const worker = await startJobWorker({ db, registry: jobRegistry([integrityReportJob]), pollMs: 200 });
  const progress: { seconds: number; done: number; total: number | null }[] = [];
  let state = await getIntegrityReport(db, { campaignId });
  while (state.latest?.id === requested.id && ["queued", "running"].includes(state.latest.status)) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    state = await getIntegrityReport(db, { campaignId });
    const sample = { seconds: seconds(started), ...state.latest!.progress };
    progress.push(sample);
    log(`  report: ${sample.done}/${sample.total ?? "?"} after ${sample.seconds} s`);
  }
  const total = seconds(started);
  await worker.stop(0);
  delay.disable();
  return {
    status: state.latest?.status ?? "missing",
    error: state.latest?.error ?? null,
    seconds: total,
    progress,
    eventLoopDelayMs: {
      max: Number((delay.max / 1e6).toFixed(1)),
      p99: Number((delay.percentile(99) / 1e6).toFixed(1)),
    },
  };
}

/** The fits timed alone, on the campaign's votes loaded afresh. Returns figures only, so the
 * million votes are garbage by the time the tab's queries are timed: a server instance answering
 * the tab holds none of them, and a major collection of this process's heap would otherwise land
 * in those timings. */
async function timeFits(db: Db, campaignId: string) {
  let started = performance.now();
  const votes = await loadVotes(db, campaignId);
  const loadVotesSeconds = seconds(started);
  const primary = votes.filter((vote) => vote.source === "primary");
  const players = playersOf(primary);
  started = performance.now();
  const battles = runSteps(toBattles(primary, players, true));
  const styleFeaturesSeconds = seconds(started);
  started = performance.now();
  const rows = runSteps(battleRowsSteps(battles, players.length, { binWidth: STYLE_BIN_WIDTH }));
  const groupSeconds = seconds(started);
  started = performance.now();
  const fit = runSteps(styleBradleyTerrySteps(rows));
  const fitSeconds = seconds(started);
  started = performance.now();
  runSteps(bootstrapStyleIntervalsSteps(rows, fit, { rounds: BOOTSTRAP_ROUNDS, seed: 1 }));
  const bootstrapSeconds = seconds(started);
  started = performance.now();
  const consensus = runSteps(consensusLogOdds(votes));
  const consensusSeconds = seconds(started);
  started = performance.now();
  const annotators = runSteps(annotatorReliability(votes, consensus));
  const competenceSeconds = seconds(started);
  const busiest = [...annotators].sort((a, b) => b.comparisons - a.comparisons)[0];
  return {
    votes: votes.length,
    primaryVotes: primary.length,
    variants: players.length,
    annotators: annotators.length,
    busiestAnnotatorId: busiest.annotatorId,
    loadVotesSeconds,
    styleFeaturesSeconds,
    rows: rows.a.length,
    groupSeconds,
    fitSeconds,
    bootstrapSeconds,
    consensusSeconds,
    competenceSeconds,
  };
}

export async function benchIntegrity(
  db: Db,
  campaignId: string,
  options: {
    log: (line: string) => void;
    /** bench-dashboard's timer: warm-up calls, then p50/p95 of the timed ones. */
    time: (name: string, run: () => Promise<unknown>) => Promise<Timed>;
  },
) {
  const { log } = options;
  log("integrity: the report in the background (a job worker, as on a server)");
  const report = await computeReportInBackground(db, campaignId, log);

  log("integrity: style-controlled Bradley–Terry and the competence fit, timed alone");
  const fits = await timeFits(db, campaignId);
  const { loadVotesSeconds, groupSeconds, fitSeconds, bootstrapSeconds } = fits;
  const { consensusSeconds, competenceSeconds } = fits;

  log("integrity: the Integrity tab's queries");
  const drillDown = { campaignId, annotatorId: fits.busiestAnnotatorId, pageSize: 25 };
  const queries = [
    await options.time("integrity tab: report and run state", () => getIntegrityReport(db, { campaignId })),
    await options.time("integrity tab: an annotator's comparisons, first page", () =>
      listAnnotatorComparisons(db, drillDown),
    ),
    await options.time("integrity tab: an annotator's comparisons, page 20", () =>
      listAnnotatorComparisons(db, { ...drillDown, page: 20 }),
    ),
  ];

  const styleControlledSeconds = Number((groupSeconds + fitSeconds + bootstrapSeconds).toFixed(2));
  const competenceFitSeconds = Number((loadVotesSeconds + consensusSeconds + competenceSeconds).toFixed(2));
  return {
    votes: fits.votes,
    primaryVotes: fits.primaryVotes,
    variants: fits.variants,
    annotators: fits.annotators,
    reportInBackground: report,
    styleControlledBradleyTerry: {
      bootstrapRounds: BOOTSTRAP_ROUNDS,
      loadVotesSeconds,
      styleFeaturesSeconds: fits.styleFeaturesSeconds,
      rows: fits.rows,
      groupSeconds,
      fitSeconds,
      bootstrapSeconds,
      seconds: styleControlledSeconds,
    },
    competenceFit: {
      loadVotesSeconds,
      consensusSeconds,
      maceAndChecksSeconds: competenceSeconds,
      seconds: competenceFitSeconds,
    },
    tabQueries: queries,
    targets: {
      ...TARGETS,
      tabQueriesMet: queries.every((query) => query.p95Ms < TARGETS.tabQueryP95Ms),
      styleControlledMet: styleControlledSeconds < TARGETS.styleControlledSeconds,
      competenceFitMet: report.status === "done" && competenceFitSeconds < TARGETS.competenceFitSeconds,
    },
  };
}
