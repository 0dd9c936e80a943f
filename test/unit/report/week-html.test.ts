import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICING, saeSaving, SWAS_PREPAID_NOTE, type Pricing } from '../../../lib/plan/savings.js';
import { weekModel, type WeekInput, type WeekModel, type WeekResource } from '../../../lib/plan/week.js';
import { escapeHtml, weekHtml } from '../../../lib/report/week-html.js';
import type { Rule } from '../../../lib/schedule/rule.js';
import { dayOfDate } from '../../../lib/schedule/zone.js';
import { compileText, ruleFrom, ruleYaml } from '../schedule/compile-text.js';

/**
 * The pure half of `offpeak plan --html`: the week model (spans, edges, calendar marks, DST days,
 * hours, savings) and the page drawn from it. Every expectation is an instant written out in the
 * zone's own offset, so a reader can check it against the rules of docs/time.md by hand.
 */

const t = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const CN_CALENDAR = readFileSync(new URL('../../../schedules/calendars/cn.yaml', import.meta.url), 'utf8');

function model(rules: Rule[], zone: string, from: string, days: number, extra: Partial<WeekInput> = {}): WeekModel {
  return weekModel({ rules, zone, firstDay: dayOfDate(from)!, days, pricing: DEFAULT_PRICING, ...extra });
}

const spansOf = (list: ReadonlyArray<{ start: number; end: number }>) => list.map((s) => [iso(s.start), iso(s.end)]);

describe('off-peak spans of the week model', () => {
  // 2026-11-23 is a Monday; Asia/Shanghai is +08:00 all year.
  const nights = ruleFrom(ruleYaml('offPeak: ["daily 20:00-08:00"]\nrestore: true'));

  it('are clipped to the shown days and cut at each local midnight', () => {
    const row = model([nights], 'Asia/Shanghai', '2026-11-23', 2).rows[0]!;
    // Whole stretches: the night before the first day and the last night run past the page's edges.
    expect(spansOf(row.spans)).toEqual([
      [iso(t('2026-11-23T00:00+08:00')), iso(t('2026-11-23T08:00+08:00'))],
      [iso(t('2026-11-23T20:00+08:00')), iso(t('2026-11-24T08:00+08:00'))],
      [iso(t('2026-11-24T20:00+08:00')), iso(t('2026-11-25T00:00+08:00'))],
    ]);
    // Drawn pieces: the Monday night is cut at midnight into a Monday piece and a Tuesday piece.
    expect(row.blocks.map((b) => [b.date, iso(b.start), iso(b.end)])).toEqual([
      ['2026-11-23', iso(t('2026-11-23T00:00+08:00')), iso(t('2026-11-23T08:00+08:00'))],
      ['2026-11-23', iso(t('2026-11-23T20:00+08:00')), iso(t('2026-11-24T00:00+08:00'))],
      ['2026-11-24', iso(t('2026-11-24T00:00+08:00')), iso(t('2026-11-24T08:00+08:00'))],
      ['2026-11-24', iso(t('2026-11-24T20:00+08:00')), iso(t('2026-11-25T00:00+08:00'))],
    ]);
    expect(row.hoursShown).toBe(8 + 12 + 4);
    expect(row.edges.map((e) => [e.action, iso(e.at), e.time])).toEqual([
      ['start', iso(t('2026-11-23T08:00+08:00')), '08:00'],
      ['stop', iso(t('2026-11-23T20:00+08:00')), '20:00'],
      ['start', iso(t('2026-11-24T08:00+08:00')), '08:00'],
      ['stop', iso(t('2026-11-24T20:00+08:00')), '20:00'],
    ]);
  });

  it('an overnight window belongs to the day it starts on and crosses midnight', () => {
    const friday = ruleFrom(ruleYaml('offPeak: ["Fri 22:00-06:00"]'));
    const row = model([friday], 'Asia/Shanghai', '2026-11-26', 4).rows[0]!;
    expect(spansOf(row.spans)).toEqual([[iso(t('2026-11-27T22:00+08:00')), iso(t('2026-11-28T06:00+08:00'))]]);
    expect(row.blocks.map((b) => b.date)).toEqual(['2026-11-27', '2026-11-28']);
    // Without restore the rule stops and never starts: one edge, yet the stretch still ends at 06:00.
    expect(row.edges.map((e) => [e.action, iso(e.at)])).toEqual([['stop', iso(t('2026-11-27T22:00+08:00'))]]);
  });

  it('an edge at the first midnight belongs to the page; one at the last midnight does not', () => {
    const days = ruleFrom(ruleYaml('offPeak: ["Tue 00:00-24:00"]\nrestore: true'));
    const row = model([days], 'Asia/Shanghai', '2026-11-24', 1).rows[0]!;
    expect(row.edges.map((e) => [e.action, iso(e.at)])).toEqual([['stop', iso(t('2026-11-24T00:00+08:00'))]]);
    expect(row.hoursShown).toBe(24);
  });

  it('shows a rule of another zone at its instants in the display zone', () => {
    const row = model([nights], 'Europe/Berlin', '2026-11-23', 1).rows[0]!;
    // 20:00 in Shanghai is 13:00 in Berlin (+01:00 in November).
    expect(row.edges.map((e) => [e.action, e.time])).toEqual([
      ['start', '01:00'],
      ['stop', '13:00'],
    ]);
  });
});

