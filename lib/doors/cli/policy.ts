import { ACCOUNT_ID } from '../../policy/actions.js';
import { FUNCTION_ROLE_PLACEHOLDER, homePolicy, memberPolicies } from '../../policy/accounts.js';
import { ROLE_ARN } from '../../schedule/accounts.js';
import { REGION } from '../../cloud/endpoints.js';
import { quoteList } from '../../errors.js';
import { formatDiagnostic, hasErrors, sortDiagnostics } from '../../schedule/diagnostics.js';
import { loadSchedules } from '../schedule-files.js';
import { quote } from '../../errors.js';
import type { Io } from './io.js';
import { parseFlags, UsageError } from './args.js';

export const POLICY_USAGE = `usage: offpeak policy [--schedules DIR] [--account ID] [--sae-batch] [--json-only]
                      [--region REGION] [--function NAME]
       offpeak policy --account NAME [--function-role ARN] [--schedules DIR] [--sae-batch] [--json-only]

Prints the RAM policy document the schedules need (JSON on stdout): the actions offpeak calls, on
the exact apps and instances where rules name ids, with wildcards only where selectors or the API
need them. Each wildcard is explained by a WARNING on stderr.
  --account ID   your 16-digit Alibaba Cloud account id, written into every ARN (default: *)
  --sae-batch    also grant the SAE batch actions, for a function with OFFPEAK_SAE_BATCH=true
  --json-only    print the document only, without the warnings
When the schedules declare member accounts, the function's policy also grants sts:AssumeRole on
their roles and, unless OFFPEAK_FAN_OUT=off, fc:InvokeFunction on the function itself:
  --region R --function NAME   where the function runs (default * and offpeak, as s.yaml deploys it)
With --account NAME (a member account of the schedules) it prints that account's role instead:
{ account, roleArn, trustPolicy, permissionPolicy }, the trust policy trusting the function's role.
  --function-role ARN   the function's role (s.yaml vars.role), e.g. acs:ram::1234567890123456:role/offpeak-scheduler
Create a custom policy in RAM with the JSON and attach it to the function's role. Exit 0 with the
document, 2 when the schedules have errors or a flag is wrong.`;

/** `offpeak policy`: loads the schedules, prints the document and its warnings. */
export async function policyCommand(argv: string[], io: Io, now: number): Promise<number> {
  const { values } = parseFlags(argv, {
    schedules: { type: 'string' },
    account: { type: 'string' },
    'sae-batch': { type: 'boolean' },
    'json-only': { type: 'boolean' },
    region: { type: 'string' },
    function: { type: 'string' },
    'function-role': { type: 'string' },
  });
  if (values.help) {
    io.out(POLICY_USAGE);
    return 0;
  }
  // Checked before the schedules are read: a wrong account would be written into every ARN. A
  // value that is no account id names a member account, checked once the schedules are read.
  const member = values.account !== undefined && !ACCOUNT_ID.test(values.account) ? values.account : undefined;
  if (values['function-role'] !== undefined && !ROLE_ARN.test(values['function-role']))
    throw new UsageError(
      `--function-role ${quote(values['function-role'])} is not a role ARN; expected acs:ram::<account id>:role/<role name>`,
    );
  if (values['function-role'] !== undefined && member === undefined)
    throw new UsageError("--function-role goes with --account NAME (a member account): it is the principal of that role's trust policy");
  if (values.function !== undefined && !/^[A-Za-z_][A-Za-z0-9_-]{0,127}$/.test(values.function))
    throw new UsageError(`--function ${quote(values.function)} is not a function name (letters, digits, _ and -)`);
  if (values.region !== undefined && !REGION.test(values.region))
    throw new UsageError(`--region ${quote(values.region)} is not a region id (e.g. cn-hangzhou)`);

  const loaded = await loadSchedules([values.schedules ?? 'schedules'], { at: now, warnings: false });
  const diagnostics = sortDiagnostics(loaded.diagnostics);
  if (hasErrors(diagnostics)) {
    // stdout stays empty: a script that writes it to a file must not get half a policy.
    for (const d of diagnostics) io.err(formatDiagnostic(d));
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    io.err(`${errors} error${errors === 1 ? '' : 's'}: no policy until the errors are fixed; run 'offpeak validate' for details`);
    return 2;
  }

  if (member !== undefined) {
    const account = loaded.accounts.get(member);
    if (!account) {
      const declared = [...loaded.accounts.keys()];
      throw new UsageError(
        `--account ${quote(member)} is neither an account id (16 digits) nor a member account of the schedules${declared.length ? ` (${quoteList(declared, 10)})` : ' (they declare none)'}`,
      );
    }
    const policies = memberPolicies(loaded.rules, account, {
      functionRole: values['function-role'] ?? FUNCTION_ROLE_PLACEHOLDER,
      saeBatch: values['sae-batch'] ?? false,
    });
    const { warnings, ...printed } = policies;
    io.out(JSON.stringify(printed, null, 2));
    if (!values['json-only']) for (const w of warnings) io.err(`WARNING: ${w.message}`);
    return 0;
  }
  const setting = (io.env.OFFPEAK_FAN_OUT || 'auto').toLowerCase();
  const fanOut = setting === 'off' || setting === 'always' ? setting : 'auto';
  const { document, warnings } = homePolicy(loaded.rules, loaded.accounts, {
    ...(values.account !== undefined ? { account: values.account } : {}),
    saeBatch: values['sae-batch'] ?? false,
    fanOut,
    function: { region: values.region ?? '*', name: values.function ?? 'offpeak' },
  });
  io.out(JSON.stringify(document, null, 2));
  if (!values['json-only']) for (const w of warnings) io.err(`WARNING: ${w.message}`);
  return 0;
}
