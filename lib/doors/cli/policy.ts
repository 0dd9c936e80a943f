import { ACCOUNT_ID } from '../../policy/actions.js';
import { buildPolicy } from '../../policy/build.js';
import { formatDiagnostic, hasErrors, sortDiagnostics } from '../../schedule/diagnostics.js';
import { loadSchedules } from '../schedule-files.js';
import { quote } from '../../errors.js';
import type { Io } from './io.js';
import { parseFlags, UsageError } from './args.js';

export const POLICY_USAGE = `usage: offpeak policy [--schedules DIR] [--account ID] [--sae-batch] [--json-only]

Prints the RAM policy document the schedules need (JSON on stdout): the actions offpeak calls, on
the exact apps and instances where rules name ids, with wildcards only where selectors or the API
need them. Each wildcard is explained by a WARNING on stderr.
  --account ID   your 16-digit Alibaba Cloud account id, written into every ARN (default: *)
  --sae-batch    also grant the SAE batch actions, for a function with OFFPEAK_SAE_BATCH=true
  --json-only    print the document only, without the warnings
Create a custom policy in RAM with the JSON and attach it to the function's role. Exit 0 with the
document, 2 when the schedules have errors or a flag is wrong.`;

/** `offpeak policy`: loads the schedules, prints the document and its warnings. */
export async function policyCommand(argv: string[], io: Io, now: number): Promise<number> {
  const { values } = parseFlags(argv, {
    schedules: { type: 'string' },
    account: { type: 'string' },
    'sae-batch': { type: 'boolean' },
    'json-only': { type: 'boolean' },
  });
  if (values.help) {
    io.out(POLICY_USAGE);
    return 0;
  }
  // Checked before the schedules are read: a wrong account would be written into every ARN.
  if (values.account !== undefined && !ACCOUNT_ID.test(values.account)) {
    throw new UsageError(
      `--account ${quote(values.account)} is not an account id; expected the 16 digits of your Alibaba Cloud account id, e.g. 1234567890123456`,
    );
  }

  const loaded = await loadSchedules([values.schedules ?? 'schedules'], { at: now, warnings: false });
  const diagnostics = sortDiagnostics(loaded.diagnostics);
  if (hasErrors(diagnostics)) {
    // stdout stays empty: a script that writes it to a file must not get half a policy.
    for (const d of diagnostics) io.err(formatDiagnostic(d));
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    io.err(`${errors} error${errors === 1 ? '' : 's'}: no policy until the errors are fixed; run 'offpeak validate' for details`);
    return 2;
  }

  const { document, warnings } = buildPolicy(loaded.rules, {
    ...(values.account !== undefined ? { account: values.account } : {}),
    saeBatch: values['sae-batch'] ?? false,
  });
  io.out(JSON.stringify(document, null, 2));
  if (!values['json-only']) for (const w of warnings) io.err(`WARNING: ${w.message}`);
  return 0;
}
