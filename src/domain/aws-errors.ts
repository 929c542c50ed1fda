/**
 * The one place that decides whether an AWS error is worth retrying. Transient: throttling, 5xx,
 * timeouts, dropped connections, and errors the SDK itself marks retryable. Not transient:
 * AccessDenied, validation errors, missing resources — retrying those only repeats the failure.
 */
const TRANSIENT_NAMES = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ProvisionedThroughputExceededException",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "InternalError",
  "InternalFailure",
  "InternalServerError",
  "InternalServiceError",
  "InternalServiceFault",
  "ServiceFailure",
  "IDPCommunicationError",
  "ConcurrentModification",
  "ConcurrentModificationException",
  "OperationAborted",
  "PriorRequestNotComplete",
  // Vigil's own: concurrent journal claim writers kept conflicting.
  "ClaimContention",
]);

const TRANSIENT_NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
]);

interface AwsLikeError {
  name?: string;
  message?: string;
  code?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { name, message, code, $retryable, $metadata } = error as AwsLikeError;
  if ($retryable) return true;
  if (name && TRANSIENT_NAMES.has(name)) return true;
  if (code && TRANSIENT_NETWORK_CODES.has(code)) return true;
  if (typeof message === "string" && /rate exceeded/i.test(message)) return true;
  const status = $metadata?.httpStatusCode;
  return status !== undefined && (status >= 500 || status === 429);
}

/** An error as the journal and logs carry it: its name and message, whatever was thrown. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}
