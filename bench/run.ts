import { benchAccounts } from './accounts.js';
import { benchBundle } from './bundle.js';
import { benchExecute } from './execute.js';
import { benchPlan } from './plan.js';
import { benchSandbox } from './sandbox.js';
import { benchNamespace } from './namespace.js';
import { benchScale } from './scale.js';
import type { BenchSection } from './section.js';

/**
 * `npm run bench [-- PART...]`: runs the benchmark parts (all by default) and prints each as a
 * Markdown table, ready to paste into docs/benchmarks.md with the command that produced it.
 */
const PARTS: Record<string, () => BenchSection | Promise<BenchSection>> = {
  plan: benchPlan,
  sandbox: benchSandbox,
  execute: benchExecute,
  bundle: benchBundle,
  scale: benchScale,
  namespace: benchNamespace,
  accounts: benchAccounts,
};

function table(section: BenchSection): string {
  const columns = Object.keys(section.rows[0] ?? {});
  const lines = [`### ${section.title}`, '', `| ${columns.join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`];
  for (const row of section.rows) lines.push(`| ${columns.map((c) => String(row[c] ?? '')).join(' | ')} |`);
  return [...lines, '', ...section.notes.map((n) => `- ${n}`), ''].join('\n');
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !PARTS[name]);
if (unknown.length) {
  console.error(`bench: unknown part ${unknown.join(', ')}; parts: ${Object.keys(PARTS).join(', ')}`);
  process.exit(2);
}
console.log(`node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
for (const name of wanted.length ? wanted : Object.keys(PARTS)) console.log(table(await PARTS[name]!()));
