import { describe, expect, it } from 'vitest';
import { OffpeakError } from '../../lib/errors.js';
import { EventError, parseEvent, type RunRequest } from '../../lib/doors/event.js';

/**
 * parseEvent: the Function Compute event read strictly. A timer event runs at its triggerTime; a
 * manual event may narrow; every wrong event is one EventError naming the field and the form.
 */

const T = Date.parse('2026-11-24T12:00:00Z');

const parse = (text: string): RunRequest => parseEvent(Buffer.from(text));

/** The EventError parseEvent throws for `text`; fails the test when it returns instead. */
function refusal(text: string): EventError {
  let result: RunRequest | undefined;
  try {
    result = parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(EventError);
    const e = error as EventError;
    expect(e.name).toBe('EventError');
    // One clear line: no stack frames or "[object Object]" leaking into the message.
    expect(e.message).not.toMatch(/^\s+at /m);
    expect(e.message).not.toContain('[object');
    expect(e.message.split('\n')).toHaveLength(1);
    return e;
  }
  throw new Error(`expected an EventError for ${text}, got ${JSON.stringify(result)}`);
}

describe('parseEvent: timer events', () => {
  it('reads a timer event from a Buffer: trigger timer, at = triggerTime', () => {
    expect(parse('{"triggerTime":"2026-11-24T12:00:00Z","triggerName":"t","payload":"x"}')).toEqual({
      trigger: 'timer',
      at: T,
      dryRun: false,
      force: false,
    });
  });

  it('reads the same event given as a string, and without the optional fields', () => {
    expect(parseEvent('{"triggerTime":"2026-11-24T12:00:00Z"}')).toEqual({ trigger: 'timer', at: T, dryRun: false, force: false });
  });

  it('takes the offset of triggerTime into account', () => {
    expect(parse('{"triggerTime":"2026-11-24T20:00:00+08:00","triggerName":"t"}').at).toBe(T);
  });

  it('refuses a triggerTime that is not a date, naming triggerTime and the form', () => {
    const e = refusal('{"triggerTime":"yesterday","triggerName":"t"}');
    expect(e.message).toBe(
      `timer event: field "triggerTime": 'yesterday' is not an ISO instant; write YYYY-MM-DDTHH:MM[:SS[.fff]] with an offset Z, +08:00, +0800 or +08, e.g. 2026-12-24T18:00+08:00 or 2026-12-24T10:00:00.000Z`,
    );
  });

  it('refuses a triggerTime that is not text, naming triggerTime and an example', () => {
    const e = refusal('{"triggerTime":1795521600000,"triggerName":"t"}');
    expect(e.message).toContain('triggerTime');
    expect(e.message).toContain('"2026-11-24T12:00:00Z"');
  });

  // Date.parse alone would read "11/24/2026 20:00" in the process's zone (UTC in FC), 8 h off Shanghai.
  it('refuses a triggerTime that is not an ISO instant with an offset', () => {
    const e = refusal('{"triggerTime":"11/24/2026 20:00","triggerName":"t"}');
    expect(e.message).toContain('triggerTime');
    expect(e.message).toContain('11/24/2026 20:00');
  });

  // Dropping them silently would turn {"triggerTime", "dryRun": true} into a real run.
  it('refuses manual fields beside triggerTime instead of dropping them (dryRun would be ignored)', () => {
    const e = refusal('{"triggerTime":"2026-11-24T12:00:00Z","triggerName":"t","dryRun":true}');
    expect(e.message).toContain('dryRun');
  });

  it('names triggerName, not triggerTime, when triggerName has the wrong type', () => {
    const e = refusal('{"triggerTime":"2026-11-24T12:00:00Z","triggerName":5}');
    expect(e.message).toContain('triggerName');
  });
});

