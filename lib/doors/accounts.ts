import type { CloudApis } from '../cloud/api.js';
import { assumedRole, checkAssumed } from '../cloud/assume.js';
import type { CredentialSource } from '../cloud/credentials.js';
import type { Settings } from '../config.js';
import type { Clock } from '../execute/clock.js';
import type { Deadline } from '../execute/deadline.js';
import type { Account } from '../schedule/accounts.js';
import { connect } from './connect.js';

/**
 * The clients of each account of a run (lib/fleet.ts asks for them): the function's own with its
 * own keys, a member's with its role assumed from those keys (once, and checked at once, so a
 * refusal is one clear failure of that account). Each account gets its own gate: its own pacer,
 * so each is paced under its own rate limits.
 */
export function accountConnector(options: {
  credentials: CredentialSource;
  settings: Settings;
  deadline: Deadline;
  clock: Clock;
  /** The function's region: STS's VPC endpoint is regional. */
  region?: string;
}): (account: Account | undefined) => Promise<CloudApis> {
  const { credentials, settings, deadline, clock } = options;
  return async (account) => {
    if (account === undefined) return connect({ credentials, settings, deadline, clock }).apis;
    const role = assumedRole({
      base: credentials,
      roleArn: account.roleArn,
      ...(account.externalId !== undefined ? { externalId: account.externalId } : {}),
      // RoleSessionName: 2 to 64 of letters, digits and . @ - _; it names the run in the member's ActionTrail.
      sessionName: `offpeak-${account.name}`.slice(0, 64),
      ...(settings.endpoint ? { endpointOverride: settings.endpoint } : {}),
      ...(options.region !== undefined ? { region: options.region } : {}),
      vpc: settings.vpc,
    });
    await checkAssumed(role, account);
    return connect({ credentials: role, settings, deadline, clock }).apis;
  };
}
