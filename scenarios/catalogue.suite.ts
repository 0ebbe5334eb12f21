import { defineSuite } from '../src/suite/index.ts';

/**
 * The sample catalogue on one stack: every sample game day except the 5-minute drift-sensitivity sweep.
 * The SLO ticket (ModelErrorBudgetBurnTicket) looks back 6m and 1h12m, so after the first scenario with errors
 * it stays firing for minutes whatever the next scenario does: it is known to the gate, and while it is still
 * firing from an earlier scenario its cells stay silent (an episode that began before a fault is not that
 * fault's detection).
 *   npx firedrill suite scenarios/catalogue.suite.ts --repeat 2
 */
export default defineSuite({
  name: 'catalogue',
  description:
    'Which sample fault does the fixture monitoring catch, how fast, and which rules stay unexercised',
  // Drift last: it lasts to its scenario's end, and the PSI window keeps the drift tickets up for minutes.
  scenarios: [
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