describe('parseEvent: manual events', () => {
  it('reads an empty Buffer as a manual run at "now" (no at)', () => {
    const request = parseEvent(Buffer.alloc(0));
    expect(request).toEqual({ trigger: 'manual', dryRun: false, force: false });
    expect('at' in request).toBe(false);
  });

  it('reads whitespace, undefined, null and {} the same way', () => {
    const expected: RunRequest = { trigger: 'manual', dryRun: false, force: false };
    expect(parse(' \n\t')).toEqual(expected);
    expect(parseEvent(undefined)).toEqual(expected);
    expect(parseEvent(null)).toEqual(expected);
    expect(parse('{}')).toEqual(expected);
  });

  it('reads {"dryRun":true}', () => {
    expect(parse('{"dryRun":true}')).toEqual({ trigger: 'manual', dryRun: true, force: false });
  });

  it('reads {"at": ...+08:00} as that instant', () => {
    expect(parse('{"at":"2026-11-24T20:00:00+08:00"}')).toEqual({ trigger: 'manual', at: T, dryRun: false, force: false });
    expect(parse('{"at":"2026-11-24T12:00:00Z"}').at).toBe(T);
  });

  it('reads rules and action', () => {
    expect(parse('{"rules":["dev-nights"],"action":"stop"}')).toEqual({
      trigger: 'manual',
      rules: ['dev-nights'],
      action: 'stop',
      dryRun: false,
      force: false,
    });
    expect(parse('{"rules":["dev-nights","demo-boxes"],"action":"start","force":true,"dryRun":true}')).toEqual({
      trigger: 'manual',
      rules: ['dev-nights', 'demo-boxes'],
      action: 'start',
      dryRun: true,
      force: true,
    });
  });
});

