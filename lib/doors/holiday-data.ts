import type { HolidayData } from 'date-holidays-parser';
import { data } from 'date-holidays/data';

/**
 * The holiday library's data, as holiday-book.ts reads it. Here: every country, for the command
 * line. The function's code package replaces this module with one that holds only the countries its
 * schedules name, and the codes and names of all the others (scripts/bundle.mjs), so the data of
 * some 200 countries never reaches a function that needs two.
 */
export interface BookData {
  readonly data: HolidayData;
  /** Every country the library knows, code → name, when `data` holds only some of them. */
  readonly countries?: Readonly<Record<string, string>>;
}

export const holidayData: BookData = { data };
