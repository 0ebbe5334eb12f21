export const mainHelp = `firedrill — load-test and chaos game days for ML model-serving endpoints

Usage:
  firedrill run <scenario.ts> [options]   run a game day and judge its expectations
  firedrill suite <dir | files… | x.suite.ts> [--repeat N]
                                          many scenarios on one stack: the fault × alert detection matrix
  firedrill compare <baseline> <new>      compare a run or suite with a baseline: regressions exit 10
  firedrill capacity <scenario.ts>        the highest rate that meets the SLO, per server configuration
  firedrill validate <scenario.ts>        check a scenario and print its plan (sends nothing)
  firedrill up                            start the embedded stack in the background
  firedrill down                          stop the stack started by \`firedrill up\`
  firedrill recover [run]                 revert what a crashed run left faulted (default: the latest run)
  firedrill export k6|k6-operator <scenario.ts>  write the traffic as a k6 script (or a k6-operator TestRun);
                                          --at-capacity DIR: one constant rate at a search's SLO capacity
  firedrill report <run | suite | capacity dir>  re-render a folder's reports from its record
  firedrill <command> --help              help for one command

Exit codes: 0 passed · 10 an expectation failed · 11 inconclusive · 2 invalid scenario or usage ·
3 environment (stack or backend unreachable) · 12 a fault could not be reverted · 130 interrupted · 1 internal error`;

export const runHelp = `Usage: firedrill run <scenario.ts> [options]

Runs the scenario's traffic and faults against the system under test and judges every expectation.
Where the system under test is, in this order:
  --prometheus URL            your Prometheus and Alertmanager, and --target (or the scenario's target.url)
  --target URL / target.url   your own model server: it must answer its readiness probe (else exit 3); an
                              embedded Prometheus + Alertmanager watch it with your rules (--rules or the
                              scenario's rules:); faults that need the fixture are refused before the run
  neither                     the stack started by \`firedrill up\`, or an embedded one (Prometheus,
                              Alertmanager, Redis and the fixture model server on free loopback ports)

Options:
  --prometheus URL      use this Prometheus (any Prometheus-API-compatible backend) instead of the embedded stack
  --alertmanager URL    Alertmanager to read group_wait from (notifications arrive on --webhook-port)
  --target URL          model server base URL (default: the scenario's target.url)
  --rules PATH          alert rule file or folder for the embedded stack (default: the scenario's rules:,
                        else the fixture's rules when the target is the fixture); checked with promtool
  --admin-url URL       fault admin API of the fixture model server (default: <target>/admin)
  --admin-token TOKEN   its bearer token (default: $FIREDRILL_ADMIN_TOKEN)
  --webhook-port PORT   port for Alertmanager's webhook to firedrill (route it to http://HOST:PORT/alertmanager)
  --webhook-secret-file FILE
                        with --prometheus: the secret your Alertmanager's webhook sends as a bearer token
                        (http_config.authorization.credentials_file); default $FIREDRILL_WEBHOOK_SECRET.
                        Notifications without it are refused (401) and counted. The embedded stack makes its own.
  --metrics-port PORT   port for firedrill's own metrics during the run (scrape job "firedrill")
  --listen-host HOST    address the webhook receiver and metrics listen on (default 127.0.0.1; e.g. 0.0.0.0
                        when Alertmanager and Prometheus run in containers). Only what firedrill receives.
  --allow-host HOST     allow load and faults to a non-loopback host you own (repeatable)
  --backend NAME        run every fault on this backend: local, docker or kubernetes
  --engine NAME         load engine: firedrill (open model, default) or k6 (a local k6 binary; its
                        --out json stream is ingested into the same report)
  --allow-namespace NS  Kubernetes namespaces faults may target (repeatable; also $FIREDRILL_ALLOWED_NAMESPACES)
  --dry-run             print the plan and what each fault would apply (Chaos Mesh YAML on kubernetes);
                        sends nothing, applies nothing
  --out DIR             reports folder (default: reports); the run writes DIR/<run-id>/ and DIR/latest
  --quiet               no progress output, only the verdict table
  --request-log         also write requests.ndjson: each request's intended/sent/first-byte/end times
  --workers N           open engine on N traffic threads (default 1): each sends a round-robin share of
                        the one schedule, per-second HDR windows merged exactly; give it free cores
  -h, --help            this help

Writes run.json, events.ndjson, junit.xml, summary.md and report.html (open it in a browser), prints a
verdict table, and exits with the
verdict's code (see \`firedrill --help\`).`;

