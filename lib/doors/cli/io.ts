/** Where a command writes. Injected so tests can run commands in-process and read what they print. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Rewrites the status line on stderr (no newline); only used when `interactive`. */
  status?(text: string): void;
  /** True when stderr is a terminal: progress lines are shown only then. */
  readonly interactive: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export function processIo(): Io {
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    status: (text) => process.stderr.write(`\r\x1b[K${text}`),
    interactive: Boolean(process.stderr.isTTY),
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Collects output in memory (tests, and callers that want the text). */
export function memoryIo(options: { env?: Record<string, string | undefined>; cwd?: string } = {}): Io & {
  stdout: string[];
  stderr: string[];
} {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (text) => void stdout.push(text),
    err: (text) => void stderr.push(text),
    interactive: false,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
  };
}
