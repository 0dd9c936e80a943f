import { describe, expect, it } from 'vitest';
import { parseWindow, type WeeklyWindow } from '../../../lib/schedule/window.js';

const weekly = (text: string) => {
  const parsed = parseWindow(text, 'Asia/Shanghai');
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value as WeeklyWindow;
};
const error = (text: string) => {
  const parsed = parseWindow(text, 'Asia/Shanghai');
  if (parsed.ok) throw new Error(`'${text}' parsed`);
  return parsed.message;
};

describe('window grammar', () => {
  it('reads days, ranges, lists and daily', () => {
    expect([...weekly('Mon-Fri 20:00-08:00').days]).toEqual([1, 2, 3, 4, 5]);
    expect([...weekly('sat-sun').days]).toEqual([6, 7]);
    expect([...weekly('Mon,Wed,Fri').days]).toEqual([1, 3, 5]);
    expect([...weekly('Mon, Wed,Fri 09:00-10:00').days]).toEqual([1, 3, 5]);
    expect([...weekly('daily 01:00-02:00').days].sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('wraps ranges through the week end', () => {
    expect([...weekly('Fri-Mon').days].sort()).toEqual([1, 5, 6, 7]);
    expect([...weekly('Sun-Sun').days]).toEqual([7]);
  });

  it('reads times; no times means the whole day; 24:00 only ends', () => {
    expect(weekly('Mon 20:00-08:00')).toMatchObject({ startMinute: 1200, endMinute: 480 });
    expect(weekly('Mon')).toMatchObject({ startMinute: 0, endMinute: 1440 });
    expect(weekly('Mon 18:00-24:00')).toMatchObject({ startMinute: 1080, endMinute: 1440 });
    expect(error('Mon 24:00-08:00')).toMatch(/24:00 can only end a window/);
  });

  it('rejects what is not a window, saying the fix', () => {
    expect(error('Mon 08:00-08:00')).toMatch(/same time; for whole days leave the times out/);
    expect(error('Mnd 08:00-09:00')).toMatch(/'Mnd' is not a day; days are Mon Tue/);
    expect(error('Mon-Fri 8:00-17:00')).toMatch(/'8:00' is not a time; write two-digit HH:MM/);
    expect(error('Mon 25:00-26:00')).toMatch(/no hour 25/);
    expect(error('Mon 12:60-13:00')).toMatch(/no minute 60/);
    expect(error('Mon 20:00')).toMatch(/is not a time range; write HH:MM-HH:MM/);
    expect(error('Mon-Wed-Fri')).toMatch(/not a day range/);
    expect(error('')).toMatch(/empty/);
  });

  it('reads absolute intervals with and without offsets', () => {
    const abs = parseWindow('2026-12-24T18:00+08:00/2026-12-27T08:00+08:00', 'UTC');
    expect(abs).toEqual({
      ok: true,
      value: {
        kind: 'absolute',
        text: '2026-12-24T18:00+08:00/2026-12-27T08:00+08:00',
        start: Date.parse('2026-12-24T10:00:00Z'),
        end: Date.parse('2026-12-27T00:00:00Z'),
      },
    });
    const local = parseWindow('2026-12-24T18:00/2026-12-27T08:00', 'Asia/Shanghai');
    expect(local.ok && local.value.kind === 'absolute' && local.value.start).toBe(Date.parse('2026-12-24T10:00:00Z'));
    expect(error('2026-12-27T08:00+08:00/2026-12-24T18:00+08:00')).toMatch(/ends before it starts/);
    expect(error('2026-02-30T08:00/2026-03-01T08:00')).toMatch(/is not a date-time: there is no day 2026-02-30/);
  });

  it('reads the ends of absolute intervals in every form --at takes', () => {
    const start = Date.parse('2026-12-24T10:00:00Z');
    const end = Date.parse('2026-12-27T00:00:00Z');
    for (const text of [
      '2026-12-24T18:00:00+08:00/2026-12-27T08:00:00+08:00',
      '2026-12-24T10:00:00.000Z/2026-12-27T00:00:00.000Z',
      '2026-12-24T18:00+0800/2026-12-27T08:00+08',
      '2026-12-24T18:00:00,000000000+08:00/2026-12-27T08:00:00,000000000+08:00',
      '2026-12-24T18:00:00/2026-12-27T08:00:00.000',
    ]) {
      const parsed = parseWindow(text, 'Asia/Shanghai');
      expect(parsed.ok && parsed.value.kind === 'absolute' && [parsed.value.start, parsed.value.end]).toEqual([start, end]);
    }
  });
});
