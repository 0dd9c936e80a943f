import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AccountAccessError, assumedRole, checkAssumed } from '../../lib/cloud/assume.js';
import { credentialFields, type CredentialSource } from '../../lib/cloud/credentials.js';
import { createCloudApis } from '../../lib/cloud/index.js';
import { CloudError } from '../../lib/cloud/errors.js';
import { parseSeed } from '../../lib/sandbox/seed.js';
import { startSandbox, type Sandbox } from '../../lib/sandbox/server.js';
import { FUNCTION_KEY, fleetSeed, memberRole, MEMBERS } from './support/fleet-world.js';

/**
 * STS in the sandbox, through the client offpeak uses (`@alicloud/credentials`' RAM-role-ARN
 * provider): trust, external ids, roles that do not exist, the keys it hands out signing as the
 * member account, their expiry, and the provider renewing them before they expire.
 */

let sandbox: Sandbox;
beforeAll(async () => {
  // The clock read at each request, so a test that moves Date moves the sandbox's clock too.
  sandbox = await startSandbox({ seed: parseSeed(fleetSeed(), 'fleet seed'), wallClock: () => Date.now() });
});
afterAll(async () => {
  await sandbox?.close();
});
afterEach(() => {
  vi.useRealTimers();
  sandbox.gateway.reset();
});

const role = (name: keyof typeof MEMBERS, extra: { externalId?: string; base?: CredentialSource; roleArn?: string } = {}) =>
  assumedRole({
    base: extra.base ?? FUNCTION_KEY,
    roleArn: extra.roleArn ?? memberRole(name),
    sessionName: `offpeak-${name}`,
    endpointOverride: sandbox.url,
    ...(extra.externalId ? { externalId: extra.externalId } : {}),
  });

async function refused(source: CredentialSource, name: string, roleArn: string): Promise<AccountAccessError> {
  try {
    await checkAssumed(source, { name, roleArn });
  } catch (error) {
    expect(error).toBeInstanceOf(AccountAccessError);
    return error as AccountAccessError;
  }
  throw new Error('expected AssumeRole to be refused');
}

const listApps = (source: CredentialSource) =>
  createCloudApis({ credentials: source, endpointOverride: sandbox.url }).sae.listApplications('cn-hangzhou', {});

describe('AssumeRole', () => {
  it("returns keys that sign as the member account: it lists that account's apps and no other's", async () => {
    const dev = role('dev');
    await checkAssumed(dev, { name: 'dev', roleArn: memberRole('dev') });
    expect((await listApps(dev)).map((a) => a.appName)).toEqual(['dev-app-0', 'dev-app-1']);
    const keys = await (
      credentialFields(dev) as { credential: { getCredential(): Promise<{ accessKeyId: string; securityToken: string }> } }
    ).credential.getCredential();
    expect(keys.accessKeyId).toMatch(/^STS\./);
    expect(keys.securityToken).not.toBe('');
    const log = sandbox.gateway.calls();
    // One AssumeRole for the whole Credential, however many calls sign with it.
    expect(log.filter((c) => c.product === 'sts').map((c) => [c.action, c.code, c.accountId])).toEqual([
      ['AssumeRole', null, '1111111111111111'],
    ]);
    expect(log.filter((c) => c.product === 'sae').map((c) => [c.accountId, c.role])).toEqual([[MEMBERS.dev, memberRole('dev')]]);
  });

  it('needs the external id the trust policy names', async () => {
    expect((await refused(role('staging'), 'staging', memberRole('staging'))).code).toBe('NoPermission');
    expect((await refused(role('staging', { externalId: 'wrong' }), 'staging', memberRole('staging'))).code).toBe('NoPermission');
    await checkAssumed(role('staging', { externalId: 'ext-staging' }), { name: 'staging', roleArn: memberRole('staging') });
  });

  it('is refused to a caller the role does not trust: a key of the right account but not the trusted role', async () => {
    const plainKey: CredentialSource = { kind: 'static', accessKeyId: 'home-ak', accessKeySecret: 'home-secret' };
    const error = await refused(role('dev', { base: plainKey }), 'dev', memberRole('dev'));
    expect(error.code).toBe('NoPermission');
    expect(error.message).toContain('(NoPermission: You are not authorized to do this action. You should be authorized by RAM.)');
  });

  it('names a role that does not exist', async () => {
    const nobody = 'acs:ram::2222222222222222:role/nobody';
    const error = await refused(role('dev', { roleArn: nobody }), 'dev', nobody);
    expect(error.code).toBe('EntityNotExist.Role');
    expect(error.message).toMatch(/no such role in account 2222222222222222/);
  });

  it("refuses the role's keys once they expire (InvalidSecurityToken.Expired)", async () => {
    const dev = role('dev');
    const keys = await (
      credentialFields(dev) as {
        credential: { getCredential(): Promise<{ accessKeyId: string; accessKeySecret: string; securityToken: string }> };
      }
    ).credential.getCredential();
    const stale: CredentialSource = {
      kind: 'static',
      accessKeyId: keys.accessKeyId,
      accessKeySecret: keys.accessKeySecret,
      securityToken: keys.securityToken,
    };
    expect(await listApps(stale)).toHaveLength(2);
    sandbox.gateway.advance(3600_000);
    const error = await listApps(stale).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CloudError);
    expect([(error as CloudError).code, (error as CloudError).kind]).toEqual(['InvalidSecurityToken.Expired', 'permission']);
  });

  it('is asked again before the session expires: a long run never signs with stale keys', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const dev = role('dev');
    expect(await listApps(dev)).toHaveLength(2);
    // 44 minutes into the hour's session nothing is renewed; at 46, within 15 minutes of its end, it is.
    vi.setSystemTime(Date.now() + 44 * 60_000);
    expect(await listApps(dev)).toHaveLength(2);
    expect(sandbox.gateway.calls().filter((c) => c.product === 'sts')).toHaveLength(1);
    vi.setSystemTime(Date.now() + 2 * 60_000);
    expect(await listApps(dev)).toHaveLength(2);
    expect(
      sandbox.gateway
        .calls()
        .filter((c) => c.product === 'sts')
        .map((c) => c.code),
    ).toEqual([null, null]);
  });
});