export const validateHelp = `Usage: firedrill validate <scenario.ts>

Loads the scenario, reports every invalid field with its path (exit 2), and prints the planned timeline.
Sends no traffic and injects nothing.`;

export const upHelp = `Usage: firedrill up

Starts Prometheus, Alertmanager, Redis and the fixture model server on free loopback ports, in the
background, and prints their URLs. \`firedrill run\` then uses this stack; \`firedrill down\` stops it.
Logs and data live in .firedrill/stack/.`;

export const downHelp = `Usage: firedrill down

Stops the stack started by \`firedrill up\` (SIGTERM, then SIGKILL after 5 s) and forgets it.`;

export const recoverHelp = `Usage: firedrill recover [run] [--out DIR]

Reads the run's journal (reports/<run>/events.ndjson; default: reports/latest) and reverts every fault it
shows as possibly still applied — on every backend, idempotently (running it twice is harmless). Each
injection was journaled before it was applied, so a run killed at any moment can be recovered. If the run
owned an embedded stack and never ended, every component it journaled as started is stopped too (only a
process whose pid and start time still match; a supervised component's child dies with its supervisor).
A run that died before writing run.json gets one: verdict "aborted", saying what recover did.

Exits 0 when everything is clean, 12 when a fault could not be reverted (the hint says how by hand).`;

export const exportHelp = `Usage: firedrill export k6 <scenario.ts> [--out DIR] [--target URL] [--max-payloads N]
       firedrill export k6-operator <scenario.ts> --parallelism N [--namespace NS] [--results-pvc NAME] [--out DIR]
       firedrill export k6|k6-operator <scenario.ts> --at-capacity <capacity.json | dir> [--configuration N] [--duration D] …

Writes the scenario's traffic as a k6 script: DIR/script.js (a ramping-arrival-rate scenario with the same
stages, requests tagged by phase and stage, the threshold expectations as k6 thresholds) and DIR/payloads.json
(the request bodies firedrill generates with the scenario's seed). k6-operator also writes DIR/k6-operator.yaml:
a ConfigMap with both files and a TestRun (k6.io/v1alpha1) running N runner pods, each writing its NDJSON to
the results volume. Faults and alert expectations are not exported: firedrill injects and judges them.

Options:
  --out DIR            output folder (default: k6)
  --target URL         model server base URL baked into the script (default: the scenario's target.url;
                       FIREDRILL_TARGET overrides it when k6 runs)
  --max-payloads N     cap on pre-generated bodies (default 20000; the script cycles through them)
  --parallelism N      k6-operator: number of runner pods (the arrival rate is split between them)
  --namespace NS       k6-operator: namespace of the ConfigMap and TestRun (default: default)
  --results-pvc NAME   k6-operator: PersistentVolumeClaim for the runners' NDJSON (default: firedrill-k6-results)
  --at-capacity PATH   confirm a capacity search elsewhere: a capacity.json (or its folder, e.g. reports/latest)
                       of this scenario; the traffic becomes ONE constant-arrival-rate at its SLO capacity (the
                       recommended configuration's) for --duration, and the thresholds its SLO (latency
                       percentiles, error ratio) plus dropped_iterations count<1 (a dropped iteration means the
                       rate was not held). The scenario's faults and expectations are left out. With
                       k6-operator the rate is the whole test's, split between the runner pods.
  --configuration N    with --at-capacity: the Nth configuration of the search (1-based, as in its table)
                       instead of the recommended one; one without an answer exports its lower bound, warned
  --duration D         with --at-capacity: how long to hold the rate (default 60s, at least 1s)
  -h, --help           this help`;

