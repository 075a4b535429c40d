/**
 * Runs a command-line entry point (`node dist/cli.js <command>`): `main` resolves to the exit code; an error it
 * throws is printed as one line on stderr and exits 1.
 */
export async function runCli(main: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

/** Prints the usage text for `help` or no command (exit 0) and for an unknown command (exit 2). */
export function usage(text: string, command: string | undefined): number {
  process.stderr.write(text);
  return command === undefined || command === 'help' ? 0 : 2;
}
