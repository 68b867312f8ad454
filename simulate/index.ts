/**
 * The fleet simulator's public face: `startSimulation` (readings, scheduler
 * agents and a workload on the injected clock), its pieces (fleet, hosts,
 * scenarios, agents, workload), the transports' publisher the command line
 * uses, and the settings for configuration.
 */
export { startSimulation, formatStatus, scenarioPhase, type Simulation, type SimulationStats, type SimulationScheduler, type StartSimulationOptions, type ScenarioPhase } from "./simulation.ts";
export { SimulatedFleet, SIMULATION_DEFAULTS, type SimulationOptions } from "./fleet.ts";
export { SimulatedHost, type HostCondition } from "./host.ts";
export { SCENARIOS, scenarioNamed, type Scenario, type ScenarioSettings } from "./scenarios.ts";
export { SimulatedAgent, AGENT_DEFAULTS, REASON_SIMULATED_KILL, runtimeOfCommand, type AgentSettings, type AgentStats, type SimulatedAgentOptions } from "./agent.ts";
export { Workload, SIMULATED_USERS, WORKLOAD_DEFAULTS, httpJobSubmitter, type SimulatedUser, type WorkloadOptions, type WorkloadStats, type HttpJobSubmitterOptions } from "./workload.ts";
export { TransportPublisher, PUBLISHER_DEFAULTS, type PublisherStats, type TransportPublisherOptions } from "./publisher.ts";
export { resolveSimulateOptions, SIMULATE_DEFAULTS, type SimulateOptions } from "./options.ts";
export { Prng } from "./prng.ts";
