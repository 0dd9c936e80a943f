import * as z from 'zod';
import { CRON_FORM } from './cron.js';
import { DURATION_FORM } from './duration.js';
import { HOLIDAY_FORM, HOLIDAY_TYPES } from './calendar.js';
import { WINDOW_FORM } from './window.js';
import { accountRef, accountsSchema } from './accounts.js';
import { channelsSchema, peopleRuleFields } from './people.js';

/**
 * The shape of schedule and calendar files: the one source of truth for the runtime validator and
 * for the JSON Schema published at schedules/schema.json (`offpeak schema --write`).
 * Each field's `description` is also the "expected form" that validation errors quote, so editors
 * and the CLI teach the same thing. Meaning (windows, zones, crons) is checked in validate.ts.
 */

export const RULE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const REGION = /^[a-z]{2,}(-[a-z0-9]+)+$/;

const text = (description: string) => z.string().min(1).meta({ description });

const tags = z
  .record(z.string().min(1), z.string())
  .meta({ description: "a map of tag keys to string values, e.g. { env: dev } (quote numbers: { tier: '1' })" });

const region = z.string().regex(REGION).meta({ description: "a region id such as 'cn-hangzhou'" });

const saeTarget = z
  .strictObject({
    region,
    appId: text('an SAE application id, e.g. 0099b7be-5f5b-4512-a7fc-56049ef1aaaa').optional(),
    namespaceId: text("an SAE namespace id, e.g. 'cn-hangzhou:dev'").optional(),
    appName: text("an application name, or a glob such as 'dev-*'").optional(),
    tags: tags.optional(),
    account: accountRef.optional(),
  })
  .meta({ description: 'SAE applications: region plus either appId, or selectors (namespaceId, appName, tags)' });

const swasTarget = z
  .strictObject({
    region,
    instanceIds: z
      .array(text('a SWAS instance id'))
      .min(1)
      .meta({ description: 'a list of SWAS instance ids, e.g. [ace0706b2ac4454d984295a94213aaaa]' })
      .optional(),
    instanceName: text("an instance name, or a glob such as 'demo-*'").optional(),
    tags: tags.optional(),
    account: accountRef.optional(),
  })
  .meta({ description: 'SWAS instances: region plus either instanceIds, or selectors (instanceName, tags)' });

const targets = z
  .strictObject({
    sae: z.array(saeTarget).meta({ description: 'a list of SAE target entries' }).optional(),
    swas: z.array(swasTarget).meta({ description: 'a list of SWAS target entries' }).optional(),
  })
  .meta({ description: 'what the rule stops: { sae: [...], swas: [...] }' });

const exclude = z
  .strictObject({
    tags: tags.optional(),
    ids: z
      .array(text('an SAE application id or a SWAS instance id'))
      .meta({ description: 'resource ids never touched by this rule' })
      .optional(),
  })
  .meta({ description: 'resources never touched: { tags: { offpeak: never }, ids: [...] }' });

const windows = z
  .array(z.string().meta({ description: `a window: ${WINDOW_FORM}` }))
  .min(1)
  .meta({ description: `a list of windows, each ${WINDOW_FORM}` });

const zone = text("an IANA time zone such as 'Asia/Shanghai' or 'Europe/Berlin'");

export const ruleSchema = z
  .strictObject({
    name: z
      .string()
      .regex(RULE_NAME)
      .meta({ description: "a unique name: lowercase letters, digits and '-', at most 63 characters, e.g. 'dev-nights'" }),
    description: z.string().meta({ description: 'free text for people' }).optional(),
    timezone: zone.optional(),
    offPeak: windows.optional(),
    onPeak: windows.optional(),
    stop: text(`a cron of stop times: ${CRON_FORM}`).optional(),
    start: text(`a cron of start times (with stop only): ${CRON_FORM}`).optional(),
    restore: z.boolean().meta({ description: 'true to start the targets again when off-peak ends (default false)' }).optional(),
    enforce: z
      .boolean()
      .meta({ description: 'true to stop running targets at every run while off-peak, not only at edges (default false)' })
      .optional(),
    catchUp: text(`how far back a run looks for missed edges: ${DURATION_FORM} (default 0)`).optional(),
    calendar: text("the name of a calendar declared under the file's calendars").optional(),
    targets,
    exclude: exclude.optional(),
    ...peopleRuleFields,
  })
  .meta({ description: 'a rule: name, exactly one of offPeak, onPeak or stop, and targets' });

/**
 * A price: a positive, finite number. Positivity is a refinement rather than `.positive()` so a
 * wrong value reads "got number -1; expected …" (issues.ts words `too_small` as "is empty", which
 * fits lists and text, not prices); `exclusiveMinimum` keeps the JSON Schema as strict as the runtime.
 */
const price = (description: string) =>
  z
    .number()
    .refine((value) => value > 0)
    .meta({ description, exclusiveMinimum: 0 });

export const CURRENCY = /^[A-Z]{3}$/;

export const pricingSchema = z
  .strictObject({
    currency: z.string().regex(CURRENCY).meta({ description: "a 3-letter currency code in capitals, e.g. 'CNY'" }),
    saeVcpuHour: price('the SAE price of one vCPU for one hour, a positive number, e.g. 0.185184'),
    saeGibHour: price('the SAE price of one GiB of memory for one hour, a positive number, e.g. 0.046296'),
  })
  .meta({
    description: 'your SAE prices, for the savings offpeak shows: { currency: CNY, saeVcpuHour: 0.185184, saeGibHour: 0.046296 }',
  });

