import type { FaultKind } from './faults';

/** Failing fault kinds: everything except `slow`, which succeeds late, and `reset`, which never answers. */
export type FailingFault = Exclude<FaultKind, 'slow' | 'reset'>;

export interface FaultAnswer {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
}

/** The answer for an injected failure, shaped like the service's own (status, code, Retry-After). */
export function faultAnswer(kind: FailingFault, dcrId: string): FaultAnswer {
  switch (kind) {
    case '429-retry-after':
      return { status: 429, code: 'TooManyRequests', message: 'Rate limit exceeded. Retry after 1 second.', headers: { 'retry-after': '1' } };
    case '429':
      return { status: 429, code: 'TooManyRequests', message: 'Rate limit exceeded.', headers: {} };
    case '500':
      return { status: 500, code: 'InternalServerError', message: 'An internal error occurred (injected fault).', headers: {} };
    case '503':
      return {
        status: 503,
        code: 'ServiceUnavailable',
        message: 'The service is temporarily unavailable (injected fault).',
        headers: { 'retry-after': '1' },
      };
    case '403':
      return {
        status: 403,
        code: 'OperationFailed',
        message: `The authentication token provided does not have access to ingest data for the data collection rule with immutable Id '${dcrId}' (injected fault).`,
        headers: {},
      };
    case '404':
      return { status: 404, code: 'NotFound', message: `Data collection rule with immutable Id '${dcrId}' not found (injected fault).`, headers: {} };
  }
}
