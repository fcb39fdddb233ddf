import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { COMMAND_STATE_TTL_MS, clusterKeys, type ClusterKeys } from "./keys";
import { decodeValue, encodeValue } from "./codec";

/**
 * # Commands to the one engine (issue 19)
 *
 * A web node apart from the engine sends every call a route handler makes on the use cases
 * (`app().orders.place(...)`) to the engine as an entry of a Redis stream read by the engine's consumer
 * group; the engine runs it on its own use cases and answers with the result or the error (the same
 * HTTP status and body as in one process).
 *
 * - **Durable.** An entry stays in the stream until the engine acknowledges it (XACK + XDEL after the
 *   outcome is stored). An engine that restarts, or the standby that takes over (same consumer name),
 *   first re-reads the entries it was given and did not acknowledge.
 * - **Exactly one outcome.** Each command has one state key, claimed by compare-and-set: the engine claims it
 *   `running` before it runs the command; a web node that gives up waiting claims it `expired`. Whoever
 *   claims first wins, so a command the user was told "not run" never runs later, and one the engine
 *   started is reported as started. A command found `running` after an engine restart (it died while
 *   running it) is not run twice: it is answered COMMAND_INTERRUPTED (check the orders).
 * - **Two streams.** The kill switch goes on the urgent stream, read by its own connection and loop, so
 *   a backlog of ordinary commands never delays it; it never expires (an engine that comes up later
 *   still flattens). Everything else expires after its timeout.
 * - **Replies** are published on the sending node's channel and kept in the state key for an hour
 *   (GET /api/commands/:id); a web node also polls the key, so a dropped pub/sub message is not a lost answer.
 */

export interface CommandError {
  code: string;
  message: string;
  details?: unknown;
}

export type CommandReply = { ok: true; value: unknown } | { ok: false; status: number; error: CommandError };

export interface CommandRequest {
  id: string;
  /** Use case path, e.g. "orders.place". */
  path: string;
  args: unknown[];
  urgent: boolean;
  /** Web node that sent it (its reply channel). */
  node: string;
  sentAt: number;
  /** Wall time after which the engine no longer runs it (null: urgent, never expires). */
  expiresAt: number | null;
}

/** What a command became, as GET /api/commands/:id shows it. */
export type CommandState =
  | { state: "unknown" }
  | { state: "queued" }
  | { state: "running" }
  | { state: "expired" }
  | { state: "done"; reply: CommandReply };

function parseState(raw: string | null): CommandState {
  if (raw === null) return { state: "unknown" };
  if (raw === "running" || raw === "expired" || raw === "queued") return { state: raw };
  return { state: "done", reply: decodeValue(raw) as CommandReply };
}

/** Compare-and-set of a command's state: only an unclaimed command (no state, or "queued") can be claimed. */
const CLAIM_SCRIPT = "local v = redis.call('GET', KEYS[1]) if v == false or v == 'queued' then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 else return 0 end";

type StreamEntries = Array<[string, Array<[string, string[]]>]> | null;

function fieldsOf(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[list[i]!] = list[i + 1]!;
  return out;
}

export interface CommandServerOptions {
  redisUrl: string;
  prefix: string;
  logger: Logger;
  /** Runs one command on the engine; throws → an error reply (see toReply). */
  execute(request: CommandRequest): Promise<CommandReply>;
  /** Commands run at once per stream (default 32). */
  concurrency?: number;
  now?: () => number;
}

/** The engine's side: reads both streams, runs each command once, stores and publishes its outcome. */
export class CommandServer {
  readonly #keys: ClusterKeys;
  readonly #redis: Redis;
  readonly #readers: Redis[] = [];
  readonly #inflight = new Set<Promise<void>>();
  readonly #now: () => number;
  #stopping = false;
  #loops: Promise<void>[] = [];

