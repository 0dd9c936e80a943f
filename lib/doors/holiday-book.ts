import Holidays, { type Holiday } from 'date-holidays-parser';
import type { HolidayType } from '../schedule/calendar.js';
import type { HolidayBook, LibraryHoliday, Place } from '../schedule/holidays.js';
import { holidayData } from './holiday-data.js';

/**
 * The holiday library (date-holidays) as the schedule compiler asks for it. Loaded only when a
 * schedule file names a country (schedule-files.ts imports this module on demand), so neither the
 * parser nor the data is on the cold path of a function whose calendars are all files; in the
 * function's code package this module is a file of its own, holiday-book.js (scripts/bundle.mjs).
 */

const DAY = 86_400_000;

export function holidayBook(): HolidayBook {
  const { data } = holidayData;
  const all = new Holidays(data);
  const countries = new Map(Object.entries(holidayData.countries ?? all.getCountries('en')));
  const parsers = new Map<string, Holidays>();
  const parserFor = (place: Place, types: readonly HolidayType[]): Holidays => {
    const key = JSON.stringify([place.country, place.state, place.region, types]);
    let parser = parsers.get(key);
    if (!parser) {
      parser = new Holidays(data, { ...place }, { languages: ['en'], types: [...types] });
      // offpeak reads only each holiday's date and length in days; the instants of its start and
      // end in the country's zone would cost a time zone library for nothing.
      parser.setTimezone(undefined);
      parsers.set(key, parser);
    }
    return parser;
  };
  return {
    countries: () => countries,
    holds: (country) => Object.hasOwn(data.holidays, country),
    states: (country) => new Map(Object.entries(all.getStates(country, 'en') ?? {})),
    regions: (country, state) => new Map(Object.entries(all.getRegions(country, state, 'en') ?? {})),
    holidays: (place, types, year) => parserFor(place, types).getHolidays(year).flatMap(wholeDays),
  };
}

/**
 * A holiday as whole local days, or none. The library also lists days off from a time of day (an
 * afternoon off on Christmas Eve, half a day for some groups): a calendar day is a holiday or not,
 * so those do not count.
 */
function wholeDays(holiday: Holiday): LibraryHoliday[] {
  if (holiday.date.slice(11, 19) !== '00:00:00') return [];
  const days = Math.max(1, Math.round((holiday.end.getTime() - holiday.start.getTime()) / DAY));
  return [{ date: holiday.date.slice(0, 10), days, name: holiday.name }];
}
