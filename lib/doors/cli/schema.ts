import { readFile, writeFile } from 'node:fs/promises';
import { scheduleJsonSchema } from '../../schedule/schema.js';
import type { Io } from './io.js';
import { parseFlags } from './args.js';

export const SCHEMA_PATH = 'schedules/schema.json';

/** The published JSON Schema text, exactly as committed. */
export const schemaText = (): string => `${JSON.stringify(scheduleJsonSchema(), null, 2)}\n`;

export async function schemaCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, { write: { type: 'boolean' }, check: { type: 'boolean' } });
  if (values.help) {
    io.out(
      `usage: offpeak schema [--write | --check]\n\nPrints the JSON Schema of schedule files; --write saves it to ${SCHEMA_PATH}, --check fails when that file is stale.`,
    );
    return 0;
  }
  const text = schemaText();
  if (values.write) {
    await writeFile(SCHEMA_PATH, text);
    io.out(`wrote ${SCHEMA_PATH}`);
  } else if (values.check) {
    const current = await readFile(SCHEMA_PATH, 'utf8').catch(() => '');
    if (current !== text) {
      io.err(`${SCHEMA_PATH} is out of date; run 'npm run schema'`);
      return 1;
    }
  } else io.out(text);
  return 0;
}