const CALENDARS_FORM = 'calendar names mapped to their sources, e.g. { cn: calendars/cn.yaml, munich: { country: DE, state: BY } }';

const calendarPath = text('a calendar file path, relative to this file, e.g. calendars/cn.yaml');

/** A country (or a state of it) whose holidays the date-holidays library knows. */
export const countrySourceSchema = z
  .strictObject({
    country: text("a country code (ISO 3166), e.g. 'DE', 'US', 'SG' or 'JP'"),
    state: text("a state, province or prefecture of the country, by its code, e.g. 'BY' (Bavaria) in DE").optional(),
    region: text("a region of the state, by its code, e.g. 'KATH' in DE-BY").optional(),
    types: z
      .array(z.enum(HOLIDAY_TYPES).meta({ description: `a holiday type: ${HOLIDAY_TYPES.join(', ')}` }))
      .min(1)
      .meta({ description: `the holiday types that count, from ${HOLIDAY_TYPES.join(', ')} (default [public])` })
      .optional(),
  })
  .meta({ description: "a country's holidays from the date-holidays library, e.g. { country: DE, state: BY }" });

export const CALENDAR_FORM =
  'a calendar file path (calendars/cn.yaml), a country ({ country: DE, state: BY }), or a list of them, e.g. [calendars/acme.yaml, { country: DE, state: BY }]';

const calendarSource = z.union([calendarPath, countrySourceSchema]);

/** What editors see for a `calendars` entry; compile.ts reads each entry by its kind for messages that name the field. */
const calendarEntry = z.union([calendarSource, z.array(calendarSource).min(1)]).meta({ description: CALENDAR_FORM });

export const scheduleFileSchema = z
  .strictObject({
    version: z.literal(1).meta({ description: 'the format version: 1' }),
    timezone: zone.optional(),
    pricing: pricingSchema.optional(),
    calendars: z
      .record(z.string().regex(RULE_NAME), z.unknown().meta({ description: CALENDAR_FORM }))
      .meta({ description: CALENDARS_FORM })
      .optional(),
    accounts: accountsSchema.optional(),
    channels: channelsSchema.optional(),
    rules: z.array(z.unknown()).meta({ description: 'a list of rules' }),
  })
  .meta({ description: 'an offpeak schedule file' });

/** The schema editors see: the file with each rule's and each calendar's shape filled in. */
export const publishedScheduleSchema = scheduleFileSchema.extend({
  calendars: z.record(z.string().regex(RULE_NAME), calendarEntry).meta({ description: CALENDARS_FORM }).optional(),
  rules: z.array(ruleSchema).meta({ description: 'a list of rules' }),
});

export const calendarFileSchema = z
  .strictObject({
    version: z.literal(1).meta({ description: 'the format version: 1' }).optional(),
    description: z.string().meta({ description: 'what the calendar is' }).optional(),
    source: z.string().meta({ description: 'where its dates come from' }).optional(),
    holidays: z
      .array(z.string().meta({ description: HOLIDAY_FORM }))
      .meta({ description: `a list of holidays, each ${HOLIDAY_FORM}` })
      .optional(),
    workdays: z
      .array(z.string().meta({ description: "a date 'YYYY-MM-DD'" }))
      .meta({ description: "a list of make-up workdays, each a date 'YYYY-MM-DD'" })
      .optional(),
  })
  .meta({ description: 'an offpeak calendar file' });

export type RawRule = z.infer<typeof ruleSchema>;
export type RawScheduleFile = z.infer<typeof scheduleFileSchema>;
export type RawCalendarFile = z.infer<typeof calendarFileSchema>;
export type RawCountrySource = z.infer<typeof countrySourceSchema>;
export type RawPricing = z.infer<typeof pricingSchema>;
export type RawSaeTarget = z.infer<typeof saeTarget>;
export type RawSwasTarget = z.infer<typeof swasTarget>;

/** The JSON Schema for editors (yaml-language-server), generated from the schema above. */
export function scheduleJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://offpeak.dev/schema/schedule-v1.json',
    title: 'offpeak schedule file',
    ...z.toJSONSchema(publishedScheduleSchema, { target: 'draft-2020-12' }),
  };
}

/** The description of the schema node at `path` (the expected form), if the path leads anywhere. */
export function expectedFormAt(root: z.ZodType, path: readonly PropertyKey[]): string | undefined {
  const node = nodeAt(root, path);
  return node ? (unwrap(node).description ?? node.description) : undefined;
}

/** The keys an object at `path` accepts, for "did you mean" hints. */
export function keysAt(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  const node = nodeAt(root, path);
  const object = node && unwrap(node);
  return object instanceof z.ZodObject ? Object.keys(object.shape) : [];
}

function nodeAt(root: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let node: z.ZodType | undefined = root;
  for (const key of path) {
    node = node && unwrap(node);
    if (node instanceof z.ZodObject) node = (node.shape as Record<string, z.ZodType>)[String(key)];
    else if (node instanceof z.ZodArray) node = node.element as z.ZodType;
    else if (node instanceof z.ZodRecord) node = node.valueType as z.ZodType;
    else return undefined;
  }
  return node;
}

function unwrap(node: z.ZodType): z.ZodType {
  return node instanceof z.ZodOptional ? (node.unwrap() as z.ZodType) : node;
}
