import { processIo, type Io } from './io.js';

type Command = (argv: string[], io: Io) => Promise<number>;

const USAGE = `usage: offpeak <command> [options]

commands:
  validate [PATH...]   check schedule files (default: schedules/)
  plan                 show what each rule does at an instant and next
  sandbox              serve the local SAE/SWAS sandbox
  help                 this text

Run 'offpeak <command> --help' for a command's options.`;

async function load(name: string): Promise<Command | undefined> {
  // Commands load lazily so `offpeak validate` never pays for the sandbox's imports.
  switch (name) {
    default:
      return undefined;
  }
}

/** Runs the CLI; returns the exit code (0 ok, 1 a run failed, 2 bad input). */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.out(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = await load(name);
  if (!command) {
    io.err(`offpeak: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  return command(rest, io);
}