describe('parseEvent: wrong events', () => {
  it('refuses text that is not JSON, saying so and showing the manual form', () => {
    const e = refusal('{dryRun: true}');
    expect(e.message).toMatch(/^the event is not JSON \(/);
    expect(e.message).toContain('"dryRun"?: true|false');
  });

  it.each(['[]', '[{"dryRun":true}]', 'null', '42', '"dryRun"', 'true'])('refuses %s: the event must be a JSON object', (text) => {
    const e = refusal(text);
    expect(e.message).toMatch(/^the event must be a JSON object: \{"at"\?: ISO instant/);
  });

  it('refuses an unknown field, naming it ("dryrun", not "dryRun")', () => {
    const e = refusal('{"dryrun":true}');
    expect(e.message).toMatch(/^unknown field "dryrun"; a manual event is \{/);
  });

  it('names every unknown field', () => {
    const e = refusal('{"dryRun":true,"when":"now","rule":"dev-nights"}');
    expect(e.message).toContain('"when"');
    expect(e.message).toContain('"rule"');
  });

  it('refuses a wrong type, naming the field and the expected type', () => {
    const e = refusal('{"dryRun":"yes"}');
    expect(e.message).toMatch(/^field "dryRun": /);
    expect(e.message).toContain('expected boolean');
    expect(refusal('{"force":1}').message).toMatch(/^field "force": .*expected boolean/);
    expect(refusal('{"rules":"dev-nights"}').message).toMatch(/^field "rules": .*expected array/);
    expect(refusal('{"at":1795521600000}').message).toMatch(/^field "at": .*expected string/);
  });

  it('refuses `at` without an offset, naming at and showing an example with one', () => {
    const e = refusal('{"at":"2026-11-24T20:00:00"}');
    expect(e.message).toBe(
      `field "at": '2026-11-24T20:00:00' needs an offset or Z, e.g. 2026-11-24T20:00:00+08:00 or 2026-11-24T20:00:00Z`,
    );
  });

  it('refuses an `at` that is not a date-time', () => {
    const e = refusal('{"at":"2026-13-24T20:00:00Z"}');
    expect(e.message).toMatch(/^field "at": '2026-13-24T20:00:00Z' /);
  });

  it('refuses a bad action, naming action and the two allowed values', () => {
    const e = refusal('{"action":"pause"}');
    expect(e.message).toMatch(/^field "action": /);
    expect(e.message).toContain('"stop"');
    expect(e.message).toContain('"start"');
  });

  it('refuses an empty rules list and a rule name that cannot exist', () => {
    expect(refusal('{"rules":[]}').message).toMatch(/^field "rules": /);
    expect(refusal('{"rules":["Dev_Nights"]}').message).toMatch(/^field "rules\.0": /);
  });
});

describe('parseEvent: instants in every ISO form', () => {
  // What offpeak prints (toISOString), what `date -Ins` prints, and the shorter forms people type.
  it.each([
    '2026-11-24T12:00:00.000Z',
    '2026-11-24T12:00:00Z',
    '2026-11-24T12:00Z',
    '2026-11-24T20:00+08:00',
    '2026-11-24T20:00:00+0800',
    '2026-11-24T20:00:00+08',
    '2026-11-24T20:00:00,000000000+08:00',
    '2026-11-24T12:00:00.000000Z',
  ])('reads %s in `at` and in triggerTime as the same instant', (text) => {
    expect(parse(JSON.stringify({ at: text })).at).toBe(T);
    expect(parse(JSON.stringify({ triggerTime: text, triggerName: 't' })).at).toBe(T);
  });

  it('keeps the milliseconds of a fraction and drops what is finer', () => {
    expect(parse('{"at":"2026-11-24T12:00:00.123456789Z"}').at).toBe(T + 123);
  });

  it('refuses a date that does not exist, naming the field', () => {
    expect(refusal('{"at":"2026-02-30T12:00Z"}').message).toBe(
      `field "at": '2026-02-30T12:00Z' is not an ISO instant: there is no day 2026-02-30`,
    );
    expect(refusal('{"triggerTime":"2026-11-24T25:00Z"}').message).toMatch(/^timer event: field "triggerTime": .*no hour 25/);
  });

  it('refuses a triggerTime without an offset, showing the fix', () => {
    expect(refusal('{"triggerTime":"2026-11-24T12:00:00"}').message).toBe(
      `timer event: field "triggerTime": '2026-11-24T12:00:00' needs an offset or Z, e.g. 2026-11-24T12:00:00+08:00 or 2026-11-24T12:00:00Z`,
    );
  });
});

describe('parseEvent: messages stay short whatever is sent', () => {
  it('cuts a long `at`, saying how long it was', () => {
    const e = refusal(JSON.stringify({ at: '9'.repeat(4000) }));
    expect(e.message).toContain(`'${'9'.repeat(80)}…' (4,000 characters)`);
    expect(e.message.length).toBeLessThan(400);
  });

  it('cuts a long triggerTime', () => {
    const e = refusal(JSON.stringify({ triggerTime: 'x'.repeat(1_000_000), triggerName: 't' }));
    expect(e.message).toContain('(1,000,000 characters)');
    expect(e.message.length).toBeLessThan(400);
  });

  it('names a few of 20,000 unknown fields, then how many more', () => {
    const event = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`field${i}`, true]));
    const e = refusal(JSON.stringify(event));
    expect(e.message).toMatch(/^unknown field "field0", "field1", "field2", "field3", "field4" and 19,995 more; a manual event is/);
  });

  it('cuts a long unknown field name', () => {
    const e = refusal(JSON.stringify({ ['k'.repeat(5000)]: 1 }));
    expect(e.message).toContain(`"${'k'.repeat(80)}…" (5,000 characters)`);
    expect(e.message.length).toBeLessThan(400);
  });

  it('keeps a message on one line when the text has line breaks', () => {
    expect(refusal('{"at":"2026-11-24\\n12:00Z"}').message).toContain(String.raw`'2026-11-24\n12:00Z'`);
    expect(refusal('{\n"at": \n}').message.split('\n')).toHaveLength(1);
  });

  it('is an OffpeakError with the code EventInvalid', () => {
    const e = refusal('{"dryrun":true}');
    expect(e).toBeInstanceOf(OffpeakError);
    expect(e.code).toBe('EventInvalid');
  });
});
