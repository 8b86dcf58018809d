/**
 * The simulated exchange in a process of its own, so the bench measures the ETL's CPU and memory
 * and not the exchange's (a real venue does not run on our cores either). Markets arrive as JSON
 * in argv; the URL is printed as one JSON line on stdout; the process ends when stdin closes.
 */
import { startSimulator, type SimMarket } from '../src/simulator/index.ts';

const markets = JSON.parse(process.argv[2] ?? '[]') as SimMarket[];
const sim = await startSimulator({ seed: 7, markets, enforceRateLimits: false });
process.stdout.write(`${JSON.stringify({ url: sim.url })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void sim.close().then(() => process.exit(0));
});
