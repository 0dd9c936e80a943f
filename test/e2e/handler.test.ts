import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { handler } from '../../functions/scheduler/index.js';
import type { FcContext } from '../../lib/doors/invocation.js';
import type { ResourceResult } from '../../lib/execute/result.js';
import type { RunReport } from '../../lib/run.js';
import type { CallRecord, SandboxState } from '../../lib/sandbox/gateway.js';
import { demoSeedPath, readSeed } from '../../lib/sandbox/seed.js';
import { startSandbox, type Sandbox } from '../../lib/sandbox/server.js';

/**
 * The Function Compute handler in this process, as FC calls it: a Buffer event, an FC context with
 * the role's STS keys, settings from the environment, against a sandbox with the demo seed and the
 * repository's example schedules. 20:00 Asia/Shanghai (12:00Z) on Tue 2026-11-24 is dev-nights'
 * stop edge, and no other rule's.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RATE_SCALE = 50;
const TIMER_AT = '2026-11-24T12:00:00Z';
const DEV_API = '0099b7be-5f5b-4512-a7fc-56049ef1aaaa';
const DEV_WEB = '0099b7be-5f5b-4512-a7fc-56049ef1aaab';
const DEV_CI = '0099b7be-5f5b-4512-a7fc-56049ef1aaac';
const DEV_BOX = 'ace0706b2ac4454d984295a94213aaaa';

const context = (requestId = 'req-1'): FcContext => ({
  requestId,
  credentials: { accessKeyId: 'STS.sandbox', accessKeySecret: 'sts-secret', securityToken: 'sts-token' },
  function: { name: 'offpeak', timeout: 60 },
});
const event = (value: object): Buffer => Buffer.from(JSON.stringify(value));
const timerEvent = (): Buffer => event({ triggerTime: TIMER_AT, triggerName: 'offpeak-tick', payload: '' });

let sandbox: Sandbox;
let scratch: string;
beforeAll(async () => {
  sandbox = await startSandbox({ seed: await readSeed(demoSeedPath()), rateScale: RATE_SCALE });
  scratch = mkdtempSync(join(tmpdir(), 'offpeak-handler-'));
});
afterAll(async () => {
  await sandbox?.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function adminCall<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${sandbox.url}/_sandbox/${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  expect(res.status, `${method} /_sandbox/${path}`).toBe(200);
  return (await res.json()) as T;
}
const calls = (): Promise<CallRecord[]> => adminCall<CallRecord[]>('GET', 'calls');
const state = (): Promise<SandboxState> => adminCall<SandboxState>('GET', 'state');
const changing = (list: readonly CallRecord[]) =>
  list.filter((c) => /^(Batch)?(Stop|Start)/.test(c.action)).map((c) => `${c.product} ${c.action}`);

// Settings come from process.env, as in FC: set ours, restore whatever was there.
const saved = new Map<string, string | undefined>();
function setEnv(values: Record<string, string>): void {
  for (const name of Object.keys(process.env).filter((n) => n.startsWith('OFFPEAK_'))) {
    if (!saved.has(name)) saved.set(name, process.env[name]);
    delete process.env[name];
  }
  for (const [name, value] of Object.entries(values)) {
    if (!saved.has(name)) saved.set(name, process.env[name]);
    process.env[name] = value;
  }
}

let log: MockInstance<(...args: unknown[]) => void>;
const logged = (): string[] => log.mock.calls.map((args) => String(args[0]));
const loggedJson = (): Array<Record<string, unknown>> => logged().map((line) => JSON.parse(line) as Record<string, unknown>);

beforeEach(async () => {
  await adminCall('POST', 'reset');
  setEnv({ OFFPEAK_ENDPOINT: sandbox.url, OFFPEAK_RATE_SCALE: String(RATE_SCALE), OFFPEAK_SCHEDULES: join(ROOT, 'schedules') });
  log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => {
  log.mockRestore();
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  saved.clear();
});

/** What the promise rejected with; fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
}

/** An FC-facing failure: named OffpeakError, its stack only the message, no frames. */
function expectOffpeakError(error: Error): void {
  expect(error.name).toBe('OffpeakError');
  expect(error.stack).toBe(`OffpeakError: ${error.message}`);
  expect(error.stack).not.toMatch(/^\s+at /m);
}

/**
 * The outcome, with the excluded app's named the same under either report model: 'skipped' with
 * reason "excluded by …" (before) or its own outcome 'excluded' (the model being introduced).
 */
