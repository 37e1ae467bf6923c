import type { TestProject } from 'vitest/node';
import { startAzurite } from '../../tools/azurite';

/** One real Azurite (in memory, on free loopback ports) for the whole run; each test file uses its own queue. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const azurite = await startAzurite();
  project.provide('azuriteConnectionString', azurite.connectionString);
  return () => azurite.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    azuriteConnectionString: string;
  }
}
