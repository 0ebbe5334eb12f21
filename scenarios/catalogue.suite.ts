import { defineSuite } from '../src/suite/index.ts';

/**
 * The sample catalogue on one stack: every sample game day except the 5-minute drift-sensitivity sweep.
 * The SLO ticket (ModelErrorBudgetBurnTicket) looks back 6m and 1h12m, so after the first scenario with errors
 * it stays firing for minutes whatever the next scenario does: it is known to the gate, and while it is still
 * firing from an earlier scenario its cells stay silent (an episode that began before a fault is not that
 * fault's detection).
 * The burn-rate game days come first, in this order, because their pages are predicted from the traffic in
 * their windows and the gate cannot wait out a 6m window (windowCap): slow-burn's 6m window must hold only its
 * own traffic, which only the fresh stack guarantees (earlier clean requests would delay its page, earlier
 * errors hasten it); fast-burn keeps 20s of clean traffic before its fault, so its 1m window is its own
 * when it pages wherever it runs, and it goes second so that slow-burn's errors are out of that window too.
 * A second round (`--repeat 2`) finds the first round's traffic in slow-burn's 6m window: preflight counts it
 * and warns, and slow-burn then fails by arithmetic — repeat it on a fresh stack (`firedrill run`) instead.
 *   npx firedrill suite scenarios/catalogue.suite.ts
 */
export default defineSuite({
  name: 'catalogue',
  description:
    'Which sample fault does the fixture monitoring catch, how fast, and which rules stay unexercised',
  // Drift last: it lasts to its scenario's end, and the PSI window keeps the drift tickets up for minutes.
  scenarios: [
    'slow-burn.ts',
    'fast-burn.ts',
    'latency-spike.ts',
    'error-burst.ts',
    'pod-kill.ts',
    'feature-store-outage.ts',
    'gpu-throttle.ts',
    'capacity-closed.ts',
    'schema-break.ts',
    'feature-drift.ts',
  ],
  known: ['ModelErrorBudgetBurnTicket'],
});