const outcomeOf = (r: ResourceResult): string => (r.outcome === 'skipped' && r.reason.startsWith('excluded by ') ? 'excluded' : r.outcome);
const outcomes = (report: RunReport) => report.results.map((r) => `${r.product} ${r.name} ${r.action} ${outcomeOf(r)}`);
/** Counts of outcomes that are set, whichever outcomes the model has. */
const nonZero = (counts: RunReport['counts']): Record<string, number> =>
  Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
const excludedCount = (counts: RunReport['counts']): Record<string, number> => {
  const all: Record<string, number> = counts;
  return 'excluded' in all ? { excluded: 1 } : { skipped: 1 };
};

describe('handler: a timer event', () => {
  it('stops the dev-nights targets at 20:00 Shanghai and logs one JSON line per resource plus a summary', async () => {
    const report = (await handler(timerEvent(), context())) as RunReport;

    expect(report.at).toBe('2026-11-24T12:00:00.000Z');
    expect(report.dryRun).toBe(false);
    expect(report.ok).toBe(true);
    expect(report.rules.map((r) => `${r.name}:${r.action ?? '-'}`)).toEqual(['dev-nights:stop', 'staging-weekends:-', 'demo-boxes:-']);
    expect(outcomes(report)).toEqual([
      'sae dev-api stop stopped',
      'sae dev-ci-runner stop excluded',
      'sae dev-web stop stopped',
      'swas dev-box stop stopping',
    ]);
    expect(report.results.find((r) => r.id === DEV_CI)?.reason).toBe('excluded by tag offpeak=never');
    expect(nonZero(report.counts)).toEqual({ stopped: 2, stopping: 1, ...excludedCount(report.counts) });
    expect(report.missing).toEqual([]);
    expect(report.unresolved).toEqual([]);

    // Resources are logged as they finish (the excluded one at once, the SWAS box before the SAE apps
    // whose change orders are confirmed), then the batch the box went in, then the summary.
    const lines = loggedJson();
    expect(lines.map((l) => l.type)).toEqual(['resource', 'resource', 'resource', 'resource', 'batch', 'summary']);
    const seen = lines.slice(0, 4).map((l) => `${String(l.id)} ${String(l.outcome)}`);
    expect(seen.slice(0, 2)).toEqual([`${DEV_CI} ${report.results[1]!.outcome}`, `${DEV_BOX} stopping`]);
    expect(seen.slice(2).sort()).toEqual([`${DEV_API} stopped`, `${DEV_WEB} stopped`].sort());
    expect(lines[1]).toMatchObject({ batch: 'swas-1' });
    expect(lines[4]).toMatchObject({
      type: 'batch',
      id: 'swas-1',
      product: 'swas',
      size: 1,
      clientToken: expect.stringMatching(/^offpeak-stop-/) as unknown,
    });
    for (const line of lines) expect(line.at).toBe('2026-11-24T12:00:00.000Z');
    expect(lines[5]).toMatchObject({ type: 'summary', dryRun: false, ok: true, counts: report.counts });
    expect(lines[5]!.summary).toMatch(/^2 stopped, 1 stopping, 1 (skipped|excluded)$/);
    // One line each: FC's log service indexes lines.
    for (const line of logged()) expect(line).not.toContain('\n');

    const all = await calls();
    expect(changing(all).sort()).toEqual(['sae StopApplication', 'sae StopApplication', 'swas StopInstances']);
    expect(all.filter((c) => c.code !== null)).toEqual([]);
    const world = await state();
    const apps = new Map(world.sae.apps.map((a) => [a.appId, a.status]));
    expect([apps.get(DEV_API), apps.get(DEV_WEB), apps.get(DEV_CI)]).toEqual(['STOPPED', 'STOPPED', 'RUNNING']);
    expect(
      world.sae.apps
        .filter((a) => a.status === 'STOPPED')
        .map((a) => a.appName)
        .sort(),
    ).toEqual(['dev-api', 'dev-web']);
    expect(['Stopping', 'Stopped']).toContain(world.swas.instances.find((i) => i.instanceId === DEV_BOX)?.status);
  });

  it('acts on nothing at an instant with no edge (and still logs a summary)', async () => {
    const report = (await handler(event({ triggerTime: '2026-11-24T06:00:00Z', triggerName: 't' }), context())) as RunReport;
    expect(report.ok).toBe(true);
    expect(report.results).toEqual([]);
    expect(loggedJson()).toEqual([expect.objectContaining({ type: 'summary', ok: true, summary: 'nothing to do' })]);
    expect(changing(await calls())).toEqual([]);
  });
});

