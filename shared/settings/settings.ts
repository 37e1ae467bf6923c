import { z } from 'zod';
import { isGuid } from '../ingest/guid';
import { LegacyError } from '../ingest/legacyError';

/**
 * The relay's settings, read from the environment (Functions app settings, or local.settings.json locally).
 * Parsed once at start-up: a missing or malformed setting stops the app with a message naming it. The one exception
 * is a workspace key that is still an unresolved Key Vault reference (the identity's new role has not propagated
 * yet): every function still registers, delivery runs, and the HTTP doors answer 503 until the key resolves.
 */

const MAX_WORKSPACES = 50;

/** Storage names follow Azure's rules, so a typo fails at start-up rather than on the first request. */
const queueName = z
  .string()
  .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'a queue name: 3-63 lower-case letters, digits and single hyphens');
const containerName = z
  .string()
  .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'a container name: 3-63 lower-case letters, digits and single hyphens');

const workspaceKey = z
  .string()
  .trim()
  .refine((v) => /^[A-Za-z0-9+/]+={0,2}$/.test(v) && v.length % 4 === 0 && Buffer.from(v, 'base64').length >= 32, {
    // Never echo the value: it is a secret.
    message: 'the workspace key in base64, as shown in the portal (88 characters)',
  })
  .transform((v) => Buffer.from(v, 'base64'));

const workspaceSchema = z.object({
  id: z
    .string()
    .trim()
    .refine(isGuid, 'a workspace id (GUID, e.g. 2b6d9f0e-5c1a-4e8b-9d3f-7a1c0e4b6d21)')
    .transform((v) => v.toLowerCase()),
  primaryKey: workspaceKey,
  secondaryKey: workspaceKey.optional(),
});

/** Where the relay's queue and blob container live: a connection string, or service URIs for a managed identity. */
const storageSchema = z.union([
  z.object({ connectionString: z.string().min(1) }),
  z.object({
    queueServiceUri: z.url({ message: 'the queue service URI, e.g. https://<account>.queue.core.windows.net' }),
    blobServiceUri: z.url({ message: 'the blob service URI, e.g. https://<account>.blob.core.windows.net' }),
    clientId: z.string().optional(),
  }),
]);

const settingsSchema = z.object({
  workspaces: z.array(workspaceSchema).min(1),
  clockSkewMinutes: z.coerce.number().int().min(1).max(1440).default(15),
  queueName: queueName.default('relay-ingest'),
  blobContainer: containerName.default('relay-payloads'),
  storage: storageSchema,
});

/** `workspaces` may throw WorkspaceKeysPending (a 503 LegacyError) until the keys' Key Vault references resolve. */
export type Settings = z.infer<typeof settingsSchema> & { readonly workspaceIds: readonly string[] };
export type Workspace = Settings['workspaces'][number];
export type StorageSettings = Settings['storage'];

export class SettingsError extends Error {
  override name = 'SettingsError';
}

/** Maps a zod issue path back to the app setting a user has to fix. */
function settingName(path: PropertyKey[]): string {
  const [head, index, field] = path;
  if (head === 'workspaces' && typeof index === 'number') {
    const n = index + 1;
    const names: Record<string, string> = {
      id: `RELAY_WORKSPACE_${n}_ID`,
      primaryKey: `RELAY_WORKSPACE_${n}_PRIMARY_KEY`,
      secondaryKey: `RELAY_WORKSPACE_${n}_SECONDARY_KEY`,
    };
    return names[String(field)] ?? `RELAY_WORKSPACE_${n}_*`;
  }
  if (head === 'workspaces') return 'RELAY_WORKSPACE_1_ID';
  const flat: Record<string, string> = {
    clockSkewMinutes: 'RELAY_CLOCK_SKEW_MINUTES',
    queueName: 'RELAY_QUEUE_NAME',
    blobContainer: 'RELAY_BLOB_CONTAINER',
  };
  if (head === 'storage') return index ? `RELAY_STORAGE__${String(index)}` : 'RELAY_STORAGE';
  return flat[String(head)] ?? String(head);
}

function readWorkspaces(env: NodeJS.ProcessEnv): unknown[] {
  const list: unknown[] = [];
  for (let n = 1; n <= MAX_WORKSPACES; n++) {
    const id = env[`RELAY_WORKSPACE_${n}_ID`];
    if (id === undefined || id === '') break;
    list.push({
      id,
      primaryKey: env[`RELAY_WORKSPACE_${n}_PRIMARY_KEY`],
      secondaryKey: env[`RELAY_WORKSPACE_${n}_SECONDARY_KEY`] || undefined,
    });
  }
  return list;
}

function readStorage(env: NodeJS.ProcessEnv): unknown {
  const connectionString = env.RELAY_STORAGE;
  if (connectionString) return { connectionString };
  const queueServiceUri = env.RELAY_STORAGE__queueServiceUri;
  const blobServiceUri = env.RELAY_STORAGE__blobServiceUri;
  if (!queueServiceUri && !blobServiceUri) return undefined;
  return { queueServiceUri, blobServiceUri, clientId: env.RELAY_STORAGE__clientId || undefined };
}

