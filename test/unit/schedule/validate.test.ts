import { describe, expect, it } from 'vitest';
import { compileSchedules } from '../../../lib/schedule/compile.js';
import { formatDiagnostic } from '../../../lib/schedule/diagnostics.js';
import { parseSource } from '../../../lib/schedule/source.js';
import { AT, compileText, ruleYaml } from './compile-text.js';

const errors = (text: string, options?: Parameters<typeof compileText>[1]) =>
  compileText(text, options).lines.filter((line) => line.includes(': error: '));
const warnings = (text: string, options?: Parameters<typeof compileText>[1]) =>
  compileText(text, options).lines.filter((line) => line.includes(': warning: '));

describe('validation errors name file:line:col, the field and the fix', () => {
  it('an unknown key, with a did-you-mean', () => {
    const text = ruleYaml('offpeak: ["Sat-Sun"]');
    expect(errors(text)).toEqual(["schedules/test.yaml:6:5: error: rules[0].offpeak: unknown key 'offpeak'; did you mean 'offPeak'?"]);
  });

  it('a bad window, at the window', () => {
    expect(errors(ruleYaml('offPeak: ["Sat-Sun", "Mon 24:00-08:00"]'))).toEqual([
      'schedules/test.yaml:6:26: error: rules[0].offPeak[1]: 24:00 can only end a window; start at 00:00 instead',
    ]);
  });

  it('a wrong type quotes the expected form', () => {
    expect(errors(ruleYaml('offPeak: ["Sat-Sun"]\nrestore: "yes"'))).toEqual([
      "schedules/test.yaml:7:14: error: rules[0].restore: got text 'yes'; expected true to start the targets again when off-peak ends (default false)",
    ]);
  });

  it('every error is listed, not only the first', () => {
    const text = ruleYaml('offPeak: ["Mnd"]\ncatchUp: soon\ncalendar: cn');
    expect(errors(text)).toHaveLength(3);
  });

  it('a rule without a zone, when the file has none either', () => {
    const text = `version: 1\nrules:\n  - name: r\n    offPeak: ["Sat-Sun"]\n    targets: { swas: [{ region: cn-hangzhou, instanceIds: [i-1] }] }\n`;
    expect(errors(text)).toEqual([
      "schedules/test.yaml:3:5: error: rules[0]: rule 'r' has no time zone; add 'timezone: Asia/Shanghai' (your zone) to the rule or at the top of the file",
    ]);
  });

  it('a misspelt zone, with a suggestion', () => {
    expect(errors(ruleYaml('offPeak: ["Sat-Sun"]', 'Europe/Berln'))[0]).toMatch(
      /'Europe\/Berln' is not an IANA time zone; did you mean 'Europe\/Berlin'\?/,
    );
  });

  it('duplicate names across files name the first place', () => {
    const text = ruleYaml('offPeak: ["Sat-Sun"]');
    const sources = [parseSource('schedules/a.yaml', text), parseSource('schedules/b.yaml', text)];
    const { diagnostics } = compileSchedules(sources, new Map(), { at: AT });
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      "schedules/b.yaml:5:11: error: rules[0].name: 'r' is already the name of a rule at schedules/a.yaml:5; rule names are unique across all files",
    ]);
  });
});

describe('warnings', () => {
  it('window edges in a DST gap and a fold within the next 365 days', () => {
    const text = ruleYaml('offPeak: ["Sun 02:30-05:00"]', 'Europe/Berlin');
    expect(warnings(text)).toEqual([
      "schedules/test.yaml:6:15: warning: rules[0].offPeak[0]: window 'Sun 02:30-05:00' starts at 02:30 on 2027-03-28 in Europe/Berlin, a time that does not exist (clocks jump from 02:00 to 03:00); that day it starts at 03:00",
      "schedules/test.yaml:6:15: warning: rules[0].offPeak[0]: window 'Sun 02:30-05:00' starts at 02:30 on 2027-10-31 in Europe/Berlin, a time that occurs twice (clocks fall back from 03:00 to 02:00); it starts at the first 02:30",
    ]);
  });

  it('a window edge in a DST fold', () => {
    const text = ruleYaml('offPeak: ["daily 20:00-01:30"]', 'America/New_York');
    expect(warnings(text)).toEqual([
      "schedules/test.yaml:6:15: warning: rules[0].offPeak[0]: window 'daily 20:00-01:30' ends at 01:30 on 2027-11-07 in America/New_York, a time that occurs twice (clocks fall back from 02:00 to 01:00); it ends at the first 01:30",
    ]);
  });

  it('no DST warning in a zone without DST', () => {
    expect(warnings(ruleYaml('offPeak: ["daily 02:30-05:00"]', 'Asia/Shanghai'))).toEqual([]);
  });

  it('two rules naming the same explicit resource', () => {
    const text = `version: 1
timezone: Asia/Shanghai
rules:
  - name: a
    offPeak: ["Sat-Sun"]
    targets: { swas: [{ region: cn-hangzhou, instanceIds: [i-1, i-2] }] }
  - name: b
    stop: "0 20 * * *"
    targets: { swas: [{ region: cn-hangzhou, instanceIds: [i-2] }] }
`;
    expect(warnings(text)).toEqual([
      "schedules/test.yaml:9:60: warning: rules[1].targets.swas[0].instanceIds[0]: SWAS instance i-2 is also named by rule 'a' (schedules/test.yaml); when their edges meet in one run, neither acts on it",
    ]);
  });

  it('a calendar that runs out within 30 days', () => {
    const text = ruleYaml('offPeak: ["Sat-Sun"]\ncalendar: cn', 'Asia/Shanghai', 'calendars: { cn: calendars/cn.yaml }');
    const calendars = { 'schedules/calendars/cn.yaml': 'holidays: [2026-10-01/2026-10-07]' };
    expect(warnings(text, { calendars, at: Date.parse('2026-11-22T00:00:00Z') })).toEqual([]);
    expect(warnings(text, { calendars, at: Date.parse('2026-12-10T00:00:00Z') })).toEqual([
      "schedules/test.yaml:7:15: warning: rules[0].calendar: calendar 'cn' lists no dates after 2026; later holidays and make-up workdays will count as ordinary days until you add them",
    ]);
  });

  it('a calendar of a file and a country runs out with its file, and the warning names the file', () => {
    const text = ruleYaml(
      'offPeak: ["Sat-Sun"]\ncalendar: munich',
      'Europe/Berlin',
      'calendars: { munich: [calendars/acme.yaml, { country: DE, state: BY }] }',
    );
    const calendars = { 'schedules/calendars/acme.yaml': 'holidays: [2026-12-24/2026-12-31]' };
    expect(warnings(text, { calendars, at: Date.parse('2026-12-10T00:00:00Z') })).toEqual([
      "schedules/test.yaml:7:15: warning: rules[0].calendar: calendar 'munich': schedules/calendars/acme.yaml lists no dates after 2026; later holidays and make-up workdays will count as ordinary days until you add them",
    ]);
  });

  it('a calendar of countries alone never runs out', () => {
    const text = ruleYaml('offPeak: ["Sat-Sun"]\ncalendar: jp', 'Asia/Tokyo', 'calendars: { jp: { country: JP } }');
    expect(warnings(text, { at: Date.parse('2026-12-10T00:00:00Z') })).toEqual([]);
    expect(warnings(text, { at: Date.parse('2099-12-10T00:00:00Z') })).toEqual([]);
  });
});
