/**
 * Why rows could not be delivered, which decides what happens to their message:
 * configuration (403/404/401: retry later with a growing delay, log the fix once), transient (throttling, 5xx,
 * network: retry later), permanent (400/413: the poison queue, with the reason).
 */
export type DeliveryErrorKind = 'configuration' | 'transient' | 'permanent';

export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    readonly kind: DeliveryErrorKind,
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
  }
}

export interface FailureCause {
  kind: DeliveryErrorKind;
  statusCode?: number;
  code?: string;
  /** Seconds the service asked us to wait (Retry-After). */
  retryAfterSeconds?: number;
}

export function classifyCause(cause: unknown): FailureCause {
  const e = cause as { statusCode?: number; code?: string; name?: string; response?: { headers?: { get(name: string): string | undefined } } };
  const statusCode = e?.statusCode;
  const retryAfter = Number(e?.response?.headers?.get('retry-after'));
  const base = { statusCode, code: e?.code, retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined };
  if (e?.name === 'CredentialUnavailableError' || e?.name === 'AuthenticationRequiredError') return { ...base, kind: 'configuration' };
  if (statusCode === 401 || statusCode === 403 || statusCode === 404) return { ...base, kind: 'configuration' };
  if (statusCode === 400 || statusCode === 413) return { ...base, kind: 'permanent' };
  return { ...base, kind: 'transient' };
}

/** What to tell an operator, once, for a configuration error. */
export function configurationAdvice(cause: FailureCause, target: { endpoint: string; dcrImmutableId: string; stream: string }): string {
  switch (cause.statusCode) {
    case 403:
      return (
        `Logs Ingestion answered 403 for DCR ${target.dcrImmutableId}: the relay's identity lacks the Monitoring Metrics Publisher ` +
        `role on that DCR, or a new assignment has not propagated yet (up to 30 minutes). Assign the role (azd up does) and wait; ` +
        `messages are kept and retried with a growing delay.`
      );
    case 404:
      return (
        `Logs Ingestion answered 404 for DCR ${target.dcrImmutableId} stream ${target.stream} at ${target.endpoint}: check ` +
        `RELAY_DCR_IMMUTABLE_ID (or the route's DCR setting), RELAY_INGESTION_ENDPOINT and that the DCR declares the stream; ` +
        `messages are kept and retried with a growing delay.`
      );
    case 401:
      return (
        `Logs Ingestion answered 401 at ${target.endpoint}: the token was refused. Check RELAY_CLOUD (token audience) and ` +
        `AZURE_CLIENT_ID (the identity); messages are kept and retried with a growing delay.`
      );
    default:
      return `The relay could not get a token for the Logs Ingestion API (${cause.code ?? 'credential unavailable'}): check AZURE_CLIENT_ID and the Function App's identity; messages are kept and retried with a growing delay.`;
  }
}
