/**
 * Creates an empty embedded PGlite in the folder given, then exits, printing this process's peak
 * RSS as JSON ({"peakRssMb": n}). PGlite's first start runs initdb with a second PostgreSQL
 * instance beside the first (about 600 MB, once per DATA_DIR); the bench does it here, in a
 * process of its own, so it is measured and reported on its own and the load and derive
 * figures are those of every run after the first.
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLITE_OPTIONS } from '../src/warehouse/pglite-dialect.ts';
import { lifetimePeakRssMb } from './memory.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: pglite-init.ts FOLDER');
const pglite = await PGlite.create({ ...PGLITE_OPTIONS, dataDir: dir });
await pglite.close();
process.stdout.write(`${JSON.stringify({ peakRssMb: lifetimePeakRssMb() })}\n`);