describe('handler: a calendar about to run out', () => {
  // schedules/calendars/cn.yaml lists no dates after 2026: from 2 December on it runs out within 30
  // days. dev-nights is in Asia/Shanghai, so its local midnight is 16:00Z the day before.
  const warning = {
    type: 'warning',
    calendar: 'cn',
    file: join(ROOT, 'schedules', 'dev-nights.yaml'),
    rules: ['dev-nights'],
    message: "calendar 'cn' lists no dates after 2026; later holidays and make-up workdays will count as ordinary days until you add them",
  };
  const at = (triggerTime: string) => event({ triggerTime, triggerName: 'offpeak-tick' });

  it('is logged by the run whose tick interval holds local midnight, first', async () => {
    await handler(at('2026-12-09T16:00:00Z'), context());
    expect(loggedJson()[0]).toEqual({ ...warning, at: '2026-12-09T16:00:00.000Z' });
    expect(loggedJson().filter((l) => l.type === 'warning')).toHaveLength(1);
  });

  it('is logged by a run just before the tick after midnight too: (at − 5m, at] holds 00:00', async () => {
    await handler(at('2026-12-09T16:04:59Z'), context());
    expect(loggedJson().filter((l) => l.type === 'warning')).toEqual([{ ...warning, at: '2026-12-09T16:04:59.000Z' }]);
  });

  it('is not logged by the next tick of the same day, nor by midnight while the calendar covers the next 30 days', async () => {
    await handler(at('2026-12-09T16:05:00Z'), context());
    await handler(at('2026-12-09T12:00:00Z'), context());
    // 1 December, Shanghai midnight: 31 December is 30 days ahead, still covered.
    await handler(at('2026-11-30T16:00:00Z'), context());
    expect(loggedJson().filter((l) => l.type === 'warning')).toEqual([]);
    expect(loggedJson().filter((l) => l.type === 'summary')).toHaveLength(3);
  });

  it('says when the calendar has run out: the first tick of 2027 logs it too', async () => {
    await handler(at('2026-12-31T16:00:00Z'), context());
    expect(loggedJson().filter((l) => l.type === 'warning')).toEqual([{ ...warning, at: '2026-12-31T16:00:00.000Z' }]);
  });
});

describe('handler: manual events', () => {
  it('a dry run at 20:00+08:00 reports would-stop and changes nothing', async () => {
    const report = (await handler(event({ dryRun: true, at: '2026-11-24T20:00:00+08:00' }), context())) as RunReport;
    expect(report.dryRun).toBe(true);
    expect(report.ok).toBe(true);
    expect(outcomes(report)).toEqual([
      'sae dev-api stop would-stop',
      'sae dev-ci-runner stop excluded',
      'sae dev-web stop would-stop',
      'swas dev-box stop would-stop',
    ]);
    expect(loggedJson().at(-1)).toMatchObject({ type: 'summary', dryRun: true, ok: true });
    expect(loggedJson().at(-1)!.summary).toMatch(/^dry run: 3 would stop, 1 (skipped|excluded)$/);
    expect(nonZero(report.counts)).toEqual({ 'would-stop': 3, ...excludedCount(report.counts) });
    const all = await calls();
    expect(all.length).toBeGreaterThan(0);
    expect(all.filter((c) => /Stop|Start/.test(c.action))).toEqual([]);
    expect(all.filter((c) => c.executed)).toEqual([]);
    expect((await state()).sae.apps.every((a) => a.status === 'RUNNING')).toBe(true);
  });

  it('narrows to one rule and one action', async () => {
    const report = (await handler(
      event({ rules: ['dev-nights'], action: 'stop', at: '2026-11-24T20:00:00+08:00' }),
      context(),
    )) as RunReport;
    expect(report.ok).toBe(true);
    expect(report.rules.map((r) => r.name)).toContain('dev-nights');
    expect(outcomes(report)).toEqual([
      'sae dev-api stop stopped',
      'sae dev-ci-runner stop excluded',
      'sae dev-web stop stopped',
      'swas dev-box stop stopping',
    ]);
  });
});

