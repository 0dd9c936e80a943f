import { quote } from '../errors.js';
import type { CountryDays, HolidayType } from './calendar.js';
import { closest } from './issues.js';
import { dayOfDate } from './zone.js';

/**
 * Countries as calendar sources: what the schedule compiler asks of the holiday library. The
 * library (date-holidays) is loaded by the doors (lib/doors/holiday-book.ts) and handed in, so this
 * side stays a pure function of its arguments, and a deployment whose schedules name no country
 * never loads it.
 */

export interface Place {
  readonly country: string;
  readonly state?: string;
  readonly region?: string;
}

/** One holiday of a year as the library gives it: its first date, how many days, and its name. */
export interface LibraryHoliday {
  /** `YYYY-MM-DD`, the date in the country's own calendar */
  readonly date: string;
  readonly days: number;
  readonly name: string;
}

export interface HolidayBook {
  /** Every country the library knows: code → name. */
  countries(): ReadonlyMap<string, string>;
  /**
   * Whether this book holds the country's rules. The function's code package carries only the
   * countries its schedules named when it was made (scripts/bundle.mjs); the command line has all.
   */
  holds(country: string): boolean;
  /** The states (or provinces, prefectures…) of a country the book holds: code → name. */
  states(country: string): ReadonlyMap<string, string>;
  /** The regions of a state: code → name. */
  regions(country: string, state: string): ReadonlyMap<string, string>;
  /** The holidays of the given types that a place keeps in a year, whole days only. */
  holidays(place: Place, types: readonly HolidayType[], year: number): LibraryHoliday[];
}

/** `DE-BY public holidays`, `US public and bank holidays` */
export function placeLabel(place: Place, types: readonly HolidayType[]): string {
  const where = [place.country, place.state, place.region].filter((part) => part !== undefined).join('-');
  const kinds = types.length > 1 ? `${types.slice(0, -1).join(', ')} and ${types.at(-1)!}` : types[0]!;
  return `${where} ${kinds} holidays`;
}

/** A country source as a calendar's source: the book's holidays, by local day. */
export function countryDays(book: HolidayBook, place: Place, types: readonly HolidayType[]): CountryDays {
  return {
    kind: 'country',
    label: placeLabel(place, types),
    holidaysIn(year) {
      const out = new Map<number, string>();
      for (const holiday of book.holidays(place, types, year)) {
        const first = dayOfDate(holiday.date);
        if (first === undefined) continue;
        for (let d = first; d < first + holiday.days; d++) if (!out.has(d)) out.set(d, holiday.name);
      }
      return out;
    },
  };
}

// Codes people reach for that ISO 3166 spells otherwise.
const COUNTRY_ALIASES: Readonly<Record<string, string>> = { UK: 'GB', EL: 'GR' };

/** Where a place's field went wrong, and what to write instead. */
export interface PlaceProblem {
  readonly field: 'country' | 'state' | 'region';
  readonly message: string;
}

/** What is wrong with a place, checked against the book (country, state and region must be ones it knows); undefined when nothing is. */
export function placeProblem(book: HolidayBook, place: Place): PlaceProblem | undefined {
  const countries = book.countries();
  const { country, state, region } = place;
  if (!countries.has(country)) return { field: 'country', message: unknownCountry(country, countries) };
  if (!book.holds(country)) {
    return {
      field: 'country',
      message: `${country} (${countries.get(country)!}) is not in the holiday data of this code package, which holds only the countries its schedules named when it was made; run 'npm run bundle' again and deploy`,
    };
  }
  if (state === undefined) return region === undefined ? undefined : { field: 'region', message: 'a region goes with a state; add state' };
  const states = book.states(country);
  if (!states.has(state)) return { field: 'state', message: unknownPart(state, country, 'state', states) };
  if (region === undefined) return undefined;
  const regions = book.regions(country, state);
  if (!regions.has(region)) return { field: 'region', message: unknownPart(region, `${country}-${state}`, 'region', regions) };
  return undefined;
}

function unknownCountry(code: string, countries: ReadonlyMap<string, string>): string {
  // A name rather than a code ("Germany", "Japan") finds its code by the country's name.
  const guess = COUNTRY_ALIASES[code.toUpperCase()] ?? closestExact(code, [...countries.keys()]) ?? byName(code, countries);
  const hint = guess === undefined ? '' : `; did you mean '${guess}' (${countries.get(guess)})?`;
  return `${quote(code)} is not a country the holiday library knows${hint}; expected an ISO 3166 country code such as DE, US, SG or JP`;
}

function unknownPart(code: string, owner: string, what: 'state' | 'region', known: ReadonlyMap<string, string>): string {
  if (known.size === 0) return `${owner} has no ${what}s in the holiday library; leave out ${what}`;
  const guess = closestExact(code, [...known.keys()]) ?? byName(code, known);
  const hint = guess === undefined ? '' : `; did you mean '${guess}' (${known.get(guess)})?`;
  const list = [...known]
    .slice(0, 20)
    .map(([key, name]) => `${key} (${name})`)
    .join(', ');
  return `${owner} has no ${what} ${quote(code)}${hint}; its ${what}s: ${list}${known.size > 20 ? ` and ${known.size - 20} more` : ''}`;
}

/**
 * The code that differs from `code` only in case. Codes are two or three letters: one letter off
 * is another real code (DE and DK), not a typo to guess at, so nothing looser is suggested.
 */
function closestExact(code: string, codes: readonly string[]): string | undefined {
  return codes.find((candidate) => candidate.toLowerCase() === code.toLowerCase());
}

/** The code whose name is nearest to `text`, for names written where a code goes ("Bavaria", "Japan"). */
function byName(text: string, known: ReadonlyMap<string, string>): string | undefined {
  if (text.length <= 3) return undefined;
  const name = closest(text, [...known.values()]);
  return name === undefined ? undefined : [...known].find(([, n]) => n === name)?.[0];
}
