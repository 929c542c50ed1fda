/**
 * Every error Vigil raises on purpose descends from VigilError; `cause` keeps the error underneath.
 * InputError marks the caller's fault (a bad event, file, flag, request or setting): answering it
 * again changes nothing, so the CLI exits 2 and a handler answers instead of asking for a retry.
 * Anything else (AWS refused, a destination failed) is exit 1, and retried where retrying helps.
 */
export class VigilError extends Error {
  override name = "VigilError";
}

/** The caller's fault: fix the input, don't retry. */
export class InputError extends VigilError {
  override name = "InputError";
}

export function isInputError(error: unknown): error is InputError {
  return error instanceof InputError;
}
