import { describe, expect, it } from 'vitest';
import { dateOfDay, dayOfDate, isoWeekday, wallClock, wallToInstant } from '../../../lib/schedule/zone.js';

const iso = (ms: number) => new Date(ms).toISOString();
const day = (date: string) => dayOfDate(date)!;

describe('wallToInstant', () => {
  it('maps an ordinary wall time through the zone offset', () => {
    expect(iso(wallToInstant('Asia/Shanghai', day('2026-11-23'), 20 * 60))).toBe('2026-11-23T12:00:00.000Z');
  });

  it('moves a wall time in a spring-forward gap to the first instant after the gap (Berlin)', () => {
    // 2026-03-29: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist and happens at 03:00 local.
    expect(iso(wallToInstant('Europe/Berlin', day('2026-03-29'), 150))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(wallToInstant('Europe/Berlin', day('2026-03-29'), 120))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(wallToInstant('Europe/Berlin', day('2026-03-29'), 180))).toBe('2026-03-29T01:00:00.000Z');
  });

  it('takes the first occurrence of a repeated wall time (Berlin fall-back)', () => {
    // 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:30 happens first at 00:30Z (+02:00).
    expect(iso(wallToInstant('Europe/Berlin', day('2026-10-25'), 150))).toBe('2026-10-25T00:30:00.000Z');
  });

  it('handles New York in both directions', () => {
    // 2026-03-08 02:00 EST → 03:00 EDT; 2026-11-01 02:00 EDT → 01:00 EST.
    expect(iso(wallToInstant('America/New_York', day('2026-03-08'), 150))).toBe('2026-03-08T07:00:00.000Z');
    expect(iso(wallToInstant('America/New_York', day('2026-11-01'), 90))).toBe('2026-11-01T05:30:00.000Z');
  });

  it('treats 24:00 as the next midnight', () => {
    expect(wallToInstant('Asia/Shanghai', day('2026-11-23'), 1440)).toBe(wallToInstant('Asia/Shanghai', day('2026-11-24'), 0));
  });
});

describe('local days', () => {
  it('reads the local date and weekday of an instant', () => {
    const { day: d, msOfDay } = wallClock('Asia/Shanghai', Date.parse('2026-11-22T17:30:00Z'));
    expect(dateOfDay(d)).toBe('2026-11-23');
    expect(isoWeekday(d)).toBe(1); // Monday
    expect(msOfDay).toBe(90 * 60_000);
  });

  it('rejects dates that do not exist', () => {
    expect(dayOfDate('2026-02-29')).toBeUndefined();
    expect(dayOfDate('2028-02-29')).toBeDefined();
    expect(dayOfDate('2026-13-01')).toBeUndefined();
  });
});

describe('formatLocal', () => {
  it('prints the local weekday, date, time and offset', async () => {
    const { formatLocal } = await import('../../../lib/schedule/zone.js');
    expect(formatLocal(Date.parse('2026-11-23T12:00:00Z'), 'Asia/Shanghai')).toBe('Mon 2026-11-23 20:00 +08:00');
    expect(formatLocal(Date.parse('2026-11-01T05:30:00Z'), 'America/New_York')).toBe('Sun 2026-11-01 01:30 -04:00');
    expect(formatLocal(Date.parse('2026-11-01T06:30:00Z'), 'America/New_York')).toBe('Sun 2026-11-01 01:30 -05:00');
    // Lord Howe moves by 30 minutes: 02:00 +10:30 becomes 02:30 +11:00.
    expect(formatLocal(Date.parse('2026-10-03T15:29:00Z'), 'Australia/Lord_Howe')).toBe('Sun 2026-10-04 01:59 +10:30');
    expect(formatLocal(Date.parse('2026-10-03T15:30:00Z'), 'Australia/Lord_Howe')).toBe('Sun 2026-10-04 02:30 +11:00');
  });
});