export const suiteHelp = `Usage: firedrill suite <dir | scenario files… | x.suite.ts> [--repeat N] [options]

Runs many scenarios on ONE stack (the embedded one, or yours with the same flags as \`firedrill run\`), each
a full game day with its own report folder, and adds the detection matrix: every fault × every alert rule
loaded in Prometheus (expected / late / missed / unexpected / silent, with times from injection), blind spots
(faults no page or ticket caught) and alert coverage (rules nothing exercised, rules over missing metrics).
Before each scenario a quiescence gate waits until no alert is active (except the suite's known: list), the
target answers, and the longest range window of the rules has passed since the previous run's last revert.

A suite file (*.suite.ts) is \`export default defineSuite({ name, scenarios: ['a.ts', 'dir/'], repeat, known,
gateTimeout })\` with paths relative to it; a folder runs its *.ts scenario files in name order.

Options:
  --repeat N            runs of each scenario (default 1, or the suite file's repeat)
  --known ALERT         an alert the quiescence gate may find active (repeatable; adds to known:), e.g. a
                        burn-rate ticket whose long window still holds an earlier scenario's errors
  --out DIR             reports folder (default: reports); writes DIR/suite-<id>/ with each run's folder,
                        suite.json, junit.xml (one testsuite per run), summary.md and report.html,
                        and DIR/latest
  --baseline DIR        compare with a baseline run or suite folder (or the suite file's baseline:, relative
                        to it) after the suite: compare.md and compare.json in the suite folder, the
                        comparison in summary.md, and exit 10 on a regression (see firedrill compare --help)
  --tolerance 2s,1.5x   the comparison's tolerance (as for firedrill compare)
  --quiet               no progress output, only the table
  --prometheus, --alertmanager, --target, --rules, --admin-url, --admin-token, --webhook-port,
  --metrics-port, --listen-host, --allow-host, --allow-namespace, --backend: as for \`firedrill run\`
  -h, --help            this help

Exit code: the most serious of the runs' codes (and 10 for a regression against the baseline) — 12, then
130, 10, 3, 2, 1, 11, and 0 only when every run passed. Ctrl-C: the running scenario reverts its faults, the suite writes what ran and exits 130.`;
export const reportHelp = `Usage: firedrill report <run-dir | suite-dir | capacity-dir>

Rebuilds the run's outcome from its journal (<run-dir>/events.ndjson) alone — verdicts, floors, faults,
alerts, traffic — and rewrites run.json, junit.xml, summary.md and report.html in that folder, then prints
the verdict table. Given a suite folder (it holds suite.json), re-renders each of its runs and the suite's
report.html. Given a capacity folder (reports/capacity-<id>, or reports/latest after a search), re-reads
capacity.json through its schema and rewrites summary.md and capacity.html, then prints the capacity table.
Exits 0 when the reports were written, 2 when the folder has no journal, suite.json or capacity.json this
version can read (a capacity.json from a newer firedrill, or one that fails the schema: the file and each
path in it are named).`;

