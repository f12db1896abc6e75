export {
  defaultRegisterWorkload,
  planRegisterWorkload,
  type RegisterWorkload,
  type SimulatedOperation,
  simulateRegisterHistory,
} from './register-simulation.js';
export { createRng, type Rng } from './rng.js';
