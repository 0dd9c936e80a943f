import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkCredentials, credentialFields, CredentialsError, fcCredentials } from '../../../lib/cloud/credentials.js';
import { createCloudApis } from '../../../lib/cloud/index.js';
import type { Sandbox } from '../../../lib/sandbox/server.js';
import { rejection, saeApp, startWorld, swasInstance } from '../../e2e/support/cloud-world.js';

/** Credentials from the environment and from Function Compute, used for real against the sandbox. */

const VARS = [
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
  // The rest of the default chain, switched off so "no keys" is decided at once, not after probing
  // the ECS metadata service or reading this machine's CLI and credentials files.
  'ALIBABA_CLOUD_ECS_METADATA_DISABLED',
  'ALIBABA_CLOUD_CLI_PROFILE_DISABLED',
  'ALIBABA_CLOUD_CREDENTIALS_FILE',
  'ALIBABA_CLOUD_ROLE_ARN',
  'ALIBABA_CLOUD_CREDENTIALS_URI',
] as const;
const saved = Object.fromEntries(VARS.map((name) => [name, process.env[name]]));

function setEnv(values: Partial<Record<(typeof VARS)[number], string>>): void {
  for (const name of VARS) delete process.env[name];
  Object.assign(process.env, {
    ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
    ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true',
    ALIBABA_CLOUD_CREDENTIALS_FILE: '/nonexistent/offpeak-test/credentials',
    ...values,
  });
}

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startWorld();
});
afterAll(() => sandbox.close());
afterEach(() => {
  for (const name of VARS) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

const chainApis = () => createCloudApis({ credentials: { kind: 'chain' }, endpointOverride: sandbox.url });

describe('the default chain', () => {
  it('reads an access key from the environment', async () => {
    setEnv({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'sandbox-ak', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'sandbox-secret' });
    const apis = chainApis();
    expect(await apis.sae.describeStatus('cn-hangzhou', saeApp(0).appId)).toMatchObject({ status: 'RUNNING' });
    expect(await apis.swas.listInstances('cn-hangzhou', { instanceIds: [swasInstance('cn-hangzhou', 0).instanceId] })).toHaveLength(1);
  });

  it('reads an STS key with its token from the environment', async () => {
    setEnv({
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'STS.sandbox',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'sts-secret',
      ALIBABA_CLOUD_SECURITY_TOKEN: 'sts-token',
    });
    expect(await chainApis().sae.listApplications('cn-hangzhou', { appName: 'app-010' })).toHaveLength(1);
  });

  it('without keys, fails each call with one line naming the variables, then finds keys set later', async () => {
    setEnv({});
    const apis = chainApis();
    const started = Date.now();
    const error = await rejection(apis.sae.describeStatus('cn-hangzhou', saeApp(0).appId));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toMatchObject({ code: 'MissingCredentials', kind: 'permission', product: 'sae', action: 'DescribeApplicationStatus' });
    const message = (error as Error).message;
    expect(message).toMatch(/ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET/);
    expect(message).not.toContain('\n');
    // The stock chain would keep asking only the provider it tried last; this one starts over.
    setEnv({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'sandbox-ak', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'sandbox-secret' });
    expect(await apis.sae.describeStatus('cn-hangzhou', saeApp(0).appId)).toMatchObject({ status: 'RUNNING' });
  });

  it('checkCredentials fails early with the same line', async () => {
    setEnv({});
    const error = await rejection(checkCredentials(credentialFields({ kind: 'chain' })));
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toMatch(/^no Alibaba Cloud credentials found: set ALIBABA_CLOUD_ACCESS_KEY_ID/);
    setEnv({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'a', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'b' });
    await checkCredentials(credentialFields({ kind: 'chain' }));
  });
});

describe('static keys and Function Compute', () => {
  it('takes the STS keys Function Compute passes in the context', async () => {
    const source = fcCredentials({
      credentials: { accessKeyId: 'STS.sandbox', accessKeySecret: 'sts-secret', securityToken: 'sts-token' },
    });
    expect(source).toEqual({ kind: 'static', accessKeyId: 'STS.sandbox', accessKeySecret: 'sts-secret', securityToken: 'sts-token' });
    const apis = createCloudApis({ credentials: source, endpointOverride: sandbox.url });
    expect(await apis.swas.listInstances('cn-shanghai', {})).toHaveLength(20);
  });

  it('says what is missing when the context has no keys', () => {
    expect(() => fcCredentials({})).toThrow(CredentialsError);
    expect(() => fcCredentials(undefined)).toThrow(/give the function a RAM role/);
    expect(() => fcCredentials({ credentials: { accessKeyId: 'x', accessKeySecret: '' } })).toThrow(CredentialsError);
  });

  it('refuses empty static keys when the APIs are made', () => {
    expect(() =>
      createCloudApis({ credentials: { kind: 'static', accessKeyId: '', accessKeySecret: 'x' }, endpointOverride: sandbox.url }),
    ).toThrow(/ALIBABA_CLOUD_ACCESS_KEY_ID/);
  });

  it('refuses an unusable OFFPEAK_ENDPOINT and timeouts when the APIs are made', () => {
    const credentials = { kind: 'static', accessKeyId: 'a', accessKeySecret: 'b' } as const;
    expect(() => createCloudApis({ credentials, endpointOverride: 'localhost:8090' })).toThrow(/OFFPEAK_ENDPOINT/);
    expect(() => createCloudApis({ credentials, readTimeoutMs: 0 })).toThrow(/readTimeoutMs/);
    expect(() => createCloudApis({ credentials, connectTimeoutMs: 1.5 })).toThrow(/connectTimeoutMs/);
  });
});
