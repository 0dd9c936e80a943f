import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { CronExpressionParser } from 'cron-parser';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readSettings } from '../../../lib/config.js';
import { reportingMargin } from '../../../lib/execute/deadline.js';
import { parseDuration } from '../../../lib/schedule/duration.js';
import { isObject, resolveSpec, resolveString, type Json, type MagicContext } from './s-yaml-vars.js';

/**
 * s.yaml as `s deploy` will read it: its variables resolved, the function's props checked against
 * the fc3 component's own JSON Schema, and the relations the deployment depends on (one tick for the
 * timer and the function, a timeout under the tick, the bundle as the code).
 *
 * The schema (test/fixtures/fc3/schema.json, devsapp/fc3 src/schema.json) is draft-07, so Ajv's
 * default class, in strict mode (it compiles there: no unknown keywords). Taken as it is, it lets
 * typos through: no object in it forbids unknown keys, and a trigger's `triggerConfig` may match any
 * trigger type's config, one of which (`IOtsConfig`) is any object at all. So the check closes it:
 * every object schema with `properties` gets `additionalProperties: false` (except inside `if`/`not`,
 * where closing would change the meaning), and a `timer` trigger's config must be a timer config.
 * The first tests show both gaps in the schema as shipped, the mutation tests that the closed one
 * catches them.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** A copy of the fc3 component's schema; test/fixtures/fc3/SOURCE.md says which. */
const SCHEMA_PATH = `${ROOT}test/fixtures/fc3/schema.json`;
const ACCOUNT_ID = '1234567890123456';
const DEFAULTS: MagicContext = { env: {}, config: { AccountID: ACCOUNT_ID } };

type Schema = { [key: string]: Json };

const rawDoc = (): Json => parse(readFileSync(`${ROOT}s.yaml`, 'utf8')) as Json;
const rawSchema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Schema;

function object(value: Json | undefined, what: string): { [key: string]: Json } {
  if (!isObject(value)) throw new Error(`${what} is not a mapping`);
  return value;
}

/** The one fc3 resource of a resolved (or raw) s.yaml. */
function resource(doc: Json): { [key: string]: Json } {
  const resources = object(object(doc, 's.yaml').resources, 'resources');
  const entries = Object.values(resources);
  if (entries.length !== 1) throw new Error(`expected one resource, found ${entries.length}`);
  return object(entries[0], 'the resource');
}

const props = (doc: Json) => object(resource(doc).props, 'props');
const resolvedProps = (ctx: MagicContext = DEFAULTS, edit?: (doc: { [key: string]: Json }) => void) => {
  const doc = object(rawDoc(), 's.yaml');
  edit?.(doc);
  return props(resolveSpec(doc, ctx));
};
const timer = (p: { [key: string]: Json }) => {
  const triggers = p.triggers;
  if (!Array.isArray(triggers)) throw new Error('no triggers');
  const timers = triggers.filter((t) => isObject(t) && t.triggerType === 'timer');
  expect(timers).toHaveLength(1);
  return object(timers[0], 'the timer trigger');
};
const env = (p: { [key: string]: Json }): Record<string, string | undefined> => {
  const vars = object(p.environmentVariables, 'environmentVariables');
  return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]));
};

// --- the schema, as shipped and closed -------------------------------------------------------

const MAPS = ['properties', 'definitions', 'patternProperties'];
const LISTS = ['anyOf', 'allOf', 'oneOf'];
const SINGLE = ['items', 'additionalProperties', 'then', 'else', 'contains'];

