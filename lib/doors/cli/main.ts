import { processIo, type Io } from './io.js';
import { UsageError } from './args.js';
import { quote } from '../../errors.js';

// bin/offpeak.js calls it before main: the process is the CLI's own.
export { preferSmallHeap } from '../heap.js';

/** A command: argv after its name, where to write, and the instant the CLI started ("now"). */
type Command = (argv: string[], io: Io, now: number) => Promise<number>;

const USAGE = `usage: offpeak <command> [options]

commands:
  validate [PATH...]   check schedule files (default: schedules/)
  plan                 what each rule does at an instant, and next
  run                  run the main job once (stop and start what is due)
  wake                 start targets now and keep them up for a while
  policy               print the RAM policy the schedules need
  invoke               run the deployed function by hand and print its report
  schema               print or update the JSON Schema of schedule files
  sandbox              serve the local SAE/SWAS sandbox
  help                 this text

Run 'offpeak <command> --help' for a command's options.`;

// Commands load lazily so `offpeak validate` never pays for the sandbox's imports.
const COMMANDS: Record<string, () => Promise<Command>> = {
  validate: async () => (await import('./validate.js')).validateCommand,
  plan: async () => (await import('./plan.js')).planCommand,
  schema: async () => (await import('./schema.js')).schemaCommand,
  sandbox: async () => (await import('./sandbox.js')).sandboxCommand,
  run: async () => (await import('./run.js')).runCommand,
  wake: async () => (await import('./wake.js')).wakeCommand,
  policy: async () => (await import('./policy.js')).policyCommand,
  invoke: async () => (await import('./invoke.js')).invokeCommand,
};

/** Runs the CLI; returns the exit code (0 ok, 1 a run failed, 2 bad input). Never throws. */
export async function main(argv: string[], io: Io = processIo(), now: number = Date.now()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.out(USAGE);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.err(`offpeak: unknown command ${quote(name)}; run 'offpeak help' for the list`);
    return 2;
  }
  try {
    return await (
      await load()
    )(rest, io, now);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`offpeak ${name}: ${error.message}; run 'offpeak ${name} --help' for usage`);
      return 2;
    }
    // A bug, not bad input: say so in one line and point at the debug switch, no stack by default.
    io.err(`offpeak ${name}: internal error: ${(error as Error).message ?? String(error)}`);
    if (io.env.OFFPEAK_DEBUG) io.err(String((error as Error).stack));
    return 70;
  }
}
