import momentTimezone from 'moment-timezone';
import { describe, expect, it } from 'vitest';
import moment from '../../../lib/doors/moment-offset.js';

/**
 * The stand-in for moment-timezone in the function's code package agrees with moment-timezone on
 * what date-holidays-parser asks of it: the month and day of an instant at a UTC offset or in a zone.
 */

// Equinoxes and solstices near a local midnight, where a wrong offset moves the date.
const INSTANTS = ['2027-03-20T20:24:40.000Z', '2027-09-23T06:01:31.000Z', '2026-12-21T20:50:00.000Z', '2024-06-20T20:51:00.000Z'];
const OFFSETS = ['+09:00', '+08:00', '-05:00', '+05:45', '+00:00'];
const ZONES = ['Asia/Tokyo', 'America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'Asia/Kathmandu'];

describe('moment-offset', () => {
  it('utcOffset(offset): the same month and date as moment-timezone', () => {
    const ours = INSTANTS.flatMap((iso) => OFFSETS.map((o) => [iso, o, moment(iso).utcOffset(o).month(), moment(iso).utcOffset(o).date()]));
    const theirs = INSTANTS.flatMap((iso) =>
      OFFSETS.map((o) => [iso, o, momentTimezone(iso).utcOffset(o).month(), momentTimezone(iso).utcOffset(o).date()]),
    );
    expect(ours).toEqual(theirs);
    expect(ours).toHaveLength(20);
  });

  it('tz(zone): the same month and date as moment-timezone', () => {
    const ours = INSTANTS.flatMap((iso) => ZONES.map((z) => [iso, z, moment(iso).tz(z).month(), moment(iso).tz(z).date()]));
    const theirs = INSTANTS.flatMap((iso) =>
      ZONES.map((z) => [iso, z, momentTimezone(iso).tz(z).month(), momentTimezone(iso).tz(z).date()]),
    );
    expect(ours).toEqual(theirs);
  });

  it('the March equinox of 2027 is on 21 March in Japan and on 20 March in New York', () => {
    expect([moment(INSTANTS[0]!).utcOffset('+09:00').date(), moment(INSTANTS[0]!).tz('America/New_York').date()]).toEqual([21, 20]);
  });

  it('refuses what is not an offset', () => {
    expect(() => moment(INSTANTS[0]!).utcOffset('Asia/Tokyo')).toThrow('not a UTC offset: Asia/Tokyo');
  });
});
