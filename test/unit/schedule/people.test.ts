import { describe, expect, it } from 'vitest';
import { compileSchedules } from '../../../lib/schedule/compile.js';
import { formatDiagnostic } from '../../../lib/schedule/diagnostics.js';
import { parseSource } from '../../../lib/schedule/source.js';
import { beforeStopDue } from '../../../lib/notices.js';

/** channels, notify, wake and offPeakInstances: what compiles, and the mistakes, each with its place and fix. */

const AT = Date.parse('2026-11-24T00:00:00Z');
const compile = (rule: string, header = '') =>
  compileSchedules(
    [
      parseSource(
        's.yaml',
        `version: 1
timezone: Asia/Shanghai
${header}rules:
  - name: dev
    offPeak: ["daily 20:00-08:00"]
${rule}    targets:
      sae: [{ region: cn-hangzhou, appId: a1 }]
`,
      ),
    ],
    new Map(),
    { at: AT, warnings: false },
  );
const CHANNELS = 'channels:\n  ops: { type: dingtalk, urlEnv: DING_URL, secretEnv: DING_SECRET }\n';

describe('people fields', () => {
  it('compile: channels resolved by name, before in ms, default kinds, wake and offPeakInstances', () => {
    const set = compile('    notify: { channels: [ops], before: 15m }\n    wake: 4h\n    offPeakInstances: 1\n', CHANNELS);
    expect(set.diagnostics).toEqual([]);
    expect(set.rules[0]).toMatchObject({
      notify: {
        channels: [{ name: 'ops', type: 'dingtalk', urlEnv: 'DING_URL', secretEnv: 'DING_SECRET' }],
        before: 900_000,
        on: ['before-stop', 'failure'],
      },
      wake: 4 * 3_600_000,
      offPeakInstances: 1,
    });
  });

  it.each([
    [
      '    notify: { channels: [opz] }\n',
      CHANNELS,
      "s.yaml:8:26: error: rules[0].notify.channels[0]: channel 'opz' is not declared in this file; declared: ops",
    ],
    [
      '    notify: { channels: [ops], on: [before-stop] }\n',
      CHANNELS,
      "s.yaml:8:36: error: rules[0].notify.on: before-stop needs 'before', how long ahead of the stop, e.g. before: 15m",
    ],
    [
      '    notify: { channels: [ops], before: 0s }\n',
      CHANNELS,
      "s.yaml:8:40: error: rules[0].notify.before: '0s' is not a positive duration; expected a duration such as '5m', '1h30m', '90s' or '0', e.g. '15m'",
    ],
    ['    wake: 8d\n', '', "s.yaml:6:11: error: rules[0].wake: '8d' is longer than 7d; a wake lasts at most 7d"],
  ])('%s is an error', (rule, header, message) => {
    const set = compile(rule, header);
    expect(set.diagnostics.map(formatDiagnostic)).toEqual([message]);
    expect(set.rules).toEqual([]);
  });

  it('a channel URL in the file itself is refused: only the name of the variable holding it', () => {
    const set = compile('', 'channels:\n  ops: { type: dingtalk, url: "https://oapi.dingtalk.com/robot/send?access_token=x" }\n');
    expect(set.diagnostics.length).toBeGreaterThan(0);
    expect(set.diagnostics.map(formatDiagnostic).join('\n')).not.toContain('access_token');
  });
});

describe('which tick posts a before-stop notice', () => {
  const rule = compile('    notify: { channels: [ops], before: 15m }\n', CHANNELS).rules[0]!;
  const tick = 300_000;
  const due = (iso: string) => beforeStopDue([rule], Date.parse(iso), tick, { manual: false }).map((d) => new Date(d.edgeAt).toISOString());

  it('the run whose interval (T − tick, T] holds the edge minus before, and no other', () => {
    expect(due('2026-11-24T19:40:00+08:00')).toEqual([]);
    expect(due('2026-11-24T19:45:00+08:00')).toEqual(['2026-11-24T12:00:00.000Z']);
    expect(due('2026-11-24T19:50:00+08:00')).toEqual([]);
    // A run whose interval straddles it (19:41 … 19:46) is the one, however the ticks fall.
    expect(due('2026-11-24T19:46:00+08:00')).toEqual(['2026-11-24T12:00:00.000Z']);
  });

  it('a run narrowed to starts, or to other rules, posts none', () => {
    const at = Date.parse('2026-11-24T19:45:00+08:00');
    expect(beforeStopDue([rule], at, tick, { manual: true, action: 'start' })).toEqual([]);
    expect(beforeStopDue([rule], at, tick, { manual: false, rules: ['other'] })).toEqual([]);
  });
});
