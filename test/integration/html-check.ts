/**
 * Reads a report.html back in a real browser (Debian's Chromium through playwright-core) and checks it
 * against the run.json / suite.json beside it: loaded from file:// with no console error and no request but
 * the file itself, one bar per fault and per alert episode, bars drawn at the recorded times (positions read
 * back from the SVG and turned into time with the chart's own scale), each predicted detection time a tick on
 * its alert's row where run.json's predictedMs puts it, the latency line present; for a suite, one matrix cell
 * per fault × alert, every link resolving to a file, and the rule column and header row staying in view while
 * the matrix scrolls. Each check writes a screenshot PNG next to the report. Called from the end-to-end tests
 * that already produce the folders.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { LANE_PX, runJsonSchema } from '../../src/report/index.ts';
import { suiteJsonSchema } from '../../src/suite/index.ts';

/** Debian's Chromium, or the one FIREDRILL_CHROMIUM names (as `npm run setup -- --tests` finds it). */
export const chromiumPath = process.env.FIREDRILL_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

interface Loaded {
  page: Page;
  problems: string[];
  requests: string[];
}

/** Opens `file` from disk, collecting console errors, page errors and every request the page makes. */
async function open(browser: Browser, file: string): Promise<Loaded> {
  const page = await browser.newPage({ viewport: { width: 1240, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, problems, requests };
}

/** A drawn element's x span, turned back into data units with the scale written on its <svg>. */
interface Drawn {
  attrs: Record<string, string>;
  from: number;
  to: number;
  /** Data units per pixel of that chart: the tolerance of a drawn position. */
  unitsPerPx: number;
}

async function drawn(page: Page, selector: string): Promise<Drawn[]> {
  return page.$$eval(selector, (elements) =>
    elements.map((element) => {
      const svg = element.closest('svg')!;
      const num = (name: string) => Number(svg.getAttribute(name));
      const x0 = num('data-x0');
      const x1 = num('data-x1');
      const left = num('data-plot-left');
      const width = num('data-plot-width');
      const toData = (px: number) => x0 + ((px - left) / width) * (x1 - x0);
      const attrs: Record<string, string> = {};
      for (let i = 0; i < element.attributes.length; i++) {
        const a = element.attributes.item(i)!;
        attrs[a.name] = a.value;
      }
      let fromPx: number;
      let toPx: number;
      if (element.tagName === 'rect') {
        fromPx = Number(element.getAttribute('x'));
        toPx = fromPx + Number(element.getAttribute('width'));
      } else {
        fromPx = Number(element.getAttribute('data-x'));
        toPx = fromPx;
      }
      return { attrs, from: toData(fromPx), to: toData(toPx), unitsPerPx: (x1 - x0) / width };
    }),
  );
}

const ms = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

function near(actual: number, expected: number, unitsPerPx: number, what: string): void {
  // Positions are written to 0.01 px and bars are at least 1 px wide: within one pixel of the data.
  expect(
    Math.abs(actual - expected),
    `${what}: drawn at ${actual}, recorded ${expected}`,
  ).toBeLessThanOrEqual(unitsPerPx);
}

export interface CheckResult {
  screenshot: string;
  bars: number;
  /** Predicted-detection ticks found where run.json's predictedMs puts them (run reports). */
  predicted: number;
}

/**
 * Where the browser drew each tick of `mark` ('predicted' or 'floor') of the timeline: its line's rendered
 * centre (layout box, not the attribute) turned into time with the chart's scale, and the vertical centre of
 * the tick and of the name of the lane it claims to be on.
 */
async function renderedTicks(page: Page, mark: string) {
  return page.$$eval(
    '[data-chart="timeline"] g.tick',
    (ticks, wanted) =>
      ticks
        .filter((g) => g.getAttribute('data-mark') === wanted)
        .map((g) => {
          const svg = g.closest('svg')!;
          const num = (name: string) => Number(svg.getAttribute(name));
          const box = svg.getBoundingClientRect();
          // CSS px → SVG user units (1:1 unless the page scaled the chart).
          const scale = svg.viewBox.baseVal.width / box.width;
          const line = g.querySelector('line.tick-line')!.getBoundingClientRect();
          const px = (line.left + line.width / 2 - box.left) * scale;
          const unitsPerPx = (num('data-x1') - num('data-x0')) / num('data-plot-width');
          const laneName = g.getAttribute('data-lane');
          const lanes = svg.querySelectorAll('g.lane');
          let laneText: { top: number; height: number } | undefined;
          for (let i = 0; i < lanes.length; i++) {
            if (lanes[i]!.getAttribute('data-lane') === laneName)
              laneText = lanes[i]!.querySelector('text')?.getBoundingClientRect();
          }
          return {
            expectation: g.getAttribute('data-expectation'),
            alert: g.getAttribute('data-alert'),
            lane: laneName,
            at: num('data-x0') + (px - num('data-plot-left')) * unitsPerPx,
            unitsPerPx,
            dashed: g.querySelector('line.tick-line')!.getAttribute('stroke-dasharray') !== null,
            caption: g.querySelector('text')?.textContent ?? null,
            y: line.top + line.height / 2,
            laneY: laneText ? laneText.top + laneText.height / 2 : null,
          };
        }),
    mark,
  );
}

/** Checks `runDir/report.html` against `runDir/run.json`; writes `runDir/report.png`. */
export async function checkRunReport(runDir: string, browser?: Browser): Promise<CheckResult> {
  const run = runJsonSchema.parse(JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8')));
  const file = resolve(runDir, 'report.html');
  const own = browser ?? (await launchChromium());
  try {
    const { page, problems, requests } = await open(own, file);
    expect(problems).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]);

    // One bar per injected fault, from injection to revert.
    const faultBars = await drawn(page, '[data-chart="timeline"] rect.bar[data-fault-id]');
    const injected = run.faults.filter((f) => f.injectedAt !== null);
    expect(faultBars.map((b) => b.attrs['data-fault-id'])).toEqual(injected.map((f) => f.id));
    for (const [i, f] of injected.entries()) {
      const bar = faultBars[i]!;
      near(bar.from, ms(f.injectedAt)!, bar.unitsPerPx, `fault ${f.id} injected`);
      if (f.revertedAt !== null) near(bar.to, ms(f.revertedAt)!, bar.unitsPerPx, `fault ${f.id} reverted`);
    }

    // Per alert episode: one pending bar when it went pending, one firing bar when it fired, each ending
    // where the next state began; a resolved and a notified mark at their times.
    const alertBars = await drawn(page, '[data-chart="timeline"] rect.bar[data-episode]');
    const alertMarks = await drawn(page, '[data-chart="timeline"] path.mark[data-episode]');
    let expectedBars = 0;
    for (const [episode, a] of run.alerts.entries()) {
      const of = (list: Drawn[], state: string) =>
        list.filter((b) => b.attrs['data-episode'] === String(episode) && b.attrs['data-state'] === state);
      const what = `${a.name} episode ${episode}`;
      for (const b of [...alertBars, ...alertMarks].filter(
        (x) => x.attrs['data-episode'] === String(episode),
      )) {
        expect(b.attrs['data-alert'], what).toBe(a.name);
      }
      const pending = of(alertBars, 'pending');
      expect(pending, `${what} pending bar`).toHaveLength(a.pendingAt === null ? 0 : 1);
      if (a.pendingAt !== null) {
        near(pending[0]!.from, ms(a.pendingAt)!, pending[0]!.unitsPerPx, `${what} pending`);
        const end = a.firingAt ?? a.endedAt;
        if (end !== null) near(pending[0]!.to, ms(end)!, pending[0]!.unitsPerPx, `${what} pending end`);
      }
      const firing = of(alertBars, 'firing');
      expect(firing, `${what} firing bar`).toHaveLength(a.firingAt === null ? 0 : 1);
      if (a.firingAt !== null) {
        near(firing[0]!.from, ms(a.firingAt)!, firing[0]!.unitsPerPx, `${what} firing`);
        if (a.resolvedAt !== null)
          near(firing[0]!.to, ms(a.resolvedAt)!, firing[0]!.unitsPerPx, `${what} resolved`);
      }
      for (const [state, at] of [
        ['resolved', a.resolvedAt],
        ['notified', a.notifiedAt],
      ] as const) {
        const marks = of(alertMarks, state);
        expect(marks, `${what} ${state} mark`).toHaveLength(at === null ? 0 : 1);
        if (at !== null) near(marks[0]!.from, ms(at)!, marks[0]!.unitsPerPx, `${what} ${state}`);
      }
      expectedBars += (a.pendingAt === null ? 0 : 1) + (a.firingAt === null ? 0 : 1);
    }
    expect(alertBars).toHaveLength(expectedBars);

    // The latency lines: one point per second with an ok answer, the first at the first such second.
    const seconds = run.seconds ?? [];
    if (run.traffic !== null) expect(seconds.length).toBeGreaterThan(0);
    const latency = await page.$$eval('[data-chart="latency"] path.series', (paths) =>
      paths.map((p) => {
        const svg = p.closest('svg')!;
        const num = (name: string) => Number(svg.getAttribute(name));
        const first = /^M([\d.]+) /.exec(p.getAttribute('d') ?? '');
        const x = first ? Number(first[1]) : Number.NaN;
        return {
          name: p.getAttribute('data-series'),
          points: Number(p.getAttribute('data-points')),
          firstAt:
            num('data-x0') +
            ((x - num('data-plot-left')) / num('data-plot-width')) * (num('data-x1') - num('data-x0')),
          unitsPerPx: (num('data-x1') - num('data-x0')) / num('data-plot-width'),
          box: p.getBoundingClientRect().width,
        };
      }),
    );
    expect(latency.map((l) => l.name)).toEqual(['p50', 'p99']);
    const answered = seconds.filter((s) => s.p99Ms !== null);
    for (const line of latency) {
      expect(line.points, `${line.name} points`).toBe(answered.length);
      if (answered.length > 0) {
        expect(line.box, `${line.name} is drawn`).toBeGreaterThan(100);
        near(line.firstAt, ms(answered[0]!.at)! + 500, line.unitsPerPx, `${line.name} first point`);
      }
    }

    // Predicted detection times: per expectation with a predictedMs, one dashed tick on its alert's lane, drawn
    // (as laid out by the browser) at the fault's injection + predictedMs within a pixel's worth of time.
    const ticks = await renderedTicks(page, 'predicted');
    const predictions = run.expectations.flatMap((e) => {
      const injectedAt = run.faults.find((f) => f.id === e.faultId)?.injectedAt ?? null;
      return typeof e.predictedMs === 'number' && injectedAt !== null
        ? [{ e, at: ms(injectedAt)! + e.predictedMs }]
        : [];
    });
    expect(ticks.map((t) => t.expectation).sort()).toEqual(predictions.map((p) => p.e.id).sort());
    for (const { e, at } of predictions) {
      const what = `${e.id} predicted tick`;
      const t = ticks.find((x) => x.expectation === e.id)!;
      near(t.at, at, t.unitsPerPx, what);
      expect(t.dashed, what).toBe(true);
      expect(t.caption, what).toMatch(/^predicted \d/);
      expect(t.lane, what).toMatch(new RegExp(`^alert ${e.alert}(\\{|$)`));
      expect(t.laneY, `${what}: its lane has a name`).not.toBeNull();
      expect(Math.abs(t.y - t.laneY!), `${what}: on its lane's row`).toBeLessThan(LANE_PX / 2);
    }

    // Expectations: every one listed, failures first.
    const verdicts = await page.$$eval('[data-table="expectations"] tbody tr', (rows) =>
      rows.map((r) => [r.getAttribute('data-expectation'), r.getAttribute('data-verdict')]),
    );
    expect(verdicts).toHaveLength(run.expectations.length);
    const rank = { failed: 0, inconclusive: 1, passed: 2 } as Record<string, number>;
    const ranks = verdicts.map(([, v]) => rank[v!]!);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));

    const screenshot = join(runDir, 'report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    await page.close();
    return { screenshot, bars: faultBars.length + alertBars.length, predicted: ticks.length };
  } finally {
    if (!browser) await own.close();
  }
}

