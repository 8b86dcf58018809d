/** A local exchange speaking Coinbase Exchange's and Binance Spot's public REST APIs on one port. */
export { startSimulator } from './server.ts';
export { defaultSimMarkets } from './catalog.ts';
export type {
  Endpoint,
  Fault,
  FaultTarget,
  RequestRecord,
  SimMarket,
  Simulator,
  SimulatorOptions,
} from './types.ts';
