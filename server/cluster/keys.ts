/**
 * Redis names of the cluster (issue 19), all under TRADEKEEL_QUEUE_PREFIX so several installations can
 * share one Redis: the command streams to the engine, each command's outcome, the reply channels of
 * the web nodes, the engine's status snapshot, the feed's candle sequence numbers and the Socket.IO
 * adapter's channels.
 */
export interface ClusterKeys {
  /** Commands the engine runs before anything else (the kill switch): never expire. */
  urgentStream: string;
  /** Every other command (orders, mode, limits, strategies, reads): expire after their timeout. */
  normalStream: string;
  /** Consumer group (and consumer) of the leading engine on both streams. */
  group: string;
  /** One command's outcome: "running", "expired" or the reply (JSON); kept an hour. */
  command(id: string): string;
  /** Pub/sub channel a web node hears its replies on. */
  replies(node: string): string;
  /** The engine's status and health (JSON), refreshed every second, gone 5 s after its last refresh. */
  status: string;
  /** The engine's liveness (its clock, ms), written every second on its own timer, apart from the snapshot's database reads; gone ENGINE_ABSENT_MS after the engine stops. */
  heartbeat: string;
  /** Hash: candle room → the sequence number of its last closed candle. */
  candleSeq: string;
  /** Key of the Socket.IO Redis adapter and emitter (their channels start with it). */
  socketIo: string;
}

export function clusterKeys(prefix: string): ClusterKeys {
  return {
    urgentStream: `${prefix}:cmd:urgent`,
    normalStream: `${prefix}:cmd:normal`,
    group: "engine",
    command: (id) => `${prefix}:cmd:state:${id}`,
    replies: (node) => `${prefix}:cmd:reply:${node}`,
    status: `${prefix}:engine:status`,
    heartbeat: `${prefix}:engine:heartbeat`,
    candleSeq: `${prefix}:feed:candle-seq`,
    socketIo: `${prefix}:socket.io`,
  };
}

/** How long a command's outcome stays readable (GET /api/commands/:id). */
export const COMMAND_STATE_TTL_MS = 3_600_000;
/** The engine refreshes its status snapshot this often; a snapshot older than STATUS_STALE_MS means no engine. */
export const STATUS_PUBLISH_MS = 1_000;
export const STATUS_STALE_MS = 5_000;
/**
 * No heartbeat for this long means no engine: web nodes answer commands 503 at once instead of waiting
 * for their timeout. Longer than STATUS_STALE_MS because a loaded engine computes its snapshot late
 * (database ping, status reads) while it still runs commands; a stopped engine deletes the key at once.
 */
export const ENGINE_ABSENT_MS = 15_000;
