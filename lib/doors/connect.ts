import type { CloudApis } from '../cloud/api.js';
import type { CredentialSource } from '../cloud/credentials.js';
import { createCloudApis } from '../cloud/index.js';
import { DEFAULT_READ_TIMEOUT_MS } from '../cloud/openapi.js';
import type { Settings } from '../config.js';
import type { Clock } from '../execute/clock.js';
import type { Deadline } from '../execute/deadline.js';
import { createGate } from '../execute/gate.js';
import { Pacer } from '../execute/pacer.js';

/**
 * The cloud clients of one run, behind one gate: every call is paced under the account's rate
 * limits, retried by the one retry policy, and kept inside the run's deadline.
 */
export function connect(options: { credentials: CredentialSource; settings: Settings; deadline: Deadline; clock: Clock }): {
  apis: CloudApis;
  pacer: Pacer;
} {
  const { settings, deadline, clock } = options;
  const pacer = new Pacer({ clock, rateScale: settings.rateScale });
  // Against a time-scaled sandbox, backoff shrinks with everything else so runs keep their shape.
  const scale = settings.rateScale;
  const gate = createGate({
    pacer,
    deadline,
    sleep: (ms) => clock.sleep(ms),
    retry: { minTimeoutMs: 500 / scale, maxTimeoutMs: 20_000 / scale },
  });
  const apis = createCloudApis({
    credentials: options.credentials,
    ...(settings.endpoint ? { endpointOverride: settings.endpoint } : {}),
    vpc: settings.vpc,
    gate,
    // The clients' HTTP layer keeps each finished request until its read timer runs out. At the
    // real cloud's pace that is a handful; against a sandbox whose time runs 1000x faster it would
    // be thousands, so there the read timeout shrinks with time too (never below 2 s of real time).
    ...(scale > 1 ? { readTimeoutMs: Math.max(2_000, DEFAULT_READ_TIMEOUT_MS / scale) } : {}),
  });
  return { apis, pacer };
}
