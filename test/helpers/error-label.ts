import { sql } from 'kysely';

/**
 * etl_error's kind as it read before migration 0012 moved the raw kind into `object`: a trades
 * failure's starts with `trades_` (the label logs and v_freshness.last_error_kind still show).
 */
export const errorLabel = sql<string>`case when object = 'trades' then 'trades_' || kind else kind end`;
