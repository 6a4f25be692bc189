/** Types for `scripts/dynamodb-local.mjs` (plain Node ESM so it runs without a TypeScript loader). */
export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly pid: number | undefined;
  /** Milliseconds from spawning the JVM until a ListTables call succeeded. */
  readonly startupMs: number;
  /** Resolves when the JVM has exited, for whatever reason. */
  readonly exited: Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 5000); resolves once the JVM has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  readonly port: number;
  /** Folder for the database files (created if missing); in memory when undefined. */
  readonly dbPath?: string | undefined;
  /** Start-up deadline, default 60,000 ms. */
  readonly timeoutMs?: number;
}

export const installDir: string;
export function install(): string[];
export function startDynamoDbLocal(options: StartDynamoDbLocalOptions): Promise<DynamoDbLocal>;
