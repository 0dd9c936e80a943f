import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CredentialSource } from '../../lib/cloud/credentials.js';
import { InvokeError, invokeFc2, invokeFc3, type InvokeOptions, type InvokeResult } from '../../lib/cloud/fc.js';
import type { RunReport } from '../../lib/run.js';
import type { SandboxState } from '../../lib/sandbox/gateway.js';
import { demoSeedPath, readSeed } from '../../lib/sandbox/seed.js';
import { runInvocation } from '../../lib/doors/invocation.js';
import { startSandbox, type Sandbox } from '../../lib/sandbox/server.js';
import { ensureBuilt, offpeak as offpeakAs, ROOT } from './support/cli.js';

/**
 * `offpeak invoke` end to end: the two invoke clients (FC 3.0 through openapi-client's callApi,
 * FC 2.0 through @alicloud/fc2) against the sandbox's FC endpoints, which host the real handler
 * core in-process; the handler's own SAE/SWAS calls come back to the same sandbox. The event
 * `{"at":"2026-11-24T20:00:00+08:00"}` hits dev-nights' stop edge in the example schedules.
 */

const RATE_SCALE = 50;
const ACCOUNT = '1234567890123456';
const AT_STOP = '2026-11-24T20:00:00+08:00';
const KEY: CredentialSource = { kind: 'static', accessKeyId: 'sandbox-ak', accessKeySecret: 'sandbox-secret' };
const STS_KEY: CredentialSource = { kind: 'static', accessKeyId: 'STS.sandbox', accessKeySecret: 'sts-secret', securityToken: 'sts-token' };

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({
    seed: await readSeed(demoSeedPath()),
    rateScale: RATE_SCALE,
    functionEnv: { OFFPEAK_SCHEDULES: join(ROOT, 'schedules') },
    hosted: runInvocation,
  });
});
afterAll(async () => {
  await sandbox?.close();
});
beforeEach(async () => {
  // An async run of the test before must not act, or log calls, in this one.
  await sandbox.fc.idle(10_000);
  sandbox.gateway.reset();
});

const state = (): SandboxState => sandbox.gateway.state();
const stoppedApps = (): string[] =>
  state()
    .sae.apps.filter((a) => a.status === 'STOPPED')
    .map((a) => a.appName)
    .sort();
const devBox = (): string | undefined => state().swas.instances.find((i) => i.instanceName === 'dev-box')?.status;

async function eventually(check: () => boolean, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting for the sandbox state');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function refusal(promise: Promise<unknown>): Promise<InvokeError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(InvokeError);
    return error as InvokeError;
  }
  throw new Error('expected the invocation to be refused');
}

type Invoke = (
  options: Omit<InvokeOptions, 'region' | 'functionName' | 'credentials'> & Partial<Pick<InvokeOptions, 'functionName' | 'credentials'>>,
) => Promise<InvokeResult>;
const base = () => ({
  region: 'cn-hangzhou',
  accountId: ACCOUNT,
  functionName: 'offpeak',
  credentials: KEY,
  endpointOverride: sandbox.url,
});
const PATHS: Array<[string, Invoke]> = [
  ['FC 3.0 (openapi-client)', (o) => invokeFc3({ ...base(), ...o })],
  ['FC 2.0 (fc2)', (o) => invokeFc2({ ...base(), serviceName: 'offpeak', ...o })],
];

