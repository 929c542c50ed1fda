import type { ZodError } from "zod";
import { InputError } from "../domain/errors.ts";

export class ConfigError extends InputError {
  override name = "ConfigError";
}

/** "detection.metricSets.0.settings.k: Too small: expected number to be >0" — one line per problem. */
export function describeZodError(error: ZodError, prefix = ""): string {
  return error.issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
      const keys =
        "keys" in issue && Array.isArray(issue.keys) ? ` (${issue.keys.join(", ")})` : "";
      return `${path || "(root)"}: ${issue.message}${keys}`;
    })
    .join("\n");
}
