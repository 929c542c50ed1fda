import { GetParametersByPathCommand, type SSMClient } from "@aws-sdk/client-ssm";
import type { ExemptionParameter, ExemptionParameters } from "../ports/exemption-parameters.ts";

/** IAM action the SSM exemption source calls, granted on the configured path only. */
export const EXEMPTION_PARAMETER_ACTIONS = ["ssm:GetParametersByPath"];

/** How long read entries are used before SSM is asked again (per container). */
const DEFAULT_TTL_MS = 5 * 60_000;

/** Parameters read at most: a path holding more is refused rather than read in part. */
const MAX_PARAMETERS = 1000;

export interface SsmExemptionParametersOptions {
  ssm: SSMClient;
  /** e.g. /vigil/exemptions: every parameter below it, recursively. */
  path: string;
  ttlMs?: number;
  clock?: () => number;
}

/**
 * Central exemptions in SSM Parameter Store, one String parameter per entry, read with
 * GetParametersByPath (recursive, every page) and cached for a few minutes per container. A read
 * that fails is not cached: the next finding asks again. SecureString values are not decrypted
 * (no kms:Decrypt): such an entry does not parse and is reported.
 */
export class SsmExemptionParameters implements ExemptionParameters {
  readonly source: string;
  private cached?: { at: number; parameters: ExemptionParameter[] };

  constructor(private readonly options: SsmExemptionParametersOptions) {
    this.source = `SSM ${options.path}`;
  }

  async read(): Promise<ExemptionParameter[]> {
    const now = (this.options.clock ?? Date.now)();
    const ttl = this.options.ttlMs ?? DEFAULT_TTL_MS;
    if (this.cached && now - this.cached.at < ttl) return this.cached.parameters;
    const parameters: ExemptionParameter[] = [];
    let token: string | undefined;
    do {
      const page = await this.options.ssm.send(
        new GetParametersByPathCommand({
          Path: this.options.path,
          Recursive: true,
          WithDecryption: false,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const parameter of page.Parameters ?? []) {
        parameters.push({ name: parameter.Name ?? "?", value: parameter.Value ?? "" });
      }
      if (parameters.length > MAX_PARAMETERS) {
        throw new Error(`more than ${MAX_PARAMETERS} parameters under ${this.options.path}`);
      }
      token = page.NextToken;
    } while (token);
    this.cached = { at: now, parameters };
    return parameters;
  }
}
