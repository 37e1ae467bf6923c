/**
 * Errors answered exactly as the retired HTTP Data Collector API answered them:
 * a status and a JSON body {"Error": "<code>", "Message": "<text>"}.
 * Messages name the header, setting, record or line at fault, and never carry a key, signature or stack.
 */
export type LegacyErrorCode =
  | 'InvalidApiVersion'
  | 'InvalidCustomerId'
  | 'InvalidDataFormat'
  | 'InvalidLogType'
  | 'MissingApiVersion'
  | 'MissingContentType'
  | 'MissingLogType'
  | 'UnsupportedContentType'
  | 'InvalidAuthorization'
  | 'RequestTooLarge'
  | 'UnspecifiedError'
  | 'ServiceUnavailable';

const STATUS: Record<LegacyErrorCode, number> = {
  InvalidApiVersion: 400,
  InvalidCustomerId: 400,
  InvalidDataFormat: 400,
  InvalidLogType: 400,
  MissingApiVersion: 400,
  MissingContentType: 400,
  MissingLogType: 400,
  UnsupportedContentType: 400,
  InvalidAuthorization: 403,
  // The retired service answered an oversized post with 404 "Either the provided URL is incorrect or the request is too large."
  RequestTooLarge: 404,
  UnspecifiedError: 500,
  ServiceUnavailable: 503,
};

export class LegacyError extends Error {
  override name = 'LegacyError';
  readonly status: number;

  constructor(
    readonly code: LegacyErrorCode,
    message: string,
    /** Seconds a sender should wait before retrying (503 only). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.status = STATUS[code];
  }

  get body(): { Error: LegacyErrorCode; Message: string } {
    return { Error: this.code, Message: this.message };
  }
}

export const invalidData = (message: string) => new LegacyError('InvalidDataFormat', message);
export const invalidAuthorization = (message: string) => new LegacyError('InvalidAuthorization', message);
