/** The environment of a real `etl` process pointed at the simulator, a raw folder and a warehouse. */
export function etlEnv(options: {
  simUrl: string;
  rawDir: string;
  dataDir: string;
  databaseUrl: string | undefined;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    HOME: process.env.HOME ?? '',
    DATA_DIR: options.dataDir,
    RAW_STORE_URL: `file://${options.rawDir}`,
    COINBASE_API_URL: options.simUrl,
    BINANCE_API_URL: options.simUrl,
    BINANCE_DEPTH_LIMIT: '100',
    HTTP_BACKOFF_MS: '5',
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...options.extra,
  };
}
