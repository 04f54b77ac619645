/**
 * The exit-code scheme every chime program shares (s6's convention plus Nagios for jobs):
 * 0 ok; 1 warning, 2 critical, 3 unknown for a job run once; 100 usage or bad input;
 * 111 a temporary system failure.
 */
export const EXIT_USAGE = 100;
export const EXIT_SYSTEM = 111;

/** A failure that ends a command-line program: "PROG: message" on stderr, then exit code. */
export class Fatal extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export function die(code: number, message: string): never {
  throw new Fatal(code, message);
}

/**
 * Runs a program's main and turns Fatal into "PROG: message" + exit code. Sets
 * process.exitCode instead of calling process.exit(), so stdout drains first.
 */
export async function runMain(prog: string, main: () => Promise<number | undefined>): Promise<void> {
  try {
    const code = await main();
    if (typeof code === "number") process.exitCode = code;
  } catch (err) {
    if (err instanceof Fatal) {
      process.stderr.write(`${prog}: ${err.message}\n`);
      process.exitCode = err.code;
    } else {
      process.stderr.write(`${prog}: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = EXIT_SYSTEM;
    }
  }
}