function describeIssue(issue: z.core.$ZodIssue, env: NodeJS.ProcessEnv): string {
  const name = settingName(issue.path);
  if (env[name]?.startsWith('@Microsoft.KeyVault(')) {
    return (
      `${name} is an unresolved Key Vault reference: the app's identity cannot read the secret yet (a new role ` +
      `assignment takes up to 30 minutes) or the secret does not exist`
    );
  }
  if (name === 'RELAY_STORAGE') {
    return (
      'RELAY_STORAGE is missing: set it to a storage connection string (UseDevelopmentStorage=true for Azurite), ' +
      'or set RELAY_STORAGE__queueServiceUri and RELAY_STORAGE__blobServiceUri for a managed identity'
    );
  }
  if (name === 'RELAY_WORKSPACE_1_ID' && issue.path.length === 1) {
    return 'RELAY_WORKSPACE_1_ID is missing: set the id of the workspace the relay serves, with RELAY_WORKSPACE_1_PRIMARY_KEY';
  }
  const missing = env[name] === undefined || env[name] === '';
  const expected = issue.code === 'invalid_type' ? 'a value' : issue.message;
  return missing && issue.code === 'invalid_type'
    ? `${name} is missing: expected ${expected}`
    : `${name} is malformed: expected ${expected}`;
}

/** App Service puts the reference text itself in the environment when it cannot resolve a Key Vault reference. */
const KEY_VAULT_REFERENCE = '@Microsoft.KeyVault(';

/** The workspace key settings that still hold an unresolved Key Vault reference. */
export function pendingKeySettings(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env)
    .filter((name) => /^RELAY_WORKSPACE_\d+_(PRIMARY|SECONDARY)_KEY$/.test(name) && env[name]?.startsWith(KEY_VAULT_REFERENCE))
    .sort();
}

/** How long a sender is asked to wait while keys are pending (Retry-After, seconds). */
export const KEYS_PENDING_RETRY_AFTER_SECONDS = 60;

/** 503 ServiceUnavailable naming the settings: senders keep their data and retry, and the admin knows what to fix. */
export class WorkspaceKeysPending extends LegacyError {
  constructor(readonly settings: readonly string[]) {
    super(
      'ServiceUnavailable',
      `The relay cannot check signatures yet: ${settings.join(', ')} is an unresolved Key Vault reference (the app's identity cannot read the secret yet; a new role assignment can take minutes to apply). Retry later.`,
      KEYS_PENDING_RETRY_AFTER_SECONDS,
    );
  }
}

/**
 * The settings, with the workspace keys read lazily when any is still a Key Vault reference: `workspaces` re-reads
 * `env` on each access until every key resolves (then keeps the result), and throws WorkspaceKeysPending before.
 * `warn` gets one line naming the settings, at most once per `warnEveryMs`.
 * Throws SettingsError for any other missing or malformed setting.
 */
export function loadSettings(env: NodeJS.ProcessEnv = process.env, warn: (line: string) => void = console.warn, warnEveryMs = 60_000): Settings {
  if (pendingKeySettings(env).length === 0) return parseSettings(env);
  // Everything but the keys must be valid now: parse with stand-in keys, which are never used.
  const standIn = Buffer.alloc(64).toString('base64');
  const withStandIns = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v?.startsWith(KEY_VAULT_REFERENCE) ? standIn : v]));
  const { workspaces: _unused, ...rest } = parseSettings(withStandIns);
  let resolved: Settings['workspaces'] | undefined;
  let lastWarning = -Infinity;
  return Object.defineProperty(rest, 'workspaces', {
    enumerable: true,
    get(): Settings['workspaces'] {
      if (resolved) return resolved;
      const pending = pendingKeySettings(env);
      if (pending.length > 0) {
        const error = new WorkspaceKeysPending(pending);
        if (Date.now() - lastWarning >= warnEveryMs) {
          lastWarning = Date.now();
          warn(`relay: ${error.message}`);
        }
        throw error;
      }
      resolved = parseSettings(env).workspaces;
      return resolved;
    },
  }) as Settings;
}

function parseSettings(env: NodeJS.ProcessEnv): Settings {
  const parsed = settingsSchema.safeParse({
    workspaces: readWorkspaces(env),
    clockSkewMinutes: env.RELAY_CLOCK_SKEW_MINUTES || undefined,
    queueName: env.RELAY_QUEUE_NAME || undefined,
    blobContainer: env.RELAY_BLOB_CONTAINER || undefined,
    storage: readStorage(env),
  });
  if (!parsed.success) {
    const lines = [...new Set(parsed.error.issues.map((i) => describeIssue(i, env)))];
    throw new SettingsError(`Invalid relay settings:\n  - ${lines.join('\n  - ')}`);
  }
  const ids = parsed.data.workspaces.map((w) => w.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new SettingsError(`Invalid relay settings:\n  - workspace ${dup} is configured twice (RELAY_WORKSPACE_<n>_ID)`);
  return { ...parsed.data, workspaceIds: ids };
}
