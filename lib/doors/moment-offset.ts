/**
 * The part of moment-timezone that date-holidays-parser uses, for the function's code package.
 * The parser calls it in one place (Equinox.js: the date of an equinox or solstice in a zone):
 * `moment(isoInstant).utcOffset('+09:00')` or `.tz('Asia/Tokyo')`, then `.month()` and `.date()`.
 * moment-timezone carries every zone's history in 730 kB of data that Node's own Intl already
 * has, so scripts/bundle.mjs puts this module in its place; the command line keeps the real one
 * (test/unit/doors/moment-offset.test.ts checks that the two agree).
 */

interface Day {
  /** 0 = January, as moment counts */
  month(): number;
  date(): number;
}

interface Instant {
  utcOffset(offset: string): Day;
  tz(zone: string): Day;
}

const MINUTE = 60_000;

export default function moment(iso: string): Instant {
  const at = Date.parse(iso);
  return {
    utcOffset(offset) {
      const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset);
      if (!match) throw new RangeError(`not a UTC offset: ${offset}`);
      const minutes = (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3] ?? 0));
      const local = new Date(at + minutes * MINUTE);
      return { month: () => local.getUTCMonth(), date: () => local.getUTCDate() };
    },
    tz(zone) {
      const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(
        at,
      );
      const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
      return { month: () => part('month') - 1, date: () => part('day') };
    },
  };
}
