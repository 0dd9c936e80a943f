import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../../lib/schedule/instant.js';

/**
 * parseInstant: the one reader of typed instants (--at, the event's at and triggerTime, the snooze
 * tag, absolute windows). Every ISO-8601 form with an offset is taken; anything else is an error
 * that quotes the text and says what to write.
 */

const T = Date.parse('2026-12-01T12:00:00Z');

const value = (text: string, zone?: string): number => {
  const parsed = parseInstant(text, zone);
  if (!parsed.ok) throw new Error(`expected ${text} to parse: ${parsed.message}`);
  return parsed.value;
};

const message = (text: string, zone?: string): string => {
  const parsed = parseInstant(text, zone);
  if (parsed.ok) throw new Error(`expected ${text} to be refused, got ${new Date(parsed.value).toISOString()}`);
  return parsed.message;
};

describe('parseInstant: forms taken', () => {
  it.each([
    // What offpeak prints: toISOString().
    '2026-12-01T12:00:00.000Z',
    '2026-12-01T12:00:00Z',
    '2026-12-01T12:00Z',
    '2026-12-01T12:00:00z',
    '2026-12-01t12:00:00Z',
    '2026-12-01 12:00:00Z',
    '2026-12-01T20:00+08:00',
    '2026-12-01T20:00:00+08:00',
    '2026-12-01T20:00:00+0800',
    '2026-12-01T20:00:00+08',
    '2026-12-01T20:00+0800',
    '2026-12-01T20:00+08',
    '2026-12-01T06:30:00-05:30',
    '2026-12-01T12:00:00-00:00',
    '2026-12-01T12:00:00+00:00',
    // `date -Ins` and `date --iso-8601=ns`: a comma or a dot and nine digits.
    '2026-12-01T20:00:00,000000000+08:00',
    '2026-12-01T20:00:00.000000000+08:00',
    '2026-12-01T12:00:00.0Z',
    '2026-12-01T12:00:00.000000Z',
    // ISO 8601 basic format.
    '20261201T120000Z',
    '20261201T1200Z',
    '20261201T200000+0800',
    '20261201T200000.000+08',
    // Whitespace around is not part of the value.
    '  2026-12-01T12:00Z\n',
  ])('%s', (text) => {
    expect(value(text)).toBe(T);
  });

  it('keeps a fraction to the millisecond, cut rather than rounded', () => {
    expect(value('2026-12-01T12:00:00.123456789Z')).toBe(T + 123);
    expect(value('2026-12-01T12:00:00,123456789Z')).toBe(T + 123);
    expect(value('2026-12-01T12:00:00.9999Z')).toBe(T + 999);
    expect(value('2026-12-01T12:00:00.5Z')).toBe(T + 500);
    expect(value('2026-12-01T12:00:00.05Z')).toBe(T + 50);
    expect(value(`2026-12-01T12:00:00.1${'0'.repeat(100)}Z`)).toBe(T + 100);
  });

  it('agrees with Date.parse on what both read', () => {
    for (const text of ['2026-12-01T12:00:00.000Z', '2026-02-28T23:59:59+14:00', '2024-02-29T00:00-12:00', '1999-12-31T23:59:59.999Z']) {
      expect(value(text)).toBe(Date.parse(text));
    }
  });

  it('reads what toISOString prints back as the same instant', () => {
    for (const ms of [0, T, T + 1, Date.parse('2099-12-31T23:59:59.999Z'), Date.parse('2000-02-29T00:00:00Z')]) {
      expect(value(new Date(ms).toISOString())).toBe(ms);
    }
  });

  it('reads what `date -Ins` prints, when the system has GNU date', () => {
    let printed: string;
    try {
      printed = execFileSync('date', ['-Ins'], { encoding: 'utf8', env: { ...process.env, TZ: 'Asia/Shanghai' } }).trim();
    } catch {
      return;
    }
    if (!/^\d{4}-/.test(printed)) return;
    expect(Math.abs(value(printed) - Date.now())).toBeLessThan(60_000);
  });

  it('reads years before 100 as written, not as 19xx', () => {
    expect(new Date(value('0050-01-01T00:00Z')).getUTCFullYear()).toBe(50);
  });
});

