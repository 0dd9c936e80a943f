import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CALENDAR, fleetYaml } from './rules.js';

/**
 * `node dist/bench/write-fleet.js DIR [COUNT]`: writes the benchmark fleet as schedule files, so
 * whole-process timings of `offpeak validate` / `offpeak plan` can be taken on it.
 */
const [dir, count = '1000'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node dist/bench/write-fleet.js DIR [COUNT]');
  process.exit(2);
}
await mkdir(join(dir, 'calendars'), { recursive: true });
await writeFile(join(dir, 'fleet.yaml'), fleetYaml(Number(count)));
await writeFile(join(dir, 'calendars', 'cn.yaml'), CALENDAR);
console.log(`wrote ${count} rules to ${join(dir, 'fleet.yaml')}`);
