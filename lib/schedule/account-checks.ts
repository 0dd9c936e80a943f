import { quote, quoteList } from '../errors.js';
import { ACCOUNT_NAME, accountSchema, ROLE_ARN, type Account } from './accounts.js';
import type { Diagnostic } from './diagnostics.js';
import { closest } from './issues.js';
import type { Source } from './source.js';
import type * as z from 'zod';

/**
 * The checks of member accounts across schedule files (lib/schedule/accounts.ts has their shape):
 * names unique across files, and every target's `account` declared in some file.
 */

type RawAccount = z.infer<typeof accountSchema>;

/**
 * The accounts every file declares, with an error for a name declared twice. Each file's block is
 * checked by the file's schema (a wrong entry has its own error and is left out here). `inDoubt`:
 * some file could not be read or some entry is wrong, so a name missing here may be declared after all.
 */
export function compileAccounts(files: readonly Source[], diagnostics: Diagnostic[]): { accounts: Map<string, Account>; inDoubt: boolean } {
  const accounts = new Map<string, Account>();
  let inDoubt = false;
  for (const source of files) {
    if (source.diagnostics.length > 0) {
      inDoubt = true;
      continue;
    }
    const block = (source.value as { accounts?: unknown } | null | undefined)?.accounts;
    if (block === undefined) continue;
    if (block === null || typeof block !== 'object' || Array.isArray(block)) {
      inDoubt = true;
      continue;
    }
    for (const [name, value] of Object.entries(block as Record<string, unknown>)) {
      const parsed = accountSchema.safeParse(value);
      if (!ACCOUNT_NAME.test(name) || !parsed.success) {
        inDoubt = true;
        continue;
      }
      const line = source.locate(['accounts', name], { key: true }).line;
      const first = accounts.get(name);
      if (first) {
        diagnostics.push(
          source.at(
            ['accounts', name],
            `${quote(name)} is already the name of an account at ${first.file}:${first.line}; account names are unique across all files`,
            { key: true },
          ),
        );
        continue;
      }
      accounts.set(name, accountOf(name, parsed.data, source.file, line));
    }
  }
  return { accounts, inDoubt };
}

function accountOf(name: string, raw: RawAccount, file: string, line: number): Account {
  const [, accountId, roleName] = ROLE_ARN.exec(raw.roleArn)!;
  return {
    name,
    roleArn: raw.roleArn,
    accountId: accountId!,
    roleName: roleName!,
    ...(raw.externalId !== undefined && { externalId: raw.externalId }),
    ...(raw.description !== undefined && { description: raw.description }),
    file,
    line,
  };
}

/**
 * Errors for target entries of a file that name an account no file declares. `inDoubt`: some
 * declaration is wrong, so an unknown name may be declared after all (its own error says so).
 */
export function checkTargetAccounts(
  source: Source,
  rules: readonly unknown[],
  accounts: ReadonlyMap<string, Account>,
  inDoubt: boolean,
  diagnostics: Diagnostic[],
): void {
  if (inDoubt) return;
  const declared = [...accounts.keys()];
  rules.forEach((rule, index) => {
    const targets = (rule as { targets?: Record<string, unknown> } | null | undefined)?.targets;
    if (targets === null || typeof targets !== 'object') return;
    for (const product of ['sae', 'swas'] as const) {
      const entries = targets[product];
      if (!Array.isArray(entries)) continue;
      entries.forEach((entry: unknown, i) => {
        const name = (entry as { account?: unknown } | null | undefined)?.account;
        if (typeof name !== 'string' || !ACCOUNT_NAME.test(name) || accounts.has(name)) return;
        const guess = closest(name, declared);
        diagnostics.push(
          source.at(
            ['rules', index, 'targets', product, i, 'account'],
            declared.length === 0
              ? `account ${quote(name)} is not declared; declare it at the top of a schedule file: 'accounts: { ${name}: { roleArn: acs:ram::<account id>:role/<role> } }'`
              : `account ${quote(name)} is not declared${guess ? `; did you mean '${guess}'?` : ''}; declared: ${quoteList(declared, 10, (n) => n)}`,
          ),
        );
      });
    }
  });
}
