/**
 * The parts of date-holidays and date-holidays-parser that offpeak uses (lib/doors/holiday-book.ts).
 * The parser ships its types only for CommonJS resolution, and the data module none; these
 * declarations follow their README and types/index.d.ts (date-holidays 3.37, date-holidays-parser 3.4).
 */

declare module 'date-holidays-parser' {
  export interface HolidayData {
    readonly version?: string;
    readonly holidays: Record<string, unknown>;
    readonly names?: Record<string, unknown>;
  }

  export interface Holiday {
    /** `YYYY-MM-DD hh:mm:ss`, sometimes with an offset after it */
    readonly date: string;
    readonly start: Date;
    readonly end: Date;
    readonly name: string;
    readonly type: string;
    readonly substitute?: boolean;
  }

  export interface Options {
    languages?: string | string[];
    types?: string[];
  }

  export default class Holidays {
    constructor(data: HolidayData, opts?: Options);
    constructor(data: HolidayData, country: string | { country: string; state?: string; region?: string }, opts?: Options);
    constructor(data: HolidayData, country: string, state: string, opts?: Options);
    constructor(data: HolidayData, country: string, state: string, region: string, opts?: Options);
    getHolidays(year: number, lang?: string): Holiday[];
    /** undefined: start and end are local dates of the process, with no time zone library asked */
    setTimezone(timezone: string | undefined): void;
    getCountries(lang?: string): Record<string, string>;
    getStates(country: string, lang?: string): Record<string, string> | undefined;
    getRegions(country: string, state: string, lang?: string): Record<string, string> | undefined;
  }
}

declare module 'date-holidays/data' {
  import type { HolidayData } from 'date-holidays-parser';
  export const data: HolidayData & { readonly version: string };
}
