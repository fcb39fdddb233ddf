/**
 * # Web nodes apart from the engine (issue 19)
 *
 * ROLE=web (any number) and ROLE=engine (one, leading) as separate processes, with REDIS_URL and
 * DATABASE_URL: the engine publishes its feed once through the Socket.IO Redis emitter and each web
 * node's Socket.IO Redis adapter fans it out to its clients; the use cases a web node's routes call
 * travel to the engine on a Redis stream with acknowledgement (command-bus.ts) and come back with the
 * engine's answer; the kill switch has its own stream ahead of the rest. See docs/api.md "Scale out".
 */
export { CommandClient, CommandServer, type CommandReply, type CommandRequest, type CommandState, type SendOutcome } from "./command-bus";
export { startEngineNode, executeCommand, type EngineNode, type ArmingFacts } from "./engine-node";
export { createWebNode, COMMAND_TIMEOUT_MS, KILL_SWITCH_CONFIRM_MS, type WebNode, type WebNodeOptions } from "./web-node";
export { clusterStartProblem } from "./start-check";
export { takeEngineLead, haltProcess, serveStandbyHealth, LOST_LEADERSHIP_EXIT_CODE, STANDBY_POLL_MS, type Leadership, type StandbyReport, type TakeLeadOptions } from "./leadership";
export { clusterKeys, STATUS_PUBLISH_MS, STATUS_STALE_MS, type ClusterKeys } from "./keys";
