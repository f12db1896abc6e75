export { Chaos, type ChaosRates, defaultChaosRates } from './chaos.js';
export { SafetyChecker, Violation } from './checkers.js';
export { type NetworkFaults, SimNetwork } from './network.js';
export { Rng } from './rng.js';
export { type RunOptions, type RunResult, runSimulation, simConfigFor } from './run.js';
export { hashEntry, type ReadyHooks, SimNode, type StateMachine } from './sim-node.js';
export { type SimConfig, Simulation, SimulationError } from './simulation.js';