describe.each(PATHS)('%s', (_name, invoke) => {
  it('sync: answers 200 with the report, and the dev-nights targets are stopped when it returns', async () => {
    const result = await invoke({ event: JSON.stringify({ at: AT_STOP }) });
    expect(result.status).toBe(200);
    expect(result.errorType).toBeUndefined();
    expect(result.requestId).not.toBe('');
    const report = JSON.parse(result.body) as RunReport;
    expect(report.ok).toBe(true);
    expect(report.at).toBe('2026-11-24T12:00:00.000Z');
    expect(
      report.results
        .filter((r) => r.outcome === 'stopped')
        .map((r) => r.name)
        .sort(),
    ).toEqual(['dev-api', 'dev-web']);
    expect(stoppedApps()).toEqual(['dev-api', 'dev-web']);
    expect(['Stopping', 'Stopped']).toContain(devBox());
    // The invocation is in the call log, followed by the function's own calls, signed with the role (STS) key.
    const calls = sandbox.gateway.calls();
    expect(calls.filter((c) => c.product === 'fc')).toEqual([
      expect.objectContaining({ action: 'InvokeFunction', resourceIds: ['offpeak'], code: null, executed: true }),
    ]);
    expect(calls.filter((c) => c.product === 'sae' && c.action === 'StopApplication' && c.executed)).toHaveLength(2);
  });

  it('async: answers 202 with a request id and an empty body; the stop happens shortly after', async () => {
    const result = await invoke({ event: JSON.stringify({ at: AT_STOP }), async: true });
    expect(result.status).toBe(202);
    expect(result.requestId).toMatch(/\S{8,}/);
    expect(result.body).toBe('');
    expect(result.errorType).toBeUndefined();
    await eventually(() => stoppedApps().length === 2 && devBox() !== 'Running');
    expect(stoppedApps()).toEqual(['dev-api', 'dev-web']);
  });

  it('a dry run changes nothing, and a tail log comes back when asked for', async () => {
    const result = await invoke({ event: JSON.stringify({ at: AT_STOP, dryRun: true }), tailLog: true });
    const report = JSON.parse(result.body) as RunReport;
    expect(report.dryRun).toBe(true);
    expect(report.results.filter((r) => r.outcome === 'would-stop')).toHaveLength(3);
    expect(stoppedApps()).toEqual([]);
    expect(result.log).toContain(`FC Invoke Start RequestId: ${result.requestId}`);
    expect(result.log).toContain('"type":"summary"');
  });

  it('a function that throws: 200 with x-fc-error-type and FC error body, nothing changed', async () => {
    const result = await invoke({ event: '{"dryrun":true}' });
    expect(result.status).toBe(200);
    expect(result.errorType).toBe('UnhandledInvocationError');
    const body = JSON.parse(result.body) as { errorMessage: string; errorType: string; stackTrace: string[] };
    expect(body.errorType).toBe('OffpeakError');
    expect(body.errorMessage).toMatch(/^event: unknown field "dryrun"/);
    expect(body.stackTrace).toEqual([`OffpeakError: ${body.errorMessage.split('\n')[0]}`, ...body.errorMessage.split('\n').slice(1)]);
    expect(
      sandbox.gateway
        .calls()
        .filter((c) => c.product === 'fc')
        .map((c) => c.code),
    ).toEqual(['UnhandledInvocationError']);
    expect(stoppedApps()).toEqual([]);
  });

  it('a wrong secret is refused with 403, and the function does not run', async () => {
    const error = await refusal(
      invoke({
        credentials: { kind: 'static', accessKeyId: 'sandbox-ak', accessKeySecret: 'wrong' },
        event: JSON.stringify({ at: AT_STOP }),
      }),
    );
    expect(error.status).toBe(403);
    expect(error.code).toBe('SignatureNotMatch');
    expect(error.requestId).toBeTruthy();
    expect(error.message).toContain('(HTTP 403, request id ');
    expect(sandbox.gateway.calls().map((c) => `${c.product} ${c.code}`)).toEqual(['fc SignatureNotMatch']);
  });

  it('an unknown function is 404 FunctionNotFound, an unknown key 403 InvalidAccessKeyID', async () => {
    const missing = await refusal(invoke({ functionName: 'nope' }));
    expect([missing.status, missing.code]).toEqual([404, 'FunctionNotFound']);
    expect(missing.message).toContain("function 'nope' does not exist");
    const stranger = await refusal(invoke({ credentials: { kind: 'static', accessKeyId: 'who', accessKeySecret: 'x' } }));
    expect([stranger.status, stranger.code]).toEqual([403, 'InvalidAccessKeyID']);
  });

  it('an STS key signs with its token (fc2: only because its id starts with STS)', async () => {
    const result = await invoke({ credentials: STS_KEY, event: JSON.stringify({ at: AT_STOP, dryRun: true }) });
    expect(result.errorType).toBeUndefined();
    expect((JSON.parse(result.body) as RunReport).dryRun).toBe(true);
  });
});