/** Checks `suiteDir/report.html` against `suiteDir/suite.json`; writes `suiteDir/report.png`. */
export async function checkSuiteReport(suiteDir: string, browser?: Browser): Promise<CheckResult> {
  const suite = suiteJsonSchema.parse(JSON.parse(await readFile(join(suiteDir, 'suite.json'), 'utf8')));
  const file = resolve(suiteDir, 'report.html');
  const own = browser ?? (await launchChromium());
  try {
    const { page, problems, requests } = await open(own, file);
    expect(problems).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]);

    // One cell per fault × alert rule, each classified as suite.json says.
    const cells = await page.$$eval('table[data-table="matrix"] td[data-fault]', (tds) =>
      tds.map((td) => ({
        fault: td.getAttribute('data-fault'),
        scenario: td.getAttribute('data-scenario'),
        alert: td.getAttribute('data-alert'),
        cls: td.getAttribute('data-class'),
        href: td.querySelector('a')?.getAttribute('href') ?? null,
      })),
    );
    const { rows, alerts } = suite.matrix;
    expect(cells).toHaveLength(rows.length * alerts.length);
    for (const row of rows) {
      for (const cell of row.cells) {
        const found = cells.filter(
          (c) => c.scenario === row.scenario && c.fault === row.faultId && c.alert === cell.alert,
        );
        expect(found, `${row.scenario}/${row.faultId} × ${cell.alert}`).toHaveLength(1);
        expect(found[0]!.cls).toBe(cell.class);
        if (row.runDirs.length > 0) {
          const encoded = row.runDirs[0]!.split('/').map(encodeURIComponent).join('/');
          expect(found[0]!.href).toBe(`${encoded}/report.html`);
        }
      }
    }
    expect(await page.locator('[data-section="blind-spots"] li').count()).toBe(
      suite.matrix.blindSpots.length,
    );
    expect(await page.locator('[data-section="coverage"] [data-never-fired]').count()).toBe(
      suite.matrix.coverage.neverFired.length,
    );

    // Every link of the page resolves to a file beside the report.
    const hrefs = await page.$$eval('a[href]', (links) =>
      links.map((a) => (a as unknown as { href: string }).href),
    );
    expect(hrefs.length).toBeGreaterThanOrEqual(suite.runs.filter((r) => r.runDir !== null).length);
    for (const href of hrefs) {
      expect(href.startsWith('file://'), href).toBe(true);
      expect(existsSync(fileURLToPath(href)), href).toBe(true);
    }

    const screenshot = join(suiteDir, 'report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    if (rows.length > 0) await stickyMatrixCheck(page);
    await page.close();
    return { screenshot, bars: 0, predicted: 0 };
  } finally {
    if (!browser) await own.close();
  }
}