export const compareHelp = `Usage: firedrill compare <baseline dir> <new dir> [--tolerance 2s,1.5x] [--json FILE] [--markdown FILE]

Compares a new run or suite folder with a baseline one (each a run folder with run.json, or a suite folder
with suite.json): expectations paired by (scenario, expectation id), detection-matrix cells by (scenario,
fault id, alert), repeats forming one sample per side. Prints GitHub-flavoured markdown (paste it into a pull
request): verdict changes, detection and resolve times, client p99 and error ratio per phase.

Regressions: an expectation passed → failed; an expected alert fired → silent; a detection or resolve time
slower beyond the tolerance — with ≥ 2 runs on both sides, only when the whole 95% bootstrap interval of the
median difference (seeded) lies beyond it; with a single run, when new − baseline does. The allowance is
never below the alert's own jitter (scrape + evaluation interval). Client figures are shown, not judged (a
threshold expectation judges them).

Options:
  --tolerance X,Y       allowed slow-down: max(+X, baseline × Y), default 2s,1.5x (either part alone keeps
                        the other's default)
  --json FILE           write the comparison as JSON (compare.json's schema, schemaVersion 1)
  --markdown FILE       write the markdown to FILE too
  -h, --help            this help

Exit code: 10 a regression · 0 none · 2 bad input (a folder that is neither, no scenario in common).`;

export const capacityHelp = `Usage: firedrill capacity <scenario.ts> [options]

Searches the highest load that meets the scenario's capacity.slo. The load follows traffic.model:
  open (default)   the request rate, req/s (latency from each request's intended start): from
                   capacity.startRate (default 10) up to capacity.maxRate (default 2000)
  closed           the number of concurrent virtual users, each looping request → response (latency from
                   each send): from capacity.startConcurrency (default 1) up to capacity.maxConcurrency
                   (default 256); the throughput those users achieved is reported beside the answer and
                   prices the cost
It brackets from the start doubling until a load fails (an SLO breach, an unstable or diverging step, errors
over 50 % or timeouts end the climb), then bisects to capacity.precision (default 2 %; users: until one user
apart). Each step: a warm-up that is not measured, then windows until the last 3 agree within ±10 % (at most
capacity.maxWindows: "unstable", never passed). A step that breaks a latency limit while its generator ran
late (> 1 % of sends, open model) or lagged (both models) is "generator-limited" and never reported as
capacity: the search bisects below it instead (a pass with late sends holds: latency counts from the
intended start). With capacity.configurations and a configurator, one search per configuration (grid or
list), an early exit when the last configurations with an answer gained under 5 % (a generator-limited or
budget-cut search is no answer: it never stops a sweep), and the recommendation: the cheapest configuration
that meets the SLO. A search without an answer is reported as such ("no answer: every step was
generator-limited …", "at least N/s, not decided …").

Options (and the stack flags of \`firedrill run\`: --target, --prometheus, --admin-url, --admin-token, …):
  --max-rate N          open model: highest rate ever offered, req/s (default capacity.maxRate, 2000)
  --max-concurrency N   closed model: most virtual users (default capacity.maxConcurrency, 256)
  --max-duration D      the whole search stops after D (default capacity.maxDuration, 10m)
  --price-per-hour USD  price of one replica; reports $ per 1,000 inferences (and per 1M output tokens)
  --replicas N          replicas behind the target (default 1)
  --fault ID            also search while the scenario's fault ID is held: headroom = under fault / healthy
  --workers N           open model: N traffic threads share each step's schedule (default 1), for rates one
                        thread cannot keep on time (its steps then come out "generator-limited")
  --allow-host HOST     send load to a non-loopback host (loopback only by default)
  --out DIR             reports folder (default: reports); writes DIR/capacity-<id>/ with capacity.json
                        (its "unit" says "rate" or "concurrency"), summary.md, capacity.html and
                        events.ndjson

The bounds are printed before the first request. Ctrl-C stops the step at once, restores the configuration,
reverts the fault and writes what was measured (exit 130). Exit: 0 a capacity was found (or a lower bound:
"at least", when the max load, the generator or the budget stopped the search above a pass) · 10 no load met
the SLO · 11 nothing decided (the generator or the budget stopped every search before a pass) · 2 impossible
settings, e.g. a max below the start or the other model's bounds (nothing started) · 3 environment.
\`firedrill report <dir>\` re-renders the reports from capacity.json; \`firedrill export k6-operator
<scenario.ts> --at-capacity <dir>\` confirms the answer with k6.`;