/** A copy of a schema node in which every object with `properties` forbids other keys. */
function closed(node: Json, open = false): Json {
  if (Array.isArray(node)) return node.map((n) => closed(n, open));
  if (!isObject(node)) return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (MAPS.includes(key) && isObject(value)) out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, closed(v, open)]));
    else if (LISTS.includes(key) && Array.isArray(value)) out[key] = value.map((v) => closed(v, open));
    else if (SINGLE.includes(key)) out[key] = closed(value, open);
    else if (key === 'if' || key === 'not') out[key] = closed(value, true);
    else out[key] = value;
  }
  if (!open && isObject(node.properties) && node.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function closedSchema(): Schema {
  const schema = closed(rawSchema) as Schema;
  const definitions = object(schema.definitions, 'definitions');
  // A timer trigger's config is a timer config: cronExpression and enable, nothing unknown.
  definitions.ITrigger = {
    allOf: [
      object(definitions.ITrigger, 'ITrigger'),
      {
        if: { type: 'object', properties: { triggerType: { const: 'timer' } }, required: ['triggerType'] },
        then: { type: 'object', properties: { triggerConfig: { $ref: '#/definitions/ITimerTriggerConfig' } } },
      },
    ],
  };
  return schema;
}

const asShipped: ValidateFunction = new Ajv({ allErrors: true }).compile(rawSchema);
const strict: ValidateFunction = new Ajv({ allErrors: true }).compile(closedSchema());

/** Each error as "instancePath keyword" (with the offending key for additionalProperties). */
function errorsOf(validate: ValidateFunction, data: Json): string[] {
  if (validate(data)) return [];
  return (validate.errors ?? []).map(
    (e: ErrorObject) =>
      `${e.instancePath || '/'} ${e.keyword}${e.keyword === 'additionalProperties' ? ` ${String(e.params.additionalProperty)}` : ''}`,
  );
}

const clone = (value: { [key: string]: Json }): { [key: string]: Json } => structuredClone(value);

describe('s.yaml: the file', () => {
  it('is one fc3 resource in a Serverless Devs 3.0.0 document', () => {
    const doc = object(rawDoc(), 's.yaml');
    expect(doc.edition).toBe('3.0.0');
    expect(resource(doc).component).toBe('fc3');
    expect(Object.keys(doc).sort()).toEqual(['access', 'edition', 'name', 'resources', 'vars']);
  });

  it('resolves every variable, each to the type its field needs', () => {
    const resolved = resolveSpec(rawDoc(), DEFAULTS);
    expect(JSON.stringify(resolved)).not.toContain('${');
    const p = props(resolved);
    expect(p.region).toBe('cn-hangzhou');
    expect(p.functionName).toBe('offpeak');
    expect(p.role).toBe(`acs:ram::${ACCOUNT_ID}:role/offpeak-scheduler`);
    expect(p.timeout).toBeTypeOf('number');
    expect(object(p.asyncInvokeConfig, 'asyncInvokeConfig').maxAsyncEventAgeInSeconds).toBeTypeOf('number');
    expect(env(p)).toEqual({
      OFFPEAK_TICK: '5m',
      OFFPEAK_MAX_STOPS_PER_RUN: '200',
      OFFPEAK_SAE_BATCH: 'false',
      OFFPEAK_VPC: 'false',
      OFFPEAK_FAN_OUT: 'auto',
    });
  });

  it('takes the knobs from the shell when they are set there', () => {
    const p = resolvedProps({
      env: {
        ALIBABA_CLOUD_REGION_ID: 'cn-shanghai',
        OFFPEAK_FUNCTION_NAME: 'offpeak-staging',
        OFFPEAK_MAX_STOPS_PER_RUN: '400',
        OFFPEAK_SAE_BATCH: 'true',
        OFFPEAK_VPC: '',
      },
      config: DEFAULTS.config,
    });
    expect([p.region, p.functionName]).toEqual(['cn-shanghai', 'offpeak-staging']);
    expect(env(p)).toMatchObject({ OFFPEAK_MAX_STOPS_PER_RUN: '400', OFFPEAK_SAE_BATCH: 'true', OFFPEAK_VPC: 'false' }); // an empty value falls back to the default
    expect(errorsOf(strict, p)).toEqual([]);
    const settings = readSettings(env(p), { schedules: 'schedules' });
    expect([settings.maxStopsPerRun, settings.saeBatch, settings.vpc]).toEqual([400, true, false]);
  });

  it('resolves variables as Serverless Devs does: typed when alone, text when embedded, no arithmetic', () => {
    const vars: Json = { n: 5, s: '200' };
    expect(resolveString('${vars.n}', vars, DEFAULTS)).toBe(5);
    expect(resolveString('${vars.n}m', vars, DEFAULTS)).toBe('5m');
    expect(resolveString("${env('UNSET_X', '200')}", vars, DEFAULTS)).toBe('200');
    expect(resolveString("${env('UNSET_X', 200)}", vars, DEFAULTS)).toBe(200);
    expect(resolveString("${env('SET_X', 200)}", vars, { env: { SET_X: '7' }, config: {} })).toBe('7');
    expect(() => resolveString("${env('UNSET_X')}", vars, DEFAULTS)).toThrow(/not found/);
    expect(() => resolveString('${vars.missing}', vars, DEFAULTS)).toThrow(/not found/);
    expect(() => resolveString('${vars.n * 60}', vars, DEFAULTS)).toThrow(/not a variable form/);
    expect(() => resolveString("${config('AccountID')}", vars, { env: {}, config: {} })).toThrow(/not found/);
  });
});

describe("s.yaml: the function's props against the fc3 schema", () => {
  it('are valid against the schema as shipped and against the closed schema', () => {
    const p = resolvedProps();
    expect(errorsOf(asShipped, p)).toEqual([]);
    expect(errorsOf(strict, p)).toEqual([]);
  });

  it('the schema as shipped misses a misspelled key and a timer without a cron (why the check closes it)', () => {
    const p = clone(resolvedProps());
    p.memorySzie = p.memorySize!;
    delete p.memorySize;
    delete object(timer(p).triggerConfig, 'triggerConfig').cronExpression;
    expect(errorsOf(asShipped, p)).toEqual([]);
    expect(errorsOf(strict, p)).toEqual(
      expect.arrayContaining(['/ additionalProperties memorySzie', '/triggers/0/triggerConfig required']),
    );
  });

  const mutations: Array<[string, (p: { [key: string]: Json }) => void, string]> = [
    ['a misspelled key (memorySzie)', (p) => ((p.memorySzie = p.memorySize!), delete p.memorySize), '/ additionalProperties memorySzie'],
    ['runtime nodejs21', (p) => (p.runtime = 'nodejs21'), '/runtime enum'],
    ['timeout 0', (p) => (p.timeout = 0), '/timeout minimum'],
    ['a timeout as text, as ${env(...)} would give it', (p) => (p.timeout = '280'), '/timeout type'],
    ['memorySize not a multiple of 64', (p) => (p.memorySize = 500), '/memorySize multipleOf'],
    ['memorySize under 128', (p) => (p.memorySize = 64), '/memorySize minimum'],
    [
      'a timer trigger without cronExpression',
      (p) => delete object(timer(p).triggerConfig, 'triggerConfig').cronExpression,
      '/triggers/0/triggerConfig required',
    ],
    [
      'a misspelled cronExpression',
      (p) => {
        const c = object(timer(p).triggerConfig, 'triggerConfig');
        c.cronExpresion = c.cronExpression!;
        delete c.cronExpression;
      },
      '/triggers/0/triggerConfig additionalProperties cronExpresion',
    ],
    [
      'a timer trigger without enable',
      (p) => delete object(timer(p).triggerConfig, 'triggerConfig').enable,
      '/triggers/0/triggerConfig required',
    ],
    ['a misspelled trigger type', (p) => (timer(p).triggerType = 'timmer'), '/triggers/0/triggerType enum'],
    [
      'an environment variable that is a number',
      (p) => (object(p.environmentVariables, 'environmentVariables').OFFPEAK_MAX_STOPS_PER_RUN = 200),
      '/environmentVariables/OFFPEAK_MAX_STOPS_PER_RUN type',
    ],
    [
      'more async retries than FC allows',
      (p) => (object(p.asyncInvokeConfig, 'asyncInvokeConfig').maxAsyncRetryAttempts = 9),
      '/asyncInvokeConfig/maxAsyncRetryAttempts maximum',
    ],
    [
      'a misspelled async key',
      (p) => (object(p.asyncInvokeConfig, 'asyncInvokeConfig').maxAsyncRetryAttempt = 3),
      '/asyncInvokeConfig additionalProperties maxAsyncRetryAttempt',
    ],
    ['a misspelled region', (p) => (p.region = 'cn-hangzou'), '/region enum'],
    ['no handler', (p) => delete p.handler, '/ required'],
    ['a logConfig that is neither auto nor a project and logstore', (p) => (p.logConfig = 'on'), '/logConfig anyOf'],
  ];

  it.each(mutations)('rejects %s', (_, mutate, expected) => {
    const p = clone(resolvedProps());
    mutate(p);
    expect(errorsOf(strict, p)).toContain(expected);
  });

  it('rejects a region from the shell that FC does not have', () => {
    const p = resolvedProps({ env: { ALIBABA_CLOUD_REGION_ID: 'cn-hangzou' }, config: DEFAULTS.config });
    expect(errorsOf(strict, p)).toContain('/region enum');
  });
});

/** The timer's period in ms, from 48 consecutive fire times of its cron (UTC, as FC reads it). */
function cronPeriod(expression: string): number {
  const cron = CronExpressionParser.parse(expression, { currentDate: new Date('2026-11-24T00:00:00.000Z'), tz: 'UTC' });
  const fires = Array.from({ length: 48 }, () => cron.next().getTime());
  const gaps = new Set(fires.slice(1).map((t, i) => t - fires[i]!));
  expect([...gaps], `${expression} fires at uneven intervals`).toHaveLength(1);
  return [...gaps][0]!;
}

describe('s.yaml: one tick for the timer and the function', () => {
  for (const tickMinutes of [5, 10]) {
    it(`the cron's period is OFFPEAK_TICK, both from tickMinutes (${tickMinutes})`, () => {
      const p = resolvedProps(DEFAULTS, (doc) => (object(doc.vars, 'vars').tickMinutes = tickMinutes));
      const config = object(timer(p).triggerConfig, 'triggerConfig');
      expect(config.enable).toBe(true);
      expect(config.cronExpression).toBe(`0 */${tickMinutes} * * * *`);
      const tickMs = readSettings(env(p), { schedules: 'schedules' }).tick;
      expect(tickMs).toBe(parseDuration(`${tickMinutes}m`));
      expect(cronPeriod(config.cronExpression as string)).toBe(tickMs);
      expect(errorsOf(strict, p)).toEqual([]);
    });
  }

  it('tickMinutes divides the hour, so "every N minutes" is even across the hour', () => {
    const tickMinutes = object(object(rawDoc(), 's.yaml').vars, 'vars').tickMinutes;
    expect(tickMinutes).toBeTypeOf('number');
    expect(60 % Number(tickMinutes)).toBe(0);
  });

  it('the timeout is under the tick, and leaves a run more than 4 minutes of work', () => {
    const p = resolvedProps();
    const tickSeconds = readSettings(env(p), { schedules: 'schedules' }).tick / 1000;
    const timeout = Number(p.timeout);
    expect(timeout).toBeLessThan(tickSeconds);
    // The deadline keeps a reporting margin back: 280 s leaves 252 s, four full minutes of SAE budget and then some.
    expect(timeout - reportingMargin(timeout * 1000) / 1000).toBeGreaterThan(240);
  });

  it('a stale tick is dropped just after the next tick is due, not run late', () => {
    const p = resolvedProps();
    const tickSeconds = readSettings(env(p), { schedules: 'schedules' }).tick / 1000;
    const age = Number(object(p.asyncInvokeConfig, 'asyncInvokeConfig').maxAsyncEventAgeInSeconds);
    expect(age).toBeGreaterThan(tickSeconds);
    expect(age).toBeLessThan(2 * tickSeconds);
  });

  it('the settings the function will read are valid (lib/config.ts)', () => {
    const settings = readSettings(env(resolvedProps()), { schedules: 'schedules' });
    expect(settings).toMatchObject({ tick: 300_000, maxStopsPerRun: 200, saeBatch: false, vpc: false, schedules: 'schedules' });
    expect(settings.endpoint).toBeUndefined();
  });
});

describe('s.yaml: the code is the bundle', () => {
  it('runs the bundle handler on Node.js 20', () => {
    const p = resolvedProps();
    expect([p.runtime, p.code, p.handler]).toEqual(['nodejs20', './dist/function', 'index.handler']);
  });

  it('builds the bundle before every deploy: npm ci, then the bundle script', () => {
    const actions = object(resource(rawDoc()).actions, 'actions');
    expect(actions['pre-deploy']).toEqual([{ run: 'npm ci && npm run bundle', path: './' }]);
    const scripts = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
    expect(scripts.bundle).toMatch(/scripts\/bundle\.mjs/);
  });

  it('logs to Log Service and runs as the offpeak role', () => {
    const p = resolvedProps();
    expect(p.logConfig).toBe('auto');
    expect(p.role).toMatch(/^acs:ram::\d{16}:role\/[\w-]+$/);
  });
});
