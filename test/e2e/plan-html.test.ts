import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../lib/doors/cli/io.js';
import { main } from '../../lib/doors/cli/main.js';
import { DEFAULT_PRICING, hoursOffPerWeek, saeSaving, SWAS_PREPAID_NOTE } from '../../lib/plan/savings.js';
import { loadSchedules } from '../../lib/doors/schedule-files.js';
import type { Sandbox } from '../../lib/sandbox/server.js';
import { browserRequired, findChromium } from './support/chromium.js';
import { cleanEnv, ensureBuilt, offpeak, ROOT } from './support/cli.js';

/**
 * `offpeak plan --html` in a real browser: headless Chromium (see support/chromium.ts for where it
 * is looked for) opens the pages and the test reads the drawing back through the data-* attributes
 * the page puts on every block, edge and mark, so "the blocks are at the right hours" is checked to
 * the millisecond rather than by looking at pixels. Screenshots land in test/output/ for people.
 *
 * Without Chromium the browser tests are skipped with one line saying how to get one; with
 * OFFPEAK_REQUIRE_BROWSER=1 (CI) the missing browser is a failing test instead.
 */

const CHROMIUM = findChromium();
const REQUIRED = browserRequired();
if (CHROMIUM.missing && !REQUIRED) console.warn(`browser test skipped: ${CHROMIUM.missing}`);
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const OUT = join(ROOT, 'test/output');
/** The instant the in-process CLI runs at: warnings (DST edges, calendars running out) look ahead from here. */
const NOW = Date.parse('2026-03-01T00:00:00Z');

const BERLIN = `version: 1
timezone: Europe/Berlin
rules:
  - name: berlin-nights
    offPeak: ["daily 22:00-02:30"]
    restore: true
    targets:
      sae: [{ region: eu-central-1, namespaceId: "eu-central-1:dev" }]
`;

let scratch: string;
let context: BrowserContext;
let sandbox: Sandbox | undefined;
const page = { dst: '', holiday: '', resolved: '' };

async function plan(...argv: string[]): Promise<void> {
  const io = memoryIo({ cwd: ROOT });
  const code = await main(['plan', ...argv], io, NOW);
  if (code !== 0) throw new Error(`offpeak plan ${argv.join(' ')} exited ${code}:\n${io.stderr.join('\n')}`);
}

/** The resolved page through the built CLI, as a person runs it, against an in-process sandbox. */
async function renderResolved(file: string): Promise<void> {
  const { startSandbox } = await import('../../lib/sandbox/server.js');
  const { demoSeedPath, readSeed } = await import('../../lib/sandbox/seed.js');
  sandbox = await startSandbox({ seed: await readSeed(demoSeedPath()), rateScale: 50 });
  await ensureBuilt();
  const env = {
    ...cleanEnv,
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'sandbox-ak',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'sandbox-secret',
    OFFPEAK_RATE_SCALE: '50',
  };
  const r = await offpeak(['plan', '--html', file, '--from', '2026-10-05', '--resolve', '--endpoint', sandbox.url], env);
  if (r.code !== 0) throw new Error(`offpeak plan --resolve exited ${r.code}:\n${r.stderr}`);
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'offpeak-plan-html-'));
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** The browser and the pages it opens; only when there is a browser to open them. */
async function launch(executablePath: string): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  mkdirSync(join(scratch, 'berlin'));
  writeFileSync(join(scratch, 'berlin', 'berlin.yaml'), BERLIN);
  page.dst = join(scratch, 'dst.html');
  page.holiday = join(scratch, 'holiday.html');
  page.resolved = join(scratch, 'resolved.html');
  [context] = await Promise.all([
    // A fresh profile per run: no state from an earlier run, no first-run or sync traffic.
    chromium.launchPersistentContext(join(scratch, 'profile'), {
      executablePath,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 720 },
    }),
    plan('--schedules', join(scratch, 'berlin'), '--html', page.dst, '--from', '2026-03-25', '--tz', 'Europe/Berlin'),
    plan('--schedules', join(ROOT, 'schedules'), '--html', page.holiday, '--from', '2026-09-30', '--days', '11'),
    renderResolved(page.resolved),
  ]);
}

interface Opened {
  readonly page: Page;
  /** Console errors and warnings, page errors and failed requests: all must stay empty. */
  readonly problems: string[];
  readonly requests: string[];
}