describe('DST days in the display zone', () => {
  const berlin = ruleFrom(ruleYaml('offPeak: ["daily 22:00-02:30"]\nrestore: true', 'Europe/Berlin'));

  it('spring forward: 29 March 2026 has 23 hours and the 02:30 end happens at 03:00', () => {
    const week = model([berlin], 'Europe/Berlin', '2026-03-28', 2);
    expect(week.days.map((d) => [d.date, d.hours, iso(d.start)])).toEqual([
      ['2026-03-28', 24, '2026-03-27T23:00:00.000Z'],
      ['2026-03-29', 23, '2026-03-28T23:00:00.000Z'],
    ]);
    expect(week.to).toBe(t('2026-03-29T22:00:00Z'));
    expect(week.dst.map((c) => [iso(c.at), c.day.date, c.before, c.after, c.label])).toEqual([
      ['2026-03-29T01:00:00.000Z', '2026-03-29', 60, 120, 'clocks go forward 02:00 → 03:00'],
    ]);
    const sunday = week.rows[0]!.blocks.filter((b) => b.date === '2026-03-29');
    expect(spansOf(sunday)).toEqual([
      ['2026-03-28T23:00:00.000Z', '2026-03-29T01:00:00.000Z'],
      [iso(t('2026-03-29T22:00+02:00')), '2026-03-29T22:00:00.000Z'],
    ]);
    expect(week.rows[0]!.edges.map((e) => [e.action, iso(e.at), e.time])).toEqual([
      ['start', iso(t('2026-03-28T02:30+01:00')), '02:30'],
      ['stop', iso(t('2026-03-28T22:00+01:00')), '22:00'],
      ['start', '2026-03-29T01:00:00.000Z', '03:00'],
      ['stop', iso(t('2026-03-29T22:00+02:00')), '22:00'],
    ]);
  });

  it('fall back: 25 October 2026 has 25 hours and the 02:30 end happens at the first 02:30', () => {
    const week = model([berlin], 'Europe/Berlin', '2026-10-25', 1);
    expect(week.days[0]!.hours).toBe(25);
    expect(week.dst.map((c) => [iso(c.at), c.label])).toEqual([['2026-10-25T01:00:00.000Z', 'clocks go back 03:00 → 02:00']]);
    expect(spansOf(week.rows[0]!.blocks)[0]).toEqual([iso(t('2026-10-25T00:00+02:00')), iso(t('2026-10-25T02:30+02:00'))]);
    // A 25-hour day off-peak from 00:00 to 02:30 (CEST) and from 22:00 (CET): 2.5 + 2 hours.
    expect(week.rows[0]!.hoursShown).toBe(4.5);
  });

  it('the page labels the short day and marks the change at its instant', () => {
    const html = weekHtml(model([berlin], 'Europe/Berlin', '2026-03-25', 7), { files: [], generatedAt: 0 });
    expect(html).toContain('data-kind="dst" data-date="2026-03-29" data-at="2026-03-29T01:00:00.000Z"');
    expect(html).toContain('23 h day');
    expect(html).toContain('Sun 29 Mar: clocks go forward 02:00 → 03:00, a 23-hour day');
    expect(html.match(/data-kind="day" /g)).toHaveLength(7);
  });
});