describe('parseInstant: with a zone, a wall time without an offset', () => {
  it('is read in the zone', () => {
    expect(value('2026-12-01T20:00', 'Asia/Shanghai')).toBe(T);
    expect(value('2026-12-01T20:00:00.250', 'Asia/Shanghai')).toBe(T + 250);
    expect(value('20261201T2000', 'Asia/Shanghai')).toBe(T);
  });

  it('still takes an offset when one is written', () => {
    expect(value('2026-12-01T12:00Z', 'Asia/Shanghai')).toBe(T);
  });

  it('resolves a time in a spring-forward gap to the first instant after it', () => {
    expect(value('2026-03-29T02:30', 'Europe/Berlin')).toBe(Date.parse('2026-03-29T01:00:00Z'));
  });
});

describe('parseInstant: refused', () => {
  it('a wall time without an offset, when no zone is given: the message shows the fix', () => {
    expect(message('2026-12-01T20:00')).toBe(`'2026-12-01T20:00' needs an offset or Z, e.g. 2026-12-01T20:00+08:00 or 2026-12-01T20:00Z`);
    expect(message('2026-12-01T20:00:00.123')).toBe(
      `'2026-12-01T20:00:00.123' needs an offset or Z, e.g. 2026-12-01T20:00:00+08:00 or 2026-12-01T20:00:00Z`,
    );
    expect(message('20261201T200000')).toMatch(/needs an offset or Z, e\.g\. 2026-12-01T20:00:00\+08:00/);
  });

  it.each([
    ['2026-02-30T08:00Z', 'there is no day 2026-02-30'],
    ['2025-02-29T08:00Z', 'there is no day 2025-02-29'],
    ['2026-13-01T08:00Z', 'there is no day 2026-13-01'],
    ['2026-00-10T08:00Z', 'there is no day 2026-00-10'],
    ['2026-04-31T08:00Z', 'there is no day 2026-04-31'],
    ['2026-12-01T25:00Z', 'there is no hour 25'],
    ['2026-12-01T24:00Z', 'write 24:00 as 00:00 of the next day'],
    ['2026-12-01T12:60Z', 'there is no minute 60'],
    ['2026-12-01T12:00:60Z', 'there is no second 60'],
    ['2026-12-01T12:00+24:00', 'there is no offset +24:00'],
    ['2026-12-01T12:00+08:60', 'there is no offset +08:60'],
  ])('%s: %s', (text, why) => {
    expect(message(text).startsWith(`'${text}' is not an ISO instant: ${why}`)).toBe(true);
  });

  it.each([
    '',
    'now',
    'yesterday',
    '2026-12-01T12Z',
    '2026-12-01T1:00Z',
    '2026-12-1T12:00Z',
    '26-12-01T12:00Z',
    '2026-12-01T12:00:00.Z',
    '2026-12-01T12:00.5Z',
    '2026-12-01T12:00:00+8:00',
    '2026-12-01T12:00:00+08:0',
    '2026-12-01T12:00:00 +08:00',
    '2026-12-01T12:00:00UTC',
    '2026-12-01T12:00:00GMT+8',
    '2026-12-01T12:00:00+08:00[Asia/Shanghai]',
    '12/01/2026 20:00',
    'Tue, 01 Dec 2026 12:00:00 GMT',
    '1795521600000',
    '2026-12-01T12:00:00Z/2026-12-02T12:00:00Z',
  ])('%j is not an ISO instant; the message quotes it and shows the form', (text) => {
    const why = message(text);
    expect(why.startsWith(`'${text}' is not an ISO instant; `)).toBe(true);
    expect(why).toMatch(/with an offset Z, \+08:00, \+0800 or \+08, e\.g\. 2026-12-24T18:00\+08:00/);
  });

  it('a date alone: says a time of day is missing', () => {
    expect(message('2026-12-01')).toBe(`'2026-12-01' is not an ISO instant; a date needs a time of day too, e.g. 2026-12-01T00:00+08:00`);
    expect(message('2026-12-01', 'Asia/Shanghai')).toBe(
      `'2026-12-01' is not a date-time; a date needs a time of day too, e.g. 2026-12-01T00:00`,
    );
  });

  it('says "date-time" and allows no offset in the form when a zone is given', () => {
    expect(message('soon', 'Asia/Shanghai')).toMatch(/^'soon' is not a date-time; write YYYY-MM-DDTHH:MM\[:SS\[\.fff\]\], with an offset/);
    expect(message('2026-02-30T08:00', 'Asia/Shanghai')).toBe(`'2026-02-30T08:00' is not a date-time: there is no day 2026-02-30`);
  });

  it('quotes at most 80 characters of a long text, with its length', () => {
    const why = message('2'.repeat(4000));
    expect(why.startsWith(`'${'2'.repeat(80)}…' (4,000 characters) is not an ISO instant; `)).toBe(true);
    expect(why.length).toBeLessThan(300);
  });
});