async function open(file: string, viewport = { width: 1280, height: 720 }): Promise<Opened> {
  const p = await context.newPage();
  await p.setViewportSize(viewport);
  const problems: string[] = [];
  const requests: string[] = [];
  p.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  p.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  p.on('request', (r) => requests.push(r.url()));
  await p.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page: p, problems, requests };
}

/** The page loaded alone: no errors, and the only request was the file itself. */
function expectClean(opened: Opened, file: string): void {
  expect(opened.problems).toEqual([]);
  expect(opened.requests).toEqual([pathToFileURL(file).href]);
}

interface Drawn {
  kind: string | null;
  date: string | null;
  start: string | null;
  end: string | null;
  at: string | null;
  hours: string | null;
}

// The few DOM shapes the in-page checks use: the tests compile without the DOM lib, so playwright's
// element types do not resolve here; these annotations and casts vanish when the callbacks are sent
// to the browser.
interface El {
  readonly clientWidth: number;
  readonly scrollWidth: number;
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): El | null;
  getBoundingClientRect(): { height: number; bottom: number };
}
interface Svg extends El {
  getBBox(): { width: number };
}
interface Win {
  readonly document: { documentElement: El; body: El; querySelector(selector: string): El | null };
  readonly innerWidth: number;
  readonly getComputedStyle: (element: El) => { minWidth: string; fill: string; breakInside: string; display: string };
}

function drawn(p: Page, selector: string): Promise<Drawn[]> {
  return p.$$eval(selector, (els: El[]) =>
    els.map((e) => ({
      kind: e.getAttribute('data-kind'),
      date: e.getAttribute('data-date'),
      start: e.getAttribute('data-start'),
      end: e.getAttribute('data-end'),
      at: e.getAttribute('data-at'),
      hours: e.getAttribute('data-hours'),
    })),
  );
}

const iso = (text: string) => new Date(text).toISOString();

// CI must not pass for green without the browser: there the missing browser is a failure.
it.runIf(!CHROMIUM.path && REQUIRED)('headless Chromium is there for the browser tests (OFFPEAK_REQUIRE_BROWSER=1)', () => {
  expect.fail(`browser test required but ${CHROMIUM.missing}`);
});