describe('holidays and make-up workdays', () => {
  const calendar = { 'schedules/calendars/cn.yaml': CN_CALENDAR };
  const devNights = ruleFrom(
    ruleYaml(
      'offPeak: ["daily 20:00-08:00", "Sat-Sun"]\nrestore: true\ncalendar: cn',
      'Asia/Shanghai',
      'calendars: { cn: calendars/cn.yaml }',
    ),
    { calendars: calendar },
  );

  it("are marked as the rule calendar's local days, and shape the off-peak stretches", () => {
    const week = model([devNights], 'Asia/Shanghai', '2026-09-30', 11);
    const row = week.rows[0]!;
    expect(row.marks.map((m) => [m.kind, m.date, iso(m.start), iso(m.end)])).toEqual([
      ...['01', '02', '03', '04', '05', '06', '07'].map((d) => [
        'holiday',
        `2026-10-${d}`,
        iso(t(`2026-10-${d}T00:00+08:00`)),
        iso(t(`2026-10-${d}T00:00+08:00`) + 86_400_000),
      ]),
      ['workday', '2026-10-10', iso(t('2026-10-10T00:00+08:00')), iso(t('2026-10-11T00:00+08:00'))],
    ]);
    // Dark from Wednesday 20:00 through the whole holiday to Thursday 8 October 08:00; the make-up
    // Saturday runs like a Monday: started at 08:00, stopped at 20:00.
    expect(row.edges.map((e) => [e.action, iso(e.at)])).toEqual(
      [
        ['start', '2026-09-30T08:00'],
        ['stop', '2026-09-30T20:00'],
        ['start', '2026-10-08T08:00'],
        ['stop', '2026-10-08T20:00'],
        ['start', '2026-10-09T08:00'],
        ['stop', '2026-10-09T20:00'],
        ['start', '2026-10-10T08:00'],
        ['stop', '2026-10-10T20:00'],
      ].map(([a, at]) => [a, iso(t(`${at}+08:00`))]),
    );
  });

  it('the page draws one band per marked day with its instants', () => {
    const html = weekHtml(model([devNights], 'Asia/Shanghai', '2026-10-05', 7), { files: [], generatedAt: 0 });
    expect(
      [...html.matchAll(/data-kind="(holiday|workday)" data-rule="r" data-date="([\d-]+)" data-start="([^"]+)"/g)].map((m) => [
        m[1],
        m[2],
        m[3],
      ]),
    ).toEqual([
      ['holiday', '2026-10-05', '2026-10-04T16:00:00.000Z'],
      ['holiday', '2026-10-06', '2026-10-05T16:00:00.000Z'],
      ['holiday', '2026-10-07', '2026-10-06T16:00:00.000Z'],
      ['workday', '2026-10-10', '2026-10-09T16:00:00.000Z'],
    ]);
    expect(html).toContain('make-up workday');
  });

  it('the week the calendar runs out marks the days it does not cover, and the page says why', () => {
    // 28 December 2026 - 3 January 2027: cn.yaml lists 2026 only, so New Year's Day 2027 is drawn
    // as the ordinary Friday it is to the engine (started at 08:00, stopped at 20:00), marked.
    const week = model([devNights], 'Asia/Shanghai', '2026-12-28', 7);
    const row = week.rows[0]!;
    expect(row.marks.map((m) => [m.kind, m.date, iso(m.start), iso(m.end), m.note])).toEqual(
      ['01', '02', '03'].map((d) => [
        'uncovered',
        `2027-01-${d}`,
        iso(t(`2027-01-${d}T00:00+08:00`)),
        iso(t(`2027-01-${d}T00:00+08:00`) + 86_400_000),
        'schedules/calendars/cn.yaml lists no dates after 2026',
      ]),
    );
    expect(row.edges.filter((e) => e.at >= t('2027-01-01T00:00+08:00')).map((e) => [e.action, iso(e.at)])).toEqual([
      ['start', iso(t('2027-01-01T08:00+08:00'))],
      ['stop', iso(t('2027-01-01T20:00+08:00'))],
    ]);
    const html = weekHtml(week, { files: [], generatedAt: 0 });
    expect([...html.matchAll(/data-kind="uncovered" data-rule="r" data-date="([\d-]+)"/g)].map((m) => m[1])).toEqual([
      '2027-01-01',
      '2027-01-02',
      '2027-01-03',
    ]);
    expect(html).toContain(
      '<title>2027-01-01: not covered by the calendar (schedules/calendars/cn.yaml lists no dates after 2026), counts as an ordinary day</title>',
    );
    expect(html).toContain('not covered: the calendar runs out (an ordinary day)');
  });

  it("a country's holidays are marked with their names: Munich's Epiphany and Corpus Christi, none in Berlin", () => {
    const rule = (name: string, state: string) =>
      ruleFrom(
        ruleYaml(
          `offPeak: ["daily 20:00-08:00", "Sat-Sun"]\nrestore: true\ncalendar: local`,
          'Europe/Berlin',
          `calendars: { local: { country: DE, state: ${state} } }`,
        ).replace('name: r', `name: ${name}`),
      );
    const week = model([rule('munich', 'BY'), rule('berlin', 'BE')], 'Europe/Berlin', '2027-01-04', 7);
    expect(week.rows.map((r) => r.marks.map((m) => [m.kind, m.date, m.name, iso(m.start)]))).toEqual([
      [['holiday', '2027-01-06', 'Epiphany', iso(t('2027-01-06T00:00+01:00'))]],
      [],
    ]);
    const html = weekHtml(week, { files: [], generatedAt: 0 });
    expect(html).toContain('<title>2027-01-06: Epiphany, a holiday, counts as a Sunday</title>');
    const june = model([rule('munich', 'BY'), rule('berlin', 'BE')], 'Europe/Berlin', '2027-05-24', 7);
    expect(june.rows.map((r) => r.marks.map((m) => `${m.date} ${m.name ?? ''}`))).toEqual([['2027-05-27 Corpus Christi'], []]);
  });

  it('a cron rule ignores calendars, so it has no marks', () => {
    const cron = ruleFrom(ruleYaml('stop: "0 21 * * *"'));
    expect(model([cron], 'Asia/Shanghai', '2026-10-01', 7).rows[0]!.marks).toEqual([]);
  });
});