/**
 * The matrix's rule names stay in view: in a window too narrow and too short for it, scrolling its box all the
 * way right leaves every rule cell at the same x and on top of the cells that pass under it (the topmost
 * element at its middle is itself, and its background is opaque), while the cells did move; scrolling it down
 * leaves the header row at the same y, on top.
 */
async function stickyMatrixCheck(page: Page): Promise<void> {
  await page.setViewportSize({ width: 640, height: 600 });
  const seen = await page.$eval('[data-scroll="matrix"]', (box) => {
    type Box = typeof box;
    const all = (selector: string): Box[] => {
      const found = box.querySelectorAll(selector);
      const out: Box[] = [];
      for (let i = 0; i < found.length; i++) out.push(found[i]!);
      return out;
    };
    box.scrollIntoView({ block: 'start' });
    const rules = all('tbody td.rule');
    const heads = all('thead th');
    const lastCell = all('tbody tr td:last-child')[0]!;
    const firstRow = all('tbody tr')[0]!;
    const inView = (e: Box) => {
      const r = e.getBoundingClientRect();
      const b = box.getBoundingClientRect();
      const x = r.left + r.width / 2;
      const y = r.top + r.height / 2;
      return x > b.left && x < b.left + box.clientWidth && y > b.top && y < b.top + box.clientHeight;
    };
    const onTop = (e: Box) => {
      const r = e.getBoundingClientRect();
      const hit = box.ownerDocument.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return hit !== null && e.contains(hit);
    };
    // Chromium writes an opaque colour as rgb(…), one with any transparency as rgba(…).
    const seeThrough = [...rules, ...heads]
      .filter((e) => !box.ownerDocument.defaultView!.getComputedStyle(e).backgroundColor.startsWith('rgb('))
      .map((e) => e.textContent);
    const before = {
      rules: rules.map((r) => r.getBoundingClientRect().left),
      lastCell: lastCell.getBoundingClientRect().left,
      headTop: heads[0]!.getBoundingClientRect().top,
      rowTop: firstRow.getBoundingClientRect().top,
    };
    box.scrollLeft = box.scrollWidth;
    const across = {
      scrolled: box.scrollLeft,
      rules: rules.map((r) => r.getBoundingClientRect().left),
      lastCell: lastCell.getBoundingClientRect().left,
      hidden: rules.filter((r) => inView(r) && !onTop(r)).map((r) => r.textContent),
      checked: rules.filter(inView).length,
    };
    box.scrollTop = box.scrollHeight;
    const down = {
      scrolled: box.scrollTop,
      headTop: heads.map((h) => h.getBoundingClientRect().top),
      rowTop: firstRow.getBoundingClientRect().top,
      // Header cells scrolled under the sticky corner cell are rightly hidden: only those right of it count.
      hidden: heads
        .filter(
          (h, i) =>
            inView(h) &&
            (i === 0 || h.getBoundingClientRect().left >= heads[0]!.getBoundingClientRect().right - 1) &&
            !onTop(h),
        )
        .map((h) => h.textContent),
    };
    return { seeThrough, before, across, down };
  });
  const { seeThrough, before, across, down } = seen;
  expect(seeThrough, 'sticky cells without an opaque background').toEqual([]);
  expect(across.scrolled, 'the matrix box scrolls sideways in a 640 px window').toBeGreaterThan(0);
  expect(across.lastCell, 'the cells moved left').toBeLessThan(before.lastCell - 10);
  // Within a pixel: a collapsed border puts an unscrolled cell half a border right of where sticky pins it.
  expect(across.rules).toHaveLength(before.rules.length);
  for (const [i, x] of across.rules.entries())
    expect(Math.abs(x - before.rules[i]!), 'rule cells stay at the same x').toBeLessThanOrEqual(1);
  expect(across.checked, 'rule cells in view').toBeGreaterThan(0);
  expect(across.hidden, 'rule cells hidden under scrolled cells').toEqual([]);
  if (down.scrolled > 0) {
    expect(down.rowTop, 'the rows moved up').toBeLessThan(before.rowTop - 10);
    for (const top of down.headTop)
      expect(Math.abs(top - before.headTop), 'header cells stay at the same y').toBeLessThanOrEqual(1);
    expect(down.hidden, 'header cells hidden under scrolled rows').toEqual([]);
  }
}