describe.skipIf(!CHROMIUM.path)('offpeak plan --html in headless Chromium', () => {
  beforeAll(() => launch(CHROMIUM.path!), 60_000);

  afterAll(async () => {
    await context?.close();
    await sandbox?.close();
  });

  it('a DST week (Europe/Berlin, spring forward on 29 March 2026): a 23-hour day, edges where the rules say', async () => {
    const opened = await open(page.dst);
    const p = opened.page;
    expectClean(opened, page.dst);

    const days = await drawn(p, 'svg.axis [data-kind="day"]');
    expect(days.map((d) => [d.date, d.hours])).toEqual([
      ['2026-03-25', '24'],
      ['2026-03-26', '24'],
      ['2026-03-27', '24'],
      ['2026-03-28', '24'],
      ['2026-03-29', '23'],
      ['2026-03-30', '24'],
      ['2026-03-31', '24'],
    ]);
    const dst = await drawn(p, '[data-kind="dst"]');
    expect(dst).toEqual([
      {
        kind: 'dst',
        date: '2026-03-29',
        at: '2026-03-29T01:00:00.000Z',
        start: '2026-03-28T23:00:00.000Z',
        end: '2026-03-29T22:00:00.000Z',
        hours: '23',
      },
    ]);
    expect(await p.textContent('svg.axis [data-kind="dst"]')).toContain('23 h day');

    // "daily 22:00-02:30": Saturday's night ends at 02:30 on Sunday, which does not exist; it ends at 03:00 CEST.
    const rule = '[data-row="rule"][data-rule="berlin-nights"]';
    const sunday = await drawn(p, `${rule} [data-kind="off"][data-date="2026-03-29"]`);
    expect(sunday.map((b) => [b.start, b.end])).toEqual([
      [iso('2026-03-29T00:00+01:00'), iso('2026-03-29T03:00+02:00')],
      [iso('2026-03-29T22:00+02:00'), iso('2026-03-30T00:00+02:00')],
    ]);
    const edges = await drawn(p, `${rule} [data-kind="stop"], ${rule} [data-kind="start"]`);
    const weekend = edges.filter((e) => e.at! >= iso('2026-03-28T00:00+01:00') && e.at! < iso('2026-03-30T00:00+02:00'));
    expect(weekend.map((e) => [e.kind, e.at])).toEqual([
      ['start', iso('2026-03-28T02:30+01:00')],
      ['stop', iso('2026-03-28T22:00+01:00')],
      ['start', iso('2026-03-29T03:00+02:00')],
      ['stop', iso('2026-03-29T22:00+02:00')],
    ]);
    expect(edges).toHaveLength(14);

    // The drawing is to scale: each block is as wide as its duration, on the short day too
    // (x is rounded to 0.1 units, so a width may be off by 0.1).
    const blocks = await p.$$eval(`${rule} rect[data-kind="off"]`, (els: Svg[]) =>
      els.map((e) => ({
        width: e.getBBox().width,
        ms: Date.parse(e.getAttribute('data-end')!) - Date.parse(e.getAttribute('data-start')!),
      })),
    );
    const lane = await p.$eval(`${rule} rect.lane`, (e: Svg) => e.getBBox().width);
    const perMs = lane / (Date.parse('2026-04-01T00:00+02:00') - Date.parse('2026-03-25T00:00+01:00'));
    expect(blocks.length).toBeGreaterThan(8);
    for (const b of blocks) expect(Math.abs(b.width - b.ms * perMs)).toBeLessThan(0.15);

    const warnings = await p.textContent('section.warnings');
    expect(warnings).toContain("window 'daily 22:00-02:30' ends at 02:30 on 2026-03-29 in Europe/Berlin, a time that does not exist");
    expect(await p.textContent('.needresolve')).toContain('Savings need --resolve');
    await p.screenshot({ path: join(OUT, 'plan-week-dst.png') });
    await p.close();
  });

  it('a holiday week (calendar cn): National Day 1-7 October and the make-up Saturday 10 October', async () => {
    const opened = await open(page.holiday, { width: 1400, height: 720 });
    const p = opened.page;
    expectClean(opened, page.holiday);

    const marks = await drawn(p, '[data-rule="dev-nights"][data-kind="holiday"], [data-rule="dev-nights"][data-kind="workday"]');
    expect(marks.map((m) => [m.kind, m.date, m.start, m.end])).toEqual([
      ...[1, 2, 3, 4, 5, 6, 7].map((d) => [
        'holiday',
        `2026-10-0${d}`,
        iso(`2026-10-0${d}T00:00+08:00`),
        iso(`2026-10-${String(d + 1).padStart(2, '0')}T00:00+08:00`),
      ]),
      ['workday', '2026-10-10', iso('2026-10-10T00:00+08:00'), iso('2026-10-11T00:00+08:00')],
    ]);
    // Rules without a calendar have no marks: staging runs its weekdays through the holiday.
    expect(await p.$$('[data-rule="staging-weekends"][data-kind="holiday"]')).toHaveLength(0);

    const rule = '[data-row="rule"][data-rule="dev-nights"]';
    const edges = await drawn(p, `${rule} [data-kind="stop"], ${rule} [data-kind="start"]`);
    expect(edges.map((e) => [e.kind, e.at])).toEqual(
      [
        ['start', '2026-09-30T08:00'],
        ['stop', '2026-09-30T20:00'],
        // dark from Wednesday evening through the holiday, to the Thursday after it
        ['start', '2026-10-08T08:00'],
        ['stop', '2026-10-08T20:00'],
        ['start', '2026-10-09T08:00'],
        ['stop', '2026-10-09T20:00'],
        // the make-up Saturday runs like a Monday
        ['start', '2026-10-10T08:00'],
        ['stop', '2026-10-10T20:00'],
      ].map(([kind, at]) => [kind, iso(`${at}+08:00`)]),
    );
    const holidayBlocks = await drawn(p, `${rule} [data-kind="off"][data-date^="2026-10-0"]`);
    const firstToSeventh = holidayBlocks.filter((b) => b.date! <= '2026-10-07');
    expect(firstToSeventh.map((b) => [b.date, b.start, b.end])).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((d) => [
        `2026-10-0${d}`,
        iso(`2026-10-0${d}T00:00+08:00`),
        iso(`2026-10-${String(d + 1).padStart(2, '0')}T00:00+08:00`),
      ]),
    );
    await p.close();
  });

  it('--resolve against the sandbox: one row per resource, SAE money from saeSaving, SWAS says prepaid', async () => {
    const opened = await open(page.resolved);
    const p = opened.page;
    expectClean(opened, page.resolved);

    const rows = await p.$$eval('svg.group [data-row="resource"]', (els: El[]) =>
      els.map((e) => [e.getAttribute('data-rule'), e.getAttribute('data-product'), e.querySelector('.resname')?.textContent]),
    );
    expect(rows).toEqual([
      ['dev-nights', 'sae', 'dev-api'],
      ['dev-nights', 'sae', 'dev-ci-runner'],
      ['dev-nights', 'sae', 'dev-web'],
      ['dev-nights', 'swas', 'dev-box'],
      ['staging-weekends', 'sae', 'staging-api'],
      ['staging-weekends', 'sae', 'staging-web'],
      ['demo-boxes', 'swas', 'demo-shop'],
      ['demo-boxes', 'swas', 'demo-blog'],
    ]);

    const loaded = await loadSchedules([join(ROOT, 'schedules')], { at: NOW });
    const pricing = loaded.pricing ?? DEFAULT_PRICING;
    const from = Date.parse('2026-10-05T00:00:00+08:00');
    const hours = (name: string) =>
      hoursOffPerWeek(
        loaded.rules.find((r) => r.name === name)!,
        from,
        7,
      );
    // Sizes as the demo seed has them (cpu 500 and memory 1024 unless it says otherwise).
    const expected: Record<string, { rule: string; instances: number; cpu: number; memory: number }> = {
      'dev-api': { rule: 'dev-nights', instances: 2, cpu: 500, memory: 1024 },
      'dev-web': { rule: 'dev-nights', instances: 1, cpu: 500, memory: 1024 },
      'staging-api': { rule: 'staging-weekends', instances: 2, cpu: 1000, memory: 2048 },
      'staging-web': { rule: 'staging-weekends', instances: 1, cpu: 500, memory: 1024 },
    };
    const table = await p.$$eval('tr[data-row="resource"]', (els: El[]) =>
      els.map((e) => ({
        product: e.getAttribute('data-product'),
        name: e.querySelector('td')?.textContent ?? '',
        perWeek: e.getAttribute('data-per-week'),
        perMonth: e.getAttribute('data-per-month'),
        text: e.textContent ?? '',
      })),
    );
    expect(table).toHaveLength(8);
    let total = 0;
    for (const [name, size] of Object.entries(expected)) {
      const row = table.find((r) => r.name.includes(` ${name} `))!;
      const saving = saeSaving(hours(size.rule), size, pricing);
      expect(Number(row.perWeek), name).toBe(saving.perWeek);
      expect(Number(row.perMonth), name).toBe(saving.perMonth);
      expect(row.text).toContain(`${saving.perWeek.toFixed(2)} ${pricing.currency}`);
      expect(row.text).toContain(`${saving.perMonth.toFixed(2)} ${pricing.currency}`);
      total += saving.perWeek;
    }
    for (const row of table.filter((r) => r.product === 'swas')) {
      expect(row.text).toContain(SWAS_PREPAID_NOTE);
      expect(row.perWeek).toBeNull();
      expect(row.text).not.toContain(pricing.currency);
    }
    const ci = table.find((r) => r.name.includes(' dev-ci-runner '))!;
    expect(ci.perWeek).toBeNull();
    expect(ci.text).toContain('excluded by tag offpeak=never');

    expect(Number(await p.getAttribute('tr[data-row="total"]', 'data-per-week'))).toBeCloseTo(total, 9);
    expect(Number(await p.getAttribute('tr[data-row="rule"][data-rule="dev-nights"]', 'data-per-week'))).toBeCloseTo(
      saeSaving(hours('dev-nights'), expected['dev-api']!, pricing).perWeek +
        saeSaving(hours('dev-nights'), expected['dev-web']!, pricing).perWeek,
      9,
    );
    expect(await p.textContent('#fn-pricing')).toContain(pricing.source);
    // It only listed: the sandbox saw list calls and nothing else, and every resource still runs.
    expect([...new Set(sandbox!.gateway.calls().map((c) => c.action))].sort()).toEqual(['ListApplications', 'ListInstances']);
    expect(sandbox!.gateway.state().sae.apps.every((a) => a.status === 'RUNNING')).toBe(true);

    // The viewport down to the end of the chart: what docs/plan.md shows (docs/plan-week.png).
    const bottom = await p.$eval('.chart', (e: El) => e.getBoundingClientRect().bottom);
    await p.screenshot({
      path: join(OUT, 'plan-week-desktop.png'),
      clip: { x: 0, y: 0, width: 1280, height: Math.min(720, Math.ceil(bottom) + 16) },
    });
    await p.close();
  });

  it('on a phone (390 x 844) the page does not overflow; the chart scrolls inside its own box', async () => {
    const opened = await open(page.resolved, { width: 390, height: 844 });
    const p = opened.page;
    expectClean(opened, page.resolved);
    const size = await p.evaluate(() => {
      const window = globalThis as unknown as Win;
      const { document } = window;
      const chart = document.querySelector('.chart')!;
      const name = document.querySelector('svg.group .name')!.getBoundingClientRect();
      return {
        page: document.documentElement.scrollWidth,
        body: document.body.scrollWidth,
        view: window.innerWidth,
        chart: chart.clientWidth,
        chartContent: chart.scrollWidth,
        nameHeight: name.height,
      };
    });
    expect(size.page).toBeLessThanOrEqual(size.view);
    expect(size.body).toBeLessThanOrEqual(size.view);
    expect(size.chart).toBeLessThanOrEqual(size.view);
    expect(size.chartContent).toBeGreaterThan(size.chart);
    // Labels stay legible: the chart keeps a minimum scale instead of shrinking to fit.
    expect(size.nameHeight).toBeGreaterThanOrEqual(11);
    expect(await p.isVisible('.swipe')).toBe(true);
    await p.screenshot({ path: join(OUT, 'plan-week-phone.png') });
    await p.close();
  });

  it('prints: black-and-white friendly, the chart fits the page, no row is cut', async () => {
    const opened = await open(page.resolved, { width: 1100, height: 780 });
    const p = opened.page;
    await p.emulateMedia({ media: 'print' });
    const print = await p.evaluate(() => {
      const { document, getComputedStyle } = globalThis as unknown as Win;
      const chart = document.querySelector('.chart')!;
      const svg = document.querySelector('.chart svg')!;
      const style = (selector: string) => getComputedStyle(document.querySelector(selector)!);
      return {
        minWidth: getComputedStyle(svg).minWidth,
        overflow: chart.scrollWidth <= chart.clientWidth,
        off: style('svg.group .off').fill,
        lane: style('svg.group .lane').fill,
        groupBreak: style('.groupwrap').breakInside,
        rowBreak: style('tr[data-row="resource"]').breakInside,
        swipe: style('.swipe').display,
      };
    });
    expect(print).toEqual({
      minWidth: '0px',
      overflow: true,
      off: 'rgb(51, 51, 51)',
      lane: 'rgb(255, 255, 255)',
      groupBreak: 'avoid',
      rowBreak: 'avoid',
      swipe: 'none',
    });
    await p.screenshot({ path: join(OUT, 'plan-week-print.png') });
    const pdf = await p.pdf({ path: join(OUT, 'plan-week.pdf'), landscape: true, printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(opened.problems).toEqual([]);
    await p.close();
  });
});

describe('offpeak plan --html flags', () => {
  async function run(...argv: string[]) {
    const io = memoryIo({ cwd: ROOT });
    const code = await main(['plan', ...argv], io, NOW);
    return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
  }

  it('rejects bad values and combinations in one line, exit 2', async () => {
    const file = join(scratch, 'never.html');
    const cases: Array<[string[], string]> = [
      [['--html', file, '--tz', 'Mars/Base'], "--tz 'Mars/Base' is not an IANA time zone"],
      [['--html', file, '--from', '2026-02-30'], "--from '2026-02-30' is not a date"],
      [['--html', file, '--days', '32'], "--days '32' must be a whole number from 1 to 31"],
      [['--from', '2026-10-01'], '--from and --tz go with --html'],
      [['--html', file, '--json'], '--json and --html exclude each other'],
      [['--json', '--resolve'], '--json has no savings, so --resolve goes with the text or --html'],
      [['--html', file, '--sandbox'], '--endpoint, --sandbox and --seed go with --resolve'],
      [['--html', file, '--resolve', '--sandbox', '--endpoint', 'http://127.0.0.1:9'], '--endpoint and --sandbox exclude each other'],
    ];
    for (const [argv, message] of cases) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err.split('\n'), argv.join(' ')).toHaveLength(1);
      expect(r.err).toContain(message);
    }
    expect(existsSync(file)).toBe(false);
  });

  it('--resolve --sandbox lists from an embedded sandbox and says what it wrote', async () => {
    const file = join(scratch, 'embedded.html');
    const r = await run('--html', file, '--from', '2026-10-05', '--resolve', '--sandbox');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(`wrote ${file}: 3 rules, 8 resources, 7 days from 2026-10-05 in Asia/Shanghai`);
    expect(r.err).toMatch(/^sandbox at http:\/\/127\.0\.0\.1:\d+$/m);
    const html = readFileSync(file, 'utf8');
    expect(html.match(/<g class="row resource/g)).toHaveLength(8);
  });
});