describe('hours off per week', () => {
  it('"nights and weekends" is 108 hours in an ordinary week and 132 in the National Day week', () => {
    const plain = ruleFrom(ruleYaml('offPeak: ["daily 20:00-08:00", "Sat-Sun"]'));
    expect(model([plain], 'Asia/Shanghai', '2026-11-23', 7).rows[0]!.hoursOffPerWeek).toBe(108);
    const withCalendar = ruleFrom(
      ruleYaml('offPeak: ["daily 20:00-08:00", "Sat-Sun"]\ncalendar: cn', 'Asia/Shanghai', 'calendars: { cn: calendars/cn.yaml }'),
      {
        calendars: { 'schedules/calendars/cn.yaml': CN_CALENDAR },
      },
    );
    // Mon 5 - Wed 7 are holidays (72 h), Thu and Fri nights (12 h each), Saturday works (12 h), Sunday (24 h).
    expect(model([withCalendar], 'Asia/Shanghai', '2026-10-05', 7).rows[0]!.hoursOffPerWeek).toBe(132);
  });

  it('averages at least a week, so a one-day page does not call one Sunday the week', () => {
    const plain = ruleFrom(ruleYaml('offPeak: ["Sat-Sun"]'));
    const week = model([plain], 'Asia/Shanghai', '2026-11-29', 1);
    expect(week.savingsDays).toBe(7);
    expect(week.rows[0]!.hoursShown).toBe(24);
    expect(week.rows[0]!.hoursOffPerWeek).toBe(48);
  });
});

