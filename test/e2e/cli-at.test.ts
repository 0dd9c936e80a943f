import { execFileSync } from 'node:child_process';
import { beforeAll, describe, it } from 'vitest';
import { ensureBuilt, offpeak } from './support/cli.js';

/**
 * `--at` as a person and a script use it with the built CLI: what offpeak prints goes back in, and
 * so does what `new Date().toISOString()` or `date -Ins` prints.
 */

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

interface PlanJson {
  readonly at: string;
  readonly rules: ReadonlyArray<{ readonly name: string; readonly next: ReadonlyArray<{ readonly at: string }> }>;
}

async function planJson(at: string): Promise<PlanJson> {
  const r = await offpeak(['plan', '--json', '--days', '1', '--at', at]);
  if (r.code !== 0) throw new Error(`offpeak plan --at ${at} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as PlanJson;
}

describe('offpeak plan --at', () => {
  it("takes back the `at` that `plan --json` prints, and the edges' instants", async ({ expect }) => {
    const first = await planJson('2026-11-23T20:02:00+08:00');
    expect(first.at).toBe('2026-11-23T12:02:00.000Z');
    const again = await planJson(first.at);
    expect(again).toEqual(first);
    // The next edge's instant, fed back, is read as that instant too.
    const edge = first.rules.flatMap((r) => r.next)[0]!.at;
    expect((await planJson(edge)).at).toBe(edge);
  });

  it('takes `new Date().toISOString()`, as a script passes it', async ({ expect }) => {
    const now = execFileSync('node', ['-e', 'console.log(new Date().toISOString())'], { encoding: 'utf8' }).trim();
    expect((await planJson(now)).at).toBe(now);
  });

  it('takes `date -Ins` (a comma and nanoseconds) and the other offset forms', async ({ expect }) => {
    for (const text of ['2026-12-01T20:00:00,123456789+08:00', '2026-12-01T20:00+0800', '2026-12-01T20:00:00.123+08']) {
      expect((await planJson(text)).at).toBe(
        text.includes('.123') || text.includes(',123') ? '2026-12-01T12:00:00.123Z' : '2026-12-01T12:00:00.000Z',
      );
    }
  });

  it('refuses a wall time without an offset in one line that shows the fix, exit 2', async ({ expect }) => {
    const r = await offpeak(['plan', '--at', '2026-12-01T20:00']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      "offpeak plan: --at '2026-12-01T20:00' needs an offset or Z, e.g. 2026-12-01T20:00+08:00 or 2026-12-01T20:00Z; run 'offpeak plan --help' for usage",
    );
  });
});
