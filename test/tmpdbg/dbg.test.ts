import { it } from 'vitest';
import { makeLake } from '../jobs/backfill-lake.ts';
it('dbg', async () => {
  const lake = await makeLake(Number(process.env.SEED));
  for (const r of lake.runs) for (const o of r.outcomes) if (o.error) console.log('ERR', o.error.message);
}, 60000);
