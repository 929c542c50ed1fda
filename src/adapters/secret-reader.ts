import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SSMClient } from "@aws-sdk/client-ssm";
import { InputError } from "../domain/errors.ts";

/** IAM actions for reading the PagerDuty routing key (from either store; scoped to vigil/*). */
export const PAGERDUTY_SECRET_ACTIONS = ["secretsmanager:GetSecretValue", "ssm:GetParameter"];

/** Where the routing key is stored, and which setting named it (for error messages). */
export type SecretLocation =
  | { store: "secretsmanager"; name: string; setting: string }
  | { store: "ssm"; name: string; setting: string };

/** The routing key could not be read or is malformed: an operator must fix a setting. */
export class RoutingKeyError extends InputError {
  override name = "RoutingKeyError";
}

/**
 * PagerDuty Events API v2 integration (routing) keys are 32 letters and digits. Checking the shape
 * turns a pasted URL, a quoted value or a truncated key into a clear error instead of a 400.
 */
export const ROUTING_KEY_PATTERN = /^[A-Za-z0-9]{32}$/;

/** JSON secrets may hold the key under one of these names. */
const JSON_KEY_NAMES = ["routingKey", "routing_key", "integrationKey", "integration_key"];

export function describeLocation(location: SecretLocation): string {
  const what =
    location.store === "secretsmanager" ? "Secrets Manager secret" : "SSM SecureString parameter";
  return `${what} "${location.name}" (${location.setting})`;
}

/**
 * Pulls the routing key out of a secret value: a bare key, or JSON with a `routingKey` field.
 * Errors describe the shape found, never the value.
 */
export function parseRoutingKey(value: unknown, location: SecretLocation): string {
  const where = describeLocation(location);
  if (typeof value !== "string") {
    throw new RoutingKeyError(
      `the PagerDuty routing key in ${where} is not a string (binary secrets are not supported)`,
    );
  }
  let candidate = value.trim();
  if (candidate.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(candidate);
    } catch {
      throw new RoutingKeyError(
        `the PagerDuty routing key in ${where} looks like JSON but does not parse`,
      );
    }
    const record = (parsed ?? {}) as Record<string, unknown>;
    const field = JSON_KEY_NAMES.find((name) => typeof record[name] === "string");
    if (!field) {
      throw new RoutingKeyError(
        `the PagerDuty routing key in ${where} is JSON without a "routingKey" string field`,
      );
    }
    candidate = (record[field] as string).trim();
  }
  if (candidate.length === 0) {
    throw new RoutingKeyError(`the PagerDuty routing key in ${where} is empty`);
  }
  if (!ROUTING_KEY_PATTERN.test(candidate)) {
    throw new RoutingKeyError(
      `the PagerDuty routing key in ${where} is malformed: expected the 32-character Events API v2 integration key (letters and digits), found ${candidate.length} characters`,
    );
  }
  return candidate;
}

export interface RoutingKeyReaderOptions {
  location: SecretLocation;
  /** Seconds a fetched key is reused (Powertools cache); a rotated key is seen after this. */
  maxAgeSeconds: number;
  /** Seconds a failed read is remembered, so a missing secret is not asked for once per alert. */
  failureCacheSeconds?: number;
  secretsManager?: SecretsManagerClient;
  ssm?: SSMClient;
  clock?: () => number;
}

/** Reads the routing key on demand: cached, concurrent callers share one request. */
export type RoutingKeyReader = () => Promise<string>;

export function createRoutingKeyReader(options: RoutingKeyReaderOptions): RoutingKeyReader {
  const { location } = options;
  const clock = options.clock ?? Date.now;
  const failureMs = (options.failureCacheSeconds ?? 30) * 1000;
  const fetchValue: () => Promise<unknown> =
    location.store === "secretsmanager"
      ? (() => {
          const provider = new SecretsProvider(
            options.secretsManager ? { awsSdkV3Client: options.secretsManager } : {},
          );
          return () => provider.get(location.name, { maxAge: options.maxAgeSeconds });
        })()
      : (() => {
          const provider = new SSMProvider(options.ssm ? { awsSdkV3Client: options.ssm } : {});
          return () =>
            provider.get(location.name, { decrypt: true, maxAge: options.maxAgeSeconds });
        })();

  let inflight: Promise<string> | undefined;
  let failure: { error: RoutingKeyError; until: number } | undefined;

  async function read(): Promise<string> {
    let value: unknown;
    try {
      value = await fetchValue();
    } catch (error) {
      // Powertools wraps the SDK error; its cause says what AWS answered (never the value).
      const cause = (error as { cause?: unknown }).cause ?? error;
      const { name, message } = cause as Error;
      throw new RoutingKeyError(
        `cannot read the PagerDuty routing key from ${describeLocation(location)}: ${name}: ${message}`,
      );
    }
    if (value === undefined || value === null) {
      throw new RoutingKeyError(
        `cannot read the PagerDuty routing key from ${describeLocation(location)}: it has no value`,
      );
    }
    return parseRoutingKey(value, location);
  }

  return () => {
    if (failure && clock() < failure.until) return Promise.reject(failure.error);
    inflight ??= read()
      .then(
        (key) => {
          failure = undefined;
          return key;
        },
        (error: unknown) => {
          const known =
            error instanceof RoutingKeyError ? error : new RoutingKeyError(String(error));
          failure = { error: known, until: clock() + failureMs };
          throw known;
        },
      )
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };
}