  constructor(private readonly options: CommandServerOptions) {
    this.#keys = clusterKeys(options.prefix);
    this.#redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    this.#now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    for (const stream of [this.#keys.urgentStream, this.#keys.normalStream]) {
      // From the start of the stream: commands sent before any engine ever ran are read too (expired ones are dropped).
      await this.#redis.xgroup("CREATE", stream, this.#keys.group, "0", "MKSTREAM").catch((err: Error) => {
        if (!/BUSYGROUP/.test(err.message)) throw err;
      });
    }
    for (const [stream, urgent] of [
      [this.#keys.urgentStream, true],
      [this.#keys.normalStream, false],
    ] as const) {
      const reader = new Redis(this.options.redisUrl, { maxRetriesPerRequest: null });
      this.#readers.push(reader);
      this.#loops.push(this.#loop(reader, stream, urgent));
    }
  }

  async #loop(reader: Redis, stream: string, urgent: boolean): Promise<void> {
    const max = this.options.concurrency ?? 32;
    const mine = new Set<Promise<void>>();
    // First what this consumer was given and did not acknowledge (the engine died, or the standby took over).
    let cursor = "0";
    while (!this.#stopping) {
      if (mine.size >= max) {
        await Promise.race(mine);
        continue;
      }
      let reply: StreamEntries;
      try {
        reply = (await reader.call("XREADGROUP", "GROUP", this.#keys.group, this.#keys.group, "COUNT", String(max - mine.size), "BLOCK", "1000", "STREAMS", stream, cursor)) as StreamEntries;
      } catch (err) {
        if (this.#stopping) break;
        this.options.logger.warn({ err, stream }, "reading engine commands failed; retrying");
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      const entries = reply?.[0]?.[1] ?? [];
      if (cursor !== ">" && entries.length === 0) cursor = ">";
      for (const [entryId, list] of entries) {
        if (cursor !== ">") cursor = entryId; // paging through the pending entries
        const task = this.#handle(stream, entryId, fieldsOf(list), urgent).catch((err) => this.options.logger.error({ err, stream, entryId }, "engine command failed to complete"));
        mine.add(task);
        this.#inflight.add(task);
        void task.finally(() => {
          mine.delete(task);
          this.#inflight.delete(task);
        });
      }
    }
  }

  async #handle(stream: string, entryId: string, fields: Record<string, string>, urgent: boolean): Promise<void> {
    const request = decodeValue(fields.data) as CommandRequest | undefined;
    const ack = async (extra?: (m: ReturnType<Redis["multi"]>) => void) => {
      const m = this.#redis.multi();
      extra?.(m);
      m.xack(stream, this.#keys.group, entryId).xdel(stream, entryId);
      await m.exec();
    };
    if (!request || typeof request.id !== "string" || typeof request.path !== "string") {
      this.options.logger.warn({ stream, entryId }, "dropped a malformed engine command");
      await ack();
      return;
    }
    const key = this.#keys.command(request.id);
    const finish = async (reply: CommandReply) => {
      const encoded = encodeValue(reply);
      await ack((m) => m.set(key, encoded, "PX", COMMAND_STATE_TTL_MS).publish(this.#keys.replies(request.node), encodeValue({ id: request.id, reply })));
    };
    if (!urgent && request.expiresAt !== null && this.#now() > request.expiresAt) {
      // Past its deadline: the web node answered (or will answer) "not run"; make that true.
      await this.#claim(key, "expired");
      const state = parseState(await this.#redis.get(key));
      if (state.state === "done") await finish(state.reply);
      else await ack();
      return;
    }
    if (!(await this.#claim(key, "running"))) {
      const state = parseState(await this.#redis.get(key));
      if (state.state === "expired") return ack();
      if (state.state === "done") return finish(state.reply);
      if (state.state === "running" && !urgent) {
        // Given to an engine that stopped while running it: it may have acted; never run it twice.
        return finish({
          ok: false,
          status: 500,
          error: { code: "COMMAND_INTERRUPTED", message: `the engine stopped while running ${request.path} (command ${request.id}); it may or may not have taken effect: check GET /api/orders and /api/status before trying again` },
        });
      }
      // Urgent (the kill switch): running it again is safe and what the trader asked for.
    }
    let reply: CommandReply;
    try {
      reply = await this.options.execute(request);
    } catch (err) {
      reply = { ok: false, status: 500, error: { code: "INTERNAL", message: `the engine failed on ${request.path}: ${(err as Error)?.message ?? String(err)}` } };
    }
    await finish(reply);
  }

  /** Sets the state when it is unset or "queued" (nobody has claimed the command yet). */
  async #claim(key: string, state: "running" | "expired"): Promise<boolean> {
    return (await this.#redis.eval(CLAIM_SCRIPT, 1, key, state, String(COMMAND_STATE_TTL_MS))) === 1;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.allSettled(this.#loops);
    await Promise.allSettled([...this.#inflight]);
    for (const r of this.#readers) r.disconnect();
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

export interface CommandClientOptions {
  redisUrl: string;
  prefix: string;
  logger: Logger;
  /** This node's name (its reply channel); default a random id. */
  node?: string;
  now?: () => number;
  /** Poll of the state key while waiting (a dropped pub/sub message), ms; default 1000. */
  pollMs?: number;
}

export type SendOutcome =
  | { kind: "reply"; id: string; reply: CommandReply }
  /** No answer in time. `started`: the engine had claimed it (it runs, the outcome comes later). */
  | { kind: "timeout"; id: string; started: boolean };

/** The web node's side: sends commands and waits for their outcome. */
export class CommandClient {
  readonly node: string;
  readonly #keys: ClusterKeys;
  readonly #redis: Redis;
  readonly #sub: Redis;
  readonly #waiting = new Map<string, (reply: CommandReply) => void>();
  readonly #now: () => number;

  constructor(private readonly options: CommandClientOptions) {
    this.node = options.node ?? randomUUID();
    this.#keys = clusterKeys(options.prefix);
    this.#redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    this.#sub = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    this.#now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    this.#sub.on("message", (_channel: string, message: string) => {
      const msg = decodeValue(message) as { id?: string; reply?: CommandReply } | undefined;
      if (msg?.id && msg.reply) this.#waiting.get(msg.id)?.(msg.reply);
    });
    await this.#sub.subscribe(this.#keys.replies(this.node));
  }

  /**
   * Sends `path(args)` to the engine and waits up to `timeoutMs` for its answer. Ordinary commands
   * expire then (the engine will not run them later unless it had already started); urgent ones stay
   * in the stream until an engine runs them.
   */
  async send(path: string, args: unknown[], opts: { timeoutMs: number; urgent?: boolean }): Promise<SendOutcome> {
    const urgent = opts.urgent ?? false;
    const id = randomUUID();
    const sentAt = this.#now();
    const request: CommandRequest = { id, path, args, urgent, node: this.node, sentAt, expiresAt: urgent ? null : sentAt + opts.timeoutMs };
    const key = this.#keys.command(id);
    let settle!: (reply: CommandReply) => void;
    const answered = new Promise<CommandReply>((resolve) => (settle = resolve));
    this.#waiting.set(id, settle);
    const poll = setInterval(() => {
      void this.#redis.get(key).then((raw) => {
        const state = parseState(raw);
        if (state.state === "done") settle(state.reply);
      }, () => {});
    }, this.options.pollMs ?? 1000);
    let timer: NodeJS.Timeout | undefined;
    try {
      // "queued" until the engine claims it: GET /api/commands/:id can tell a known command from an unknown one.
      await this.#redis.multi().set(key, "queued", "PX", COMMAND_STATE_TTL_MS).xadd(urgent ? this.#keys.urgentStream : this.#keys.normalStream, "*", "data", encodeValue(request)).exec();
      const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), opts.timeoutMs)));
      const first = await Promise.race([answered, timedOut]);
      if (first !== "timeout") return { kind: "reply", id, reply: first };
      return await this.#giveUp(id, urgent);
    } finally {
      clearTimeout(timer);
      clearInterval(poll);
      this.#waiting.delete(id);
    }
  }

  /** The wait is over: make the outcome definite (expired, unless the engine already claimed it). */
  async #giveUp(id: string, urgent: boolean): Promise<SendOutcome> {
    const key = this.#keys.command(id);
    if (!urgent) {
      // Replace "queued" with "expired" only while nobody claimed it: then the engine never runs it.
      const won = await this.#redis.eval(CLAIM_SCRIPT, 1, key, "expired", String(COMMAND_STATE_TTL_MS));
      if (won === 1) return { kind: "timeout", id, started: false };
    }
    const state = parseState(await this.#redis.get(key));
    if (state.state === "done") return { kind: "reply", id, reply: state.reply };
    return { kind: "timeout", id, started: state.state === "running" };
  }

  /** What became of a command (GET /api/commands/:id). */
  async state(id: string): Promise<CommandState> {
    return parseState(await this.#redis.get(this.#keys.command(id)));
  }

  /** The Redis connection for other short reads of this node (status snapshot, candle sequence numbers). */
  get redis(): Redis {
    return this.#redis;
  }

  async stop(): Promise<void> {
    await this.#sub.quit().catch(() => this.#sub.disconnect());
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
