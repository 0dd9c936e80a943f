import { describe, expect, it } from 'vitest';
import { UsageError } from '../../lib/doors/cli/args.js';
import { CredentialsError } from '../../lib/cloud/credentials.js';
import { CloudError, toCloudError } from '../../lib/cloud/errors.js';
import { InvokeError } from '../../lib/cloud/fc.js';
import { SettingsError } from '../../lib/config.js';
import { boundedDetail, BUG_CODE, DETAIL_MAX, failureOf, OffpeakError, quote, quoteList, shorten } from '../../lib/errors.js';
import { EventError } from '../../lib/doors/event.js';
import { resultOfError, type ExecuteContext } from '../../lib/execute/context.js';
import { DeadlineError } from '../../lib/execute/deadline.js';
import type { ResourceResult } from '../../lib/execute/result.js';
import { InvocationError } from '../../lib/doors/invocation.js';
import { ApiError } from '../../lib/sandbox/api.js';
import { FcError } from '../../lib/sandbox/fc.js';
import { SeedError } from '../../lib/sandbox/seed.js';

describe('quote', () => {
  it('quotes short text as it is', () => {
    expect(quote('dev_nights')).toBe("'dev_nights'");
    expect(quote('')).toBe("''");
    expect(quote('a'.repeat(80))).toBe(`'${'a'.repeat(80)}'`);
  });

  it('cuts text over 80 characters, then … and the full length', () => {
    expect(quote('a'.repeat(81))).toBe(`'${'a'.repeat(80)}…' (81 characters)`);
    expect(quote('a'.repeat(4000))).toBe(`'${'a'.repeat(80)}…' (4,000 characters)`);
    expect(quote('a'.repeat(4 * 1024 * 1024))).toBe(`'${'a'.repeat(80)}…' (4,194,304 characters)`);
  });

  it('takes another limit and another quote mark', () => {
    expect(quote('abcdef', 3)).toBe("'abc…' (6 characters)");
    expect(quote('dryrun', 80, '"')).toBe('"dryrun"');
  });

  it('escapes line breaks and control characters, so a message stays one line', () => {
    expect(quote('a\nb\r\tc\u0000d\u001be\u2028')).toBe(String.raw`'a\nb\r\tc\u0000d\u001be\u2028'`);
  });

  it('counts and cuts characters, never half of one', () => {
    const emoji = '😀'.repeat(100);
    expect(quote('😀'.repeat(80))).toBe(`'${'😀'.repeat(80)}'`);
    expect(quote(emoji)).toBe(`'${'😀'.repeat(80)}…' (100 characters)`);
    expect(quote('a' + emoji, 2)).toBe("'a😀…' (101 characters)");
  });
});

describe('shorten', () => {
  it('is quote without the quotes and the length', () => {
    expect(shorten('short')).toBe('short');
    expect(shorten('k'.repeat(100))).toBe(`${'k'.repeat(80)}…`);
    expect(shorten('a\nb')).toBe(String.raw`a\nb`);
  });
});

describe('quoteList', () => {
  it('quotes each item', () => {
    expect(quoteList(['a', 'b'])).toBe("'a', 'b'");
    expect(quoteList([])).toBe('');
  });

  it('shows a few of a long list, then how many more', () => {
    const names = Array.from({ length: 20_000 }, (_, i) => `rule-${i}`);
    expect(quoteList(names)).toBe("'rule-0', 'rule-1', 'rule-2', 'rule-3', 'rule-4' and 19,995 more");
    expect(quoteList(names, 2, (name) => name)).toBe('rule-0, rule-1 and 19,998 more');
    expect(quoteList(['x'.repeat(1000)])).toBe(`'${'x'.repeat(80)}…' (1,000 characters)`);
  });
});