describe('savings in the week model', () => {
  const nights = ruleFrom(ruleYaml('offPeak: ["daily 20:00-08:00", "Sat-Sun"]\nexclude: { tags: { offpeak: never } }'));
  const sae = (id: string, tags: Record<string, string> = {}): WeekResource => ({
    product: 'sae',
    id,
    name: id,
    region: 'cn-hangzhou',
    tags,
    size: { instances: 2, cpu: 1000, memory: 2048 },
  });
  const box: WeekResource = { product: 'swas', id: 'i-1', name: 'box', region: 'cn-hangzhou', tags: {} };
  const pricing: Pricing = { currency: 'EUR', saeVcpuHour: 0.05, saeGibHour: 0.01, source: 'test prices' };

  it('prices SAE apps by saeSaving, says SWAS is prepaid, and leaves excluded apps out', () => {
    const resources = new Map([['r', [sae('a'), sae('never', { offpeak: 'never' }), box, { ...sae('unsized'), size: undefined }]]]);
    const week = model([nights], 'Asia/Shanghai', '2026-11-23', 7, { resources, pricing });
    const [a, never, swas, unsized] = week.rows[0]!.resources;
    expect(a!.saving).toEqual(saeSaving(108, { instances: 2, cpu: 1000, memory: 2048 }, pricing));
    expect(never!.excluded).toBe('excluded by tag offpeak=never');
    expect(never!.saving).toBeUndefined();
    expect(never!.blocks).toEqual([]);
    expect(swas!.note).toBe(SWAS_PREPAID_NOTE);
    expect(swas!.saving).toBeUndefined();
    expect(unsized!.saving).toBeUndefined();
    expect(week.rows[0]!.saving).toEqual({ perWeek: a!.saving!.perWeek, perMonth: a!.saving!.perMonth, currency: 'EUR' });
  });

  it('counts an app named by two rules once in the total', () => {
    const other = { ...nights, name: 'other' };
    const resources = new Map([
      ['r', [sae('a')]],
      ['other', [sae('a'), sae('b')]],
    ]);
    const week = model([nights, other], 'Asia/Shanghai', '2026-11-23', 7, { resources, pricing });
    const one = saeSaving(108, { instances: 2, cpu: 1000, memory: 2048 }, pricing);
    expect(week.total!.perWeek).toBeCloseTo(2 * one.perWeek, 10);
    expect(week.rows[1]!.saving!.perWeek).toBeCloseTo(2 * one.perWeek, 10);
  });

  it('without --resolve the page shows hours only and says how to get savings', () => {
    const week = model([nights], 'Asia/Shanghai', '2026-11-23', 7);
    expect(week.resolved).toBe(false);
    expect(week.rows[0]!.note).toBe('savings need --resolve');
    const html = weekHtml(week, { files: [], generatedAt: 0 });
    expect(html).toContain('Savings need <code>--resolve</code>');
    expect(html).not.toContain('Saves per week');
  });

  it('with --resolve the page shows the money, the pricing source and the SWAS note', () => {
    const week = model([nights], 'Asia/Shanghai', '2026-11-23', 7, { resources: new Map([['r', [sae('a'), box]]]), pricing });
    const html = weekHtml(week, { files: [], generatedAt: 0 });
    const saving = week.rows[0]!.resources[0]!.saving!;
    expect(html).toContain(`${saving.perWeek.toFixed(2)} EUR`);
    expect(html).toContain(`${saving.perMonth.toFixed(2)} EUR`);
    expect(html).toContain('Source: test prices.');
    expect(html).toContain(SWAS_PREPAID_NOTE);
  });
});

