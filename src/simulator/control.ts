/**
 * The simulator's own HTTP control API, so a process other than the one that started it (the demo,
 * a benchmark, a shell) can inject faults and read the request log.
 *   GET /__sim/requests   DELETE /__sim/requests   POST /__sim/faults {target, fault, times}   DELETE /__sim/faults
 *   DELETE /__sim/limits (every venue's rate-limit count starts afresh)
 */
import { z } from 'zod';
import { faultSchema, faultTargetSchema, timesSchema } from './faults.ts';
import type { Fault, FaultTarget, Reply, RequestRecord } from './types.ts';

export const CONTROL_PREFIX = '/__sim/';

const injectSchema = z.object({ target: faultTargetSchema, fault: faultSchema, times: timesSchema });

export interface ControlHooks {
  requests(): RequestRecord[];
  resetRequests(): void;
  injectFault(target: FaultTarget, fault: Fault, times: number): void;
  clearFaults(): void;
  resetRateLimits(): void;
}

const json = (status: number, value: unknown): Reply => ({
  status,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(value),
});
const noContent: Reply = { status: 204, headers: {}, body: '' };

export function handleControl(method: string, pathname: string, body: string, hooks: ControlHooks): Reply {
  const resource = pathname.slice(CONTROL_PREFIX.length);
  if (resource === 'requests') {
    if (method === 'GET') return json(200, hooks.requests());
    if (method === 'DELETE') {
      hooks.resetRequests();
      return noContent;
    }
  } else if (resource === 'faults') {
    if (method === 'POST') return injectFromBody(body, hooks);
    if (method === 'DELETE') {
      hooks.clearFaults();
      return noContent;
    }
  } else if (resource === 'limits') {
    if (method === 'DELETE') {
      hooks.resetRateLimits();
      return noContent;
    }
  } else {
    return json(404, { message: `no control resource ${pathname}` });
  }
  return json(405, { message: `${method} not allowed on ${pathname}` });
}

function injectFromBody(body: string, hooks: ControlHooks): Reply {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return json(400, { message: 'body is not JSON' });
  }
  const parsed = injectSchema.safeParse(value);
  if (!parsed.success) return json(400, { message: z.prettifyError(parsed.error) });
  hooks.injectFault(parsed.data.target, parsed.data.fault, parsed.data.times);
  return noContent;
}
