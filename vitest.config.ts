import { defineConfig } from 'vitest/config';

/**
 * The game days: end-to-end runs whose verdicts depend on alert timing. They use little CPU (40 req/s against a
 * local stack, mostly waiting for rules to fire), so `npm test` runs them in a lane of their own, one file at a
 * time, beside the other lane (unit tests, then the rest of the integration tests). See scripts/test-lanes.mjs.
 */
export const gameDayFiles = [
  'test/integration/scenarios.test.ts',
  'test/integration/gameday.test.ts',
  'test/integration/interrupt.test.ts',
];

// Three projects: fast pure unit tests beside the code; integration tests that start the real Prometheus,
// Alertmanager, Redis and fixture model server on free loopback ports; and the game days (the same, timed).
// Integration files run one at a time within their project.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'src/**/*.test.ts',
            'chaos/**/*.test.ts',
            'fixtures/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: gameDayFiles,
          testTimeout: 240_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'gamedays',
          include: gameDayFiles,
          testTimeout: 240_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