describe('the page', () => {
  const rule = ruleFrom(ruleYaml('offPeak: ["daily 20:00-08:00"]'));

  it('escapes rule names, resource names, file paths and warnings', () => {
    const evil = { ...rule, name: `x<img src=y onerror="alert('1')">&` };
    const resources = new Map([
      [evil.name, [{ product: 'swas' as const, id: 'i-"1"', name: '<script>alert(1)</script>', region: 'cn-hangzhou', tags: {} }]],
    ]);
    const warning = {
      severity: 'warning' as const,
      file: 'schedules/<b>&"odd".yaml',
      line: 1,
      col: 2,
      path: 'rules[0]',
      message: 'window <ends> at "02:30"',
    };
    const html = weekHtml(model([evil], 'Asia/Shanghai', '2026-11-23', 7, { resources, warnings: [warning] }), {
      files: ['schedules/<b>&"odd".yaml'],
      generatedAt: 0,
    });
    expect(html).not.toMatch(/<img|<script|<b>|<ends>/);
    expect(html).toContain('x&lt;img src=y onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('schedules/&lt;b&gt;&amp;&quot;odd&quot;.yaml');
    expect(html).toContain('data-resource="i-&quot;1&quot;"');
    expect(html).toContain('window &lt;ends&gt; at &quot;02:30&quot;');
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });

  it('is self-contained: no scripts, no links or images to fetch', () => {
    const html = weekHtml(model([rule], 'Asia/Shanghai', '2026-11-23', 7), { files: ['schedules/a.yaml'], generatedAt: 0 });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|<img|\ssrc=|\shref=|url\((?!#)/i);
    expect(html).toContain('@media print');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  });

  it('draws each off-peak piece, stop and start with ISO instants on data attributes', () => {
    const restore = ruleFrom(ruleYaml('offPeak: ["daily 20:00-08:00"]\nrestore: true'));
    const week = model([restore], 'Asia/Shanghai', '2026-11-23', 1);
    const html = weekHtml(week, { files: [], generatedAt: 0 });
    const offs = [...html.matchAll(/data-kind="off" data-rule="r" data-date="2026-11-23" data-start="([^"]+)" data-end="([^"]+)"/g)].map(
      (m) => [m[1], m[2]],
    );
    expect(offs).toEqual(spansOf(week.rows[0]!.blocks));
    expect(html).toContain(`data-kind="start" data-rule="r" data-at="${iso(t('2026-11-23T08:00+08:00'))}"`);
    expect(html).toContain(`data-kind="stop" data-rule="r" data-at="${iso(t('2026-11-23T20:00+08:00'))}"`);
  });

  it("lists validate's warnings, or says there are none", () => {
    const { rules, diagnostics } = compileText(ruleYaml('offPeak: ["daily 22:00-02:30"]', 'Europe/Berlin'), {
      at: t('2026-03-01T00:00:00Z'),
    });
    const html = weekHtml(model(rules, 'Europe/Berlin', '2026-03-23', 7, { warnings: diagnostics }), { files: [], generatedAt: 0 });
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(html).toContain('Warnings from validate (2)');
    expect(html).toContain('a time that does not exist (clocks jump from 02:00 to 03:00)');
    expect(weekHtml(model(rules, 'Europe/Berlin', '2026-03-23', 7), { files: [], generatedAt: 0 })).toContain('finds no conflicts');
  });
});
