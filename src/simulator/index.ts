/** A local exchange speaking every registered venue's public REST API on one port. */
export { startSimulator } from './server.ts';
export { allSimMarkets, createBookGenerator, createTradeTape, defaultSimMarkets } from './generators.ts';
export type {
  Endpoint,
  Fault,
  FaultTarget,
  RequestRecord,
  SimMarket,
  Simulator,
  SimulatorOptions,
} from './types.ts';
