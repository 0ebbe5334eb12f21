/**
 * Layer order and no cycles (run by `npm test` before vitest). Dependencies point one way:
 *   cli → compare → {suite, capacity} → run → {k6, traffic, chaos, evaluate, stack, report, journal, drift, payload, configure} → scenario → core
 * (suite and capacity are programs: they drive the run stages and are driven only by the CLI; compare reads
 * finished runs and suites, and the CLI hands the suite its comparison step for `suite --baseline`).
 * `report` renders data: it reads journal, verdict and traffic types and never the runner, the CLI or the world.
 */
const layer = (name, from, forbidden, comment) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from },
  to: { path: forbidden },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle couples two concepts into one; split the shared part out.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    layer(
      'core-is-the-bottom',
      '^src/core/',
      '^(src/(?!core/)|chaos/|fixtures/)',
      'core imports nothing of ours',
    ),
    layer(
      'scenario-is-data',
      '^src/scenario/',
      '^(src/(cli|run|report|evaluate|k6|stack|journal|payload|drift)/|src/traffic/(?!schedule\\.ts|arrivals\\.ts|types\\.ts)|chaos/|fixtures/)',
      'the scenario schema and planner depend on core, and on the pure rate-schedule math in traffic/',
    ),
    layer(
      'nothing-imports-cli',
      '^(src/(?!cli/)|chaos/|fixtures/)',
      '^src/cli/',
      'the CLI is the top: only it turns errors into exit codes',
    ),
    layer(
      'only-cli-imports-run',
      '^(src/(?!cli/|run/|suite/|capacity/)|chaos/|fixtures/)',
      '^src/run/',
      'stages and programs sit under the CLI; engines, evaluator and reporters never call back into them',
    ),
    layer(
      'only-cli-imports-compare',
      '^(src/(?!cli/|compare/)|chaos/|fixtures/)',
      '^src/compare/(?!model\\.ts|markdown\\.ts|tolerance\\.ts)',
      'compare reads finished results; only the CLI drives it (a renderer may read its data model and its presentation: model.ts, markdown.ts)',
    ),
    layer(
      'only-cli-imports-suite',
      '^(src/(?!cli/|suite/|compare/|index\\.ts)|chaos/|fixtures/)',
      '^src/suite/(?!schema\\.ts)',
      'a suite drives runs; nothing below it calls back into it (suite files may use defineSuite)',
    ),
    layer(
      'only-cli-imports-capacity',
      '^(src/(?!cli/|capacity/|index\\.ts)|chaos/|fixtures/)',
      '^src/capacity/',
      'a capacity search drives run stages; nothing below it calls back into it',
    ),
    layer(
      'report-renders-data',
      '^src/report/',
      '^(src/(run|cli|stack|k6|traffic/(?!types)|evaluate/(?!types))|chaos/|fixtures/)',
      'reporters read journal, verdict and traffic types only',
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/|\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs'] },
  },
};
