import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBuilt, offpeak, ROOT } from './support/cli.js';

/**
 * `offpeak plan --resolve` and `offpeak run --account` over member accounts. plan --resolve lists
 * each account's targets with that account's keys, as a run does: the home account's with its own,
 * a member's through its role. In the seed (test/fixtures/accounts-plan) staging's role trusts the
 * home account and test's trusts nobody it knows.
 */

const FIXTURES = join(ROOT, 'test/fixtures/accounts-plan');
let scratch: string;
beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'offpeak-plan-accounts-'));
  await ensureBuilt();
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it('shows the home and staging apps, each listed in its own account, and says once that test could not be reached', async () => {
  const html = join(scratch, 'week.html');
  const r = await offpeak([
    'plan',
    '--html',
    html,
    '--from',
    '2026-11-23',
    '--resolve',
    '--sandbox',
    '--seed',
    join(FIXTURES, 'seed.yaml'),
    '--schedules',
    join(FIXTURES, 'schedules'),
    '--at',
    '2026-11-24T20:02:00+08:00',
  ]);
  expect(r.code).toBe(0);
  const page = readFileSync(html, 'utf8');
  const shown = [...page.matchAll(/data-resource="([^"]+)"/g)].map((m) => m[1]);
  expect([...new Set(shown)].sort()).toEqual(['dev-api', 'staging-api']);
  const problems = r.stderr.split('\n').filter((line) => line.startsWith('account '));
  expect(problems).toEqual([
    expect.stringMatching(
      /^account test: its targets are not shown: account 'test': AssumeRole of acs:ram::3333333333333333:role\/offpeak-member refused \(NoPermission/,
    ),
  ]);
  expect(r.stdout).toContain('1 rule, 2 resources');
});

it('offpeak run --account staging acts on the staging account alone', async () => {
  const r = await offpeak([
    'run',
    '--sandbox',
    '--seed',
    join(FIXTURES, 'seed.yaml'),
    '--schedules',
    join(FIXTURES, 'schedules'),
    '--at',
    '2026-11-24T20:00:00+08:00',
    '--account',
    'staging',
    '--json',
  ]);
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout) as { results: Array<{ name: string; outcome: string; account?: string }> };
  expect(report.results.map((x) => [x.account, x.name, x.outcome])).toEqual([['staging', 'staging-api', 'stopped']]);
});

it('offpeak run --account with a name no file declares exits 2 with one line, before any sandbox starts', async () => {
  const r = await offpeak(['run', '--sandbox', '--schedules', join(FIXTURES, 'schedules'), '--account', 'stagin']);
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n')).toEqual([
    "offpeak run: --account: no account named 'stagin'; the schedules declare 'staging', 'test'; run 'offpeak run --help' for usage",
  ]);
});