describe('the sandbox FC endpoints, raw', () => {
  it('FC 2.0 knows services: an unknown one is 404 ServiceNotFound with {ErrorCode, ErrorMessage}', async () => {
    const error = await refusal(invokeFc2({ ...base(), serviceName: 'other' }));
    expect([error.status, error.code]).toEqual([404, 'ServiceNotFound']);
  });

  it('LATEST is the only qualifier; another is 404 on both paths', async () => {
    expect((await invokeFc3({ ...base(), qualifier: 'LATEST', event: '{"dryRun":true}' })).errorType).toBeUndefined();
    expect(
      (await invokeFc2({ ...base(), serviceName: 'offpeak', qualifier: 'LATEST', event: '{"dryRun":true}' })).errorType,
    ).toBeUndefined();
    expect((await refusal(invokeFc3({ ...base(), qualifier: 'prod' }))).code).toBe('AliasNotFound');
    expect((await refusal(invokeFc2({ ...base(), serviceName: 'offpeak', qualifier: 'prod' }))).code).toBe('AliasNotFound');
  });

  it('an unsigned call is 403 with FC 3.0 `{Code, Message, RequestId}`; a wrong method 400; an async 202 has no content type', async () => {
    const unsigned = await fetch(`${sandbox.url}/2023-03-30/functions/offpeak/invocations`, { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('content-type')).toBe('application/json');
    const body = (await unsigned.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['Code', 'Message', 'RequestId']);
    expect(body.RequestId).toBe(unsigned.headers.get('x-fc-request-id'));
    const get = await fetch(`${sandbox.url}/2016-08-15/services/offpeak/functions/offpeak/invocations`);
    expect(get.status).toBe(400);
    expect(((await get.json()) as Record<string, unknown>).ErrorCode).toBe('PathNotSupported');
    const queued = await invokeFc3({ ...base(), async: true, event: '{"dryRun":true}' });
    expect(queued.status).toBe(202);
  });
});

describe('FC error bodies: both shapes are read', () => {
  // FC documents `{Code, Message, RequestId}` for the 2023-03-30 API and `{errorCode, errorMessage}`
  // on its error-code page; the seed's fc.errorBody makes the sandbox answer in the second.
  const lowercase = async () => {
    const seed = await readSeed(demoSeedPath());
    sandbox.gateway.reset({ ...seed, fc: { ...seed.fc, errorBody: 'errorCode' } });
  };

  it('FC 3.0 reads {Code, Message, RequestId}: code, message, status and request id', async () => {
    const error = await refusal(invokeFc3({ ...base(), functionName: 'nope' }));
    expect([error.code, error.status]).toEqual(['FunctionNotFound', 404]);
    expect(error.requestId).toMatch(/^1-[0-9a-f]+-[0-9a-f]{24}$/);
    expect(error.message).toBe(
      `FC 3.0 InvokeFunction nope: FunctionNotFound (HTTP 404, request id ${error.requestId}): function 'nope' does not exist.`,
    );
  });

  it('FC 3.0 reads {errorCode, errorMessage}: the same code and message', async () => {
    await lowercase();
    const raw = await fetch(`${sandbox.url}/2023-03-30/functions/offpeak/invocations`, { method: 'POST', body: '{}' });
    expect(Object.keys((await raw.json()) as object)).toEqual(['errorCode', 'errorMessage']);
    const error = await refusal(invokeFc3({ ...base(), functionName: 'nope' }));
    expect([error.code, error.status, error.requestId]).toEqual(['FunctionNotFound', 404, undefined]);
    expect(error.message).toBe(`FC 3.0 InvokeFunction nope: FunctionNotFound (HTTP 404): function 'nope' does not exist.`);
  });

  it('FC 2.0 reads {ErrorCode, ErrorMessage}: code, message, status and request id', async () => {
    const error = await refusal(invokeFc2({ ...base(), serviceName: 'offpeak', functionName: 'nope' }));
    expect([error.code, error.status]).toEqual(['FunctionNotFound', 404]);
    expect(error.message).toBe(
      `FC 2.0 InvokeFunction nope: FunctionNotFound (HTTP 404, request id ${error.requestId}): function 'nope' does not exist in service 'offpeak'`,
    );
  });

  it('FC 2.0 with {errorCode, errorMessage}: fc2 drops the code, so it is Unknown; the message and status stay', async () => {
    await lowercase();
    const error = await refusal(invokeFc2({ ...base(), serviceName: 'offpeak', functionName: 'nope' }));
    expect([error.code, error.status]).toEqual(['Unknown', 404]);
    expect(error.message).toBe(
      `FC 2.0 InvokeFunction nope: Unknown (HTTP 404, request id ${error.requestId}): function 'nope' does not exist in service 'offpeak'`,
    );
  });
});

// ---- the CLI, as a person runs it ----

const bareEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith('OFFPEAK_') && !name.startsWith('ALIBABA_CLOUD_')),
);
const keyEnv: Record<string, string | undefined> = {
  ...bareEnv,
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'sandbox-ak',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'sandbox-secret',
  ALIBABA_CLOUD_ACCOUNT_ID: ACCOUNT,
};
const offpeak = (args: string[], env: Record<string, string | undefined> = keyEnv) => offpeakAs(args, env);