describe('handler: refusals before any cloud call', () => {
  it('a bad event rejects with an OffpeakError naming the field, without a stack, and calls nothing', async () => {
    const error = await rejection(handler(event({ dryrun: true }), context()));
    expectOffpeakError(error);
    expect(error.message).toMatch(/^event: unknown field "dryrun"; a manual event is \{/);
    expect(loggedJson()).toEqual([{ type: 'error', message: error.message }]);
    expect(await calls()).toEqual([]);
  });

  it.each([
    [{ dryRun: 'yes' }, 'event: field "dryRun": '],
    [{ at: '2026-11-24T20:00:00' }, `event: field "at": '2026-11-24T20:00:00' needs an offset or Z`],
    [{ action: 'pause' }, 'event: field "action": '],
    [{ rules: ['nope'] }, `event: field "rules": no rule named 'nope'; the schedules have 'dev-nights', 'staging-weekends', 'demo-boxes'`],
    [{ triggerTime: 'soon' }, `event: timer event: field "triggerTime": 'soon' is not an ISO instant`],
    [{ wake: { targets: ['dev-api'], for: '2h' } }, `event: field "wake": no rule lets people wake its targets; add 'wake: 4h'`],
  ])('event %j is refused: %s', async (value, start) => {
    const error = await rejection(handler(event(value), context()));
    expectOffpeakError(error);
    expect(error.message.startsWith(start)).toBe(true);
    expect(await calls()).toEqual([]);
  });

  it('text that is not JSON is refused the same way', async () => {
    const error = await rejection(handler(Buffer.from('dryRun=true'), context()));
    expectOffpeakError(error);
    expect(error.message).toMatch(/^event: the event is not JSON \(/);
    expect(await calls()).toEqual([]);
  });

  it('a schedules folder with an invalid file rejects naming file:line:col, and calls nothing', async () => {
    const dir = mkdtempSync(join(scratch, 'bad-'));
    writeFileSync(join(dir, 'bad.yaml'), readFileSync(join(ROOT, 'test/fixtures/invalid/window-hour-25.yaml')));
    process.env.OFFPEAK_SCHEDULES = dir;
    const error = await rejection(handler(timerEvent(), context()));
    expectOffpeakError(error);
    const [first, ...diagnostics] = error.message.split('\n');
    expect(first).toBe('the schedules have errors, nothing was done:');
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatch(/bad\.yaml:5:26: error: rules\[0\]\.offPeak\[1\]: '25:00' has no hour 25/);
    expect(await calls()).toEqual([]);
  });

  it('a wrong setting rejects naming the variable, and calls nothing', async () => {
    process.env.OFFPEAK_TICK = 'often';
    const error = await rejection(handler(timerEvent(), context()));
    expectOffpeakError(error);
    expect(error.message).toBe("settings: OFFPEAK_TICK='often' is not a positive duration such as 5m, 90s or 1h");
    expect(await calls()).toEqual([]);
  });
});

describe('handler: a failing run', () => {
  it('logs every line, then rejects with the summary', async () => {
    await adminCall('POST', 'faults', [{ product: 'sae', action: '*', code: 'Forbidden.RAM', httpStatus: 403 }]);
    const error = await rejection(handler(timerEvent(), context()));
    expectOffpeakError(error);
    expect(error.message).toBe('1 stopping — run FAILED: SAE cn-hangzhou listing: Forbidden.RAM');

    const lines = loggedJson();
    expect(lines.map((l) => l.type)).toEqual(['resource', 'unresolved', 'batch', 'summary', 'error']);
    expect(lines[0]).toMatchObject({ type: 'resource', product: 'swas', id: DEV_BOX, outcome: 'stopping' });
    expect(lines[1]).toMatchObject({ type: 'unresolved', product: 'sae', region: 'cn-hangzhou', code: 'Forbidden.RAM' });
    expect(lines[3]).toMatchObject({ type: 'summary', ok: false, summary: '1 stopping — run FAILED' });
    expect(lines[4]).toEqual({ type: 'error', message: '1 stopping — run FAILED: SAE cn-hangzhou listing: Forbidden.RAM' });

    // The SAE listing failed, so no SAE app was touched; a permission error is not retried.
    const all = await calls();
    expect(all.filter((c) => c.product === 'sae').map((c) => `${c.action} ${c.code}`)).toEqual(['ListApplications Forbidden.RAM']);
    expect(changing(all)).toEqual(['swas StopInstances']);
  });
});
