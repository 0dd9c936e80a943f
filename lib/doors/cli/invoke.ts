import type { CredentialSource } from '../../cloud/credentials.js';
import type { InvokeResult } from '../../cloud/fc.js';
import type { Io } from './io.js';
import { instantFlag, parseFlags, UsageError } from './args.js';

export const INVOKE_USAGE = `usage: offpeak invoke [--function NAME] [--region R] [--account ID] [--async]
                      [--event JSON | --dry-run | --at ISO] [--tail]
                      [--service NAME] [--qualifier Q] [--endpoint URL]

Runs the deployed function once, by hand, and prints its report (JSON).
  --function NAME  the function (default offpeak)
  --region R       its region (default ALIBABA_CLOUD_REGION_ID, else cn-hangzhou)
  --account ID     your account id (default ALIBABA_CLOUD_ACCOUNT_ID; the invoke host is
                   <account>.<region>.fc.aliyuncs.com)
  --dry-run        send {"dryRun":true}: decide and report, change nothing
  --at ISO         send {"at": ISO}: act as at that instant (with an offset or Z); combines with --dry-run
  --event JSON     send this event as it is, e.g. '{"rules":["dev-nights"],"action":"stop"}'
  (no event)       a manual run now, as the timer would run it
  --async          queue the run and print its request id only (timer triggers invoke so)
  --tail           also print the last 4 KB of the function's log (sync only)
  --service NAME   use the FC 2.0 API with this service (default: the FC 3.0 API)
  --qualifier Q    a version or alias (default LATEST)
  --endpoint URL   send the call to this base URL instead (the sandbox: offpeak sandbox)
Keys come from ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN (or a CLI profile); they need
fc:InvokeFunction on the function. Exit 0 when the function succeeded (or was queued), 1 when it
failed or the call was refused, 2 on bad input.`;

export async function invokeCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, {
    function: { type: 'string' },
    region: { type: 'string' },
    account: { type: 'string' },
    async: { type: 'boolean' },
    event: { type: 'string' },
    'dry-run': { type: 'boolean' },
    at: { type: 'string' },
    tail: { type: 'boolean' },
    service: { type: 'string' },
    qualifier: { type: 'string' },
    endpoint: { type: 'string' },
  });
  if (values.help) {
    io.out(INVOKE_USAGE);
    return 0;
  }
  if (values.event !== undefined && (values['dry-run'] || values.at !== undefined))
    throw new UsageError('--event excludes --dry-run and --at: put dryRun and at into the event instead');
  if (values.tail && values.async)
    throw new UsageError('--tail needs a sync call: an async one answers before the function has logged anything');
  const event = eventOf(values.event, values['dry-run'] ?? false, values.at);
  const region = values.region ?? (io.env.ALIBABA_CLOUD_REGION_ID || 'cn-hangzhou');
  const accountId = values.account ?? (io.env.ALIBABA_CLOUD_ACCOUNT_ID || undefined);
  if (accountId === undefined && values.endpoint === undefined) {
    throw new UsageError(
      'no account id: set ALIBABA_CLOUD_ACCOUNT_ID or pass --account (the console shows it under your avatar; `aliyun sts GetCallerIdentity` prints it)',
    );
  }

  // Loaded only now: `offpeak --help` and the other commands never pay for the clients.
  const { invokeFc2, invokeFc3, InvokeError } = await import('../../cloud/fc.js');
  const options = {
    region,
    ...(accountId !== undefined ? { accountId } : {}),
    functionName: values.function ?? 'offpeak',
    ...(event !== undefined ? { event } : {}),
    async: values.async ?? false,
    credentials: credentialsOf(io.env),
    ...(values.endpoint !== undefined ? { endpointOverride: values.endpoint } : {}),
    ...(values.qualifier !== undefined ? { qualifier: values.qualifier } : {}),
    tailLog: values.tail ?? false,
  };
  const api = values.service !== undefined ? 'FC 2.0' : 'FC 3.0';
  let result: InvokeResult;
  try {
    result = values.service !== undefined ? await invokeFc2({ ...options, serviceName: values.service }) : await invokeFc3(options);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // No keys at all (from credentials.ts, or openapi-client's own check): a setup mistake, said as it is.
    if (code === 'MissingCredentials' || code === 'InvalidCredentials') {
      io.err(`offpeak invoke: ${(error as Error).message}`);
      return 2;
    }
    if (!(error instanceof InvokeError)) throw error;
    // A check before the call (a name, the endpoint) is bad input; anything the platform said is a failed run.
    if (error.status === undefined && ['InvalidArgument', 'InvalidEndpoint', 'MissingAccountId'].includes(error.code))
      throw new UsageError(error.message, { cause: error });
    io.err(`offpeak invoke: ${error.message}`);
    return 1;
  }
  if (result.log !== undefined) io.err(result.log.trimEnd());
  if (options.async) {
    io.out(result.requestId);
    io.err(`queued (${api}, HTTP ${result.status}); the run's outcome is in the function's logs under this request id`);
    return 0;
  }
  if (result.errorType !== undefined) {
    io.err(`function error (${result.errorType}): ${errorMessageOf(result.body)}`);
    io.err(`request id ${result.requestId}`);
    return 1;
  }
  io.out(pretty(result.body));
  io.err(`request id ${result.requestId} (${api})`);
  return 0;
}

/** The event bytes: --event as given (checked as JSON here, so a typo never reaches the function), or the one --dry-run/--at make. */
function eventOf(eventText: string | undefined, dryRun: boolean, at: string | undefined): string | undefined {
  if (eventText !== undefined) {
    try {
      JSON.parse(eventText);
    } catch (error) {
      throw new UsageError(`--event is not JSON: ${(error as Error).message}`, { cause: error });
    }
    return eventText;
  }
  if (at !== undefined) instantFlag('at', at);
  if (!dryRun && at === undefined) return undefined;
  return JSON.stringify({ ...(at !== undefined ? { at } : {}), ...(dryRun ? { dryRun: true } : {}) });
}

/** Keys from the environment the CLI was given, else the default chain (CLI profiles, ECS role, ...). */
function credentialsOf(env: Readonly<Record<string, string | undefined>>): CredentialSource {
  const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (!accessKeyId || !accessKeySecret) return { kind: 'chain' };
  const securityToken = env.ALIBABA_CLOUD_SECURITY_TOKEN;
  return { kind: 'static', accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) };
}

/** FC's error body is `{errorMessage, errorType, stackTrace}`; anything else is shown as it came. */
function errorMessageOf(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed !== null && typeof parsed === 'object' && typeof (parsed as { errorMessage?: unknown }).errorMessage === 'string')
      return (parsed as { errorMessage: string }).errorMessage;
  } catch {
    // not JSON: the raw text is the best there is
  }
  return body.trim() || '(no message)';
}

/** JSON indented; any other output as it came. */
function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}
