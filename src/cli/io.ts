/** Where a command writes; injected so commands are testable and only bin/ touches process. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, failure: 1, badInput: 2 } as const;
