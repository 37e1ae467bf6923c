import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { checkHealth, settingsFailureReport, type HealthReport } from '../shared/operations/health';
import { relayCounters } from '../shared/operations/relayCounters';
import { relayRuntime, type RelayRuntime } from '../shared/settings/relayRuntime';
import { SettingsError } from '../shared/settings/settings';

/** `GET /api/health`: the relay's health as JSON (shared/operations/health.ts), 200 or 503. Function key: anonymous callers get 401. */
export async function health(request: HttpRequest): Promise<HttpResponseInit> {
  const maxAge = Number(request.query.get('maxBacklogAgeSeconds') ?? process.env.RELAY_HEALTH_MAX_BACKLOG_AGE_SECONDS ?? 900);
  let runtime: RelayRuntime;
  try {
    runtime = relayRuntime();
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    return answer(settingsFailureReport(error));
  }
  return answer(await checkHealth(runtime.storage, { maxBacklogAgeSeconds: Number.isFinite(maxAge) && maxAge > 0 ? maxAge : 900, local: relayCounters().snapshot() }));
}

function answer(report: HealthReport): HttpResponseInit {
  return { status: report.httpStatus, jsonBody: report, headers: { 'cache-control': 'no-store' } };
}

app.http('health', { route: 'health', methods: ['GET'], authLevel: 'function', handler: health });