describe('offpeak invoke', () => {
  beforeAll(ensureBuilt, 60_000);

  it('FC 3.0, sync: prints the report as JSON and exits 0', async () => {
    const r = await offpeak(['invoke', '--endpoint', sandbox.url, '--at', AT_STOP]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as RunReport;
    expect(
      report.results
        .filter((x) => x.outcome === 'stopped')
        .map((x) => x.name)
        .sort(),
    ).toEqual(['dev-api', 'dev-web']);
    expect(r.stderr).toMatch(/^request id 1-\S+ \(FC 3\.0\)$/m);
    expect(stoppedApps()).toEqual(['dev-api', 'dev-web']);
  });

  it('FC 2.0 (--service), sync, dry run: prints the report and exits 0', async () => {
    const r = await offpeak(['invoke', '--endpoint', sandbox.url, '--service', 'offpeak', '--dry-run', '--at', AT_STOP]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as RunReport;
    expect(report.dryRun).toBe(true);
    expect(report.results.filter((x) => x.outcome === 'would-stop')).toHaveLength(3);
    expect(stoppedApps()).toEqual([]);
  });

  it('a function error: the message on stderr, exit 1', async () => {
    const r = await offpeak(['invoke', '--endpoint', sandbox.url, '--event', '{"dryrun":true}']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toMatch(/^function error \(UnhandledInvocationError\): event: unknown field "dryrun"/);
  });

  it('--async prints the request id and exits 0', async () => {
    const r = await offpeak(['invoke', '--endpoint', sandbox.url, '--async', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^1-[0-9a-f]+-[0-9a-f]{24}$/);
  });

  it('bad flags exit 2 with one line and a usage hint; no account without --endpoint says how to set it', async () => {
    const unknown = await offpeak(['invoke', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toContain("run 'offpeak invoke --help' for usage");
    const both = await offpeak(['invoke', '--endpoint', sandbox.url, '--event', '{}', '--dry-run']);
    expect([both.code, both.stderr.trim()]).toEqual([
      2,
      "offpeak invoke: --event excludes --dry-run and --at: put dryRun and at into the event instead; run 'offpeak invoke --help' for usage",
    ]);
    const notJson = await offpeak(['invoke', '--endpoint', sandbox.url, '--event', '{dryRun}']);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('--event is not JSON');
    const noAccount = await offpeak(['invoke', '--dry-run'], { ...keyEnv, ALIBABA_CLOUD_ACCOUNT_ID: undefined });
    expect(noAccount.code).toBe(2);
    expect(noAccount.stderr).toContain('set ALIBABA_CLOUD_ACCOUNT_ID or pass --account');
  });

  it('a wrong secret: the refusal on stderr, exit 1', async () => {
    const r = await offpeak(['invoke', '--endpoint', sandbox.url, '--dry-run'], { ...keyEnv, ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'wrong' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(
      /^offpeak invoke: FC 3\.0 InvokeFunction offpeak: SignatureNotMatch \(HTTP 403, request id \S+\): The request signature/,
    );
  });
});