describe('OffpeakError', () => {
  it('carries a code and, when given, a cause', () => {
    const cause = new Error('under');
    const error = new OffpeakError('over', { code: 'Something', cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('over');
    expect(error.code).toBe('Something');
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('OffpeakError');
    expect('cause' in new OffpeakError('x', { code: 'C' })).toBe(false);
  });

  it.each([
    ['EventError', new EventError('m'), 'EventInvalid'],
    ['SettingsError', new SettingsError('m'), 'SettingsInvalid'],
    ['UsageError', new UsageError('m'), 'UsageError'],
    ['InvocationError', new InvocationError('m'), 'InvocationFailed'],
    ['DeadlineError', new DeadlineError('m'), 'DeadlineReached'],
    ['SeedError', new SeedError('m'), 'SeedInvalid'],
    ['CredentialsError', new CredentialsError('m'), 'MissingCredentials'],
    ['InvokeError', new InvokeError('InvalidArgument', 'm'), 'InvalidArgument'],
    ['ApiError', new ApiError(400, 'InvalidParameter', 'm'), 'InvalidParameter'],
    ['FcError', new FcError(404, 'FunctionNotFound', 'm'), 'FunctionNotFound'],
    [
      'CloudError',
      new CloudError({ product: 'sae', action: 'A', code: 'Throttling.User', kind: 'throttled', message: 'm' }),
      'Throttling.User',
    ],
  ] as const)('%s is an OffpeakError with code %s', (_name, error, code) => {
    expect(error).toBeInstanceOf(OffpeakError);
    expect(error.code).toBe(code);
    expect(error.message).toBe('m');
  });

  it('subclasses keep a cause', () => {
    const cause = new Error('under');
    for (const error of [new EventError('m', { cause }), new DeadlineError('m', { cause }), new UsageError('m', { cause })]) {
      expect(error.cause).toBe(cause);
    }
  });
});

describe('CloudError', () => {
  it('is built from named fields', () => {
    const error = new CloudError({
      product: 'swas',
      action: 'StopInstances',
      code: 'IncorrectInstanceStatus',
      kind: 'state',
      message: 'busy',
      httpStatus: 403,
      requestId: 'r-1',
    });
    expect(error).toMatchObject({
      name: 'CloudError',
      product: 'swas',
      action: 'StopInstances',
      code: 'IncorrectInstanceStatus',
      kind: 'state',
      message: 'busy',
      httpStatus: 403,
      requestId: 'r-1',
      retryable: false,
    });
  });

  it('toCloudError keeps what the client threw as the cause', () => {
    const thrown = Object.assign(new Error('flow control'), { code: 'Throttling.User', statusCode: 400 });
    const error = toCloudError(thrown, 'swas', 'StopInstances');
    expect(error.cause).toBe(thrown);
    expect(error).toMatchObject({ code: 'Throttling.User', kind: 'throttled', httpStatus: 400 });
    const network = Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    expect(toCloudError(network, 'sae', 'X').cause).toBe(network);
  });
});

describe('failureOf and resultOfError: a bug is never given a cloud code', () => {
  const base: Omit<ResourceResult, 'outcome'> = {
    product: 'sae',
    region: 'cn-hangzhou',
    id: 'app-1',
    name: 'dev-api',
    action: 'stop',
    rules: ['dev-nights'],
    reason: 'off-peak began',
  };
  const ctx = { denied: new Map() } as unknown as ExecuteContext;

  it('an OffpeakError keeps its own code', () => {
    expect(failureOf(new SettingsError('m'))).toEqual({ code: 'SettingsInvalid', message: 'm' });
  });

  it('anything else is OffpeakBug, said to be a bug to report', () => {
    const result = resultOfError(base, new TypeError("Cannot read properties of undefined (reading 'x')"), ctx);
    expect(result.outcome).toBe('failed');
    expect(result.code).toBe(BUG_CODE);
    expect(result.code).not.toBe('InternalError');
    expect(result.detail).toBe("a bug in offpeak, please report it (Cannot read properties of undefined (reading 'x'))");
    expect(resultOfError(base, 'a string', ctx)).toMatchObject({
      code: 'OffpeakBug',
      detail: 'a bug in offpeak, please report it (a string)',
    });
  });

  it('a cloud error keeps the cloud code; a deadline defers', () => {
    const cloud = new CloudError({ product: 'sae', action: 'StopApplication', code: 'InternalError', kind: 'transient', message: 'boom' });
    expect(resultOfError(base, cloud, ctx)).toMatchObject({ outcome: 'failed', code: 'InternalError', detail: 'StopApplication: boom' });
    expect(resultOfError(base, new DeadlineError('late'), ctx)).toMatchObject({ outcome: 'deferred', detail: 'late' });
  });
});

describe('boundedDetail', () => {
  it('drops every URL query and keeps the rest of the message', () => {
    const ids = Array.from({ length: 500 }, (_, i) => `app-${i}`).join(',');
    const message = `read ECONNRESET PUT http://127.0.0.1:8080/pop/v1/sam/app/listApplications?FieldValue=${ids}&Signature=abc failed.`;
    expect(boundedDetail(message)).toBe('read ECONNRESET PUT http://127.0.0.1:8080/pop/v1/sam/app/listApplications?… failed.');
  });

  it('cuts long text to the bound with an ellipsis', () => {
    const out = boundedDetail('x'.repeat(5_000));
    expect(out).toHaveLength(DETAIL_MAX + 1);
    expect(out.endsWith('…')).toBe(true);
  });

  it('a CloudError made from a client error that quotes a URL carries neither the query nor more than the bound', () => {
    const thrown = Object.assign(
      new Error(`socket hang up POST https://swas.cn-hangzhou.aliyuncs.com/?InstanceIds=${'%22ace%22'.repeat(900)} failed.`),
      {
        code: 'ECONNRESET',
      },
    );
    const error = toCloudError(thrown, 'swas', 'ListInstances');
    expect(error.message).not.toContain('InstanceIds');
    expect(error.message.length).toBeLessThanOrEqual(DETAIL_MAX + 1);
    expect(error.cause).toBe(thrown);
  });
});
