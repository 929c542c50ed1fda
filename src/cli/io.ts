import { isInputError } from "../domain/errors.ts";

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

/** The exit code for an error a command caught: 2 when it is the caller's fault, else 1. */
export function exitCodeFor(error: unknown): (typeof EXIT)["badInput" | "failure"] {
  return isInputError(error) ? EXIT.badInput : EXIT.failure;
}
