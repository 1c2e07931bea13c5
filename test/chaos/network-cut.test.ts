/**
 * Network cut: worker A runs in its own network namespace, joined to the host by a veth pair
 * (10.200.x.y/30 only between the namespace and the host). It reaches PostgreSQL through a
 * TCP relay this test listens with on the host end, so the server's configuration is left
 * alone. A claims a job, then the link goes down mid-job: A's heartbeats stop reaching the
 * database, the job goes stale, and worker B on the host re-claims and finishes it. When the
 * link returns, A finishes too and writes its outcome late: the owner guard makes that write
 * change nothing (still one terminal log row, B's).
 *
 * Root only (network namespaces); skipped with the reason elsewhere.
 */
import { execFileSync } from "node:child_process";
import { createServer, connect, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgQueuer } from "../../src/pgqueuer.js";
import { sqlNames } from "../../src/sql/identifiers.js";
import { openTestDatabase, type TestDatabase } from "../support/backends.js";
import { waitUntil, within } from "../support/wait.js";
import { createExecutionsTable, executionsTable, isRoot, queueLeft, run, spawnChaos, stopAll, terminalCounts, type ChaosProcess } from "./support.js";

const SUFFIX = String(process.pid % 60_000);
const NAMESPACE = `pgqcut${SUFFIX}`;
const HOST_LINK = `pgqh${SUFFIX}`;
const PEER_LINK = `pgqp${SUFFIX}`;
const SUBNET = (process.pid % 250) + 1; // 10.200.<SUBNET>.0/30
const HOST_ADDRESS = `10.200.${SUBNET}.1`;
const PEER_ADDRESS = `10.200.${SUBNET}.2`;
const RELAY_PORT = 15_432;
const HEARTBEAT = 2_000;

function netnsUsable(): string | null {
  if (!isRoot()) return "network namespaces need root";
  try {
    execFileSync("ip", ["netns", "list"], { stdio: "ignore" });
    return null;
  } catch {
    return "the `ip` tool (iproute2) with netns support is not available";
  }
}
const skipReason = netnsUsable();

describe.skipIf(skipReason !== null)(`network cut mid-job [postgres]${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  let db: TestDatabase;
  let relay: Server | undefined;
  const sockets = new Set<Socket>();
  const processes: ChaosProcess[] = [];

  beforeAll(async () => {
    db = await openTestDatabase("postgres");
    await createExecutionsTable(db);
    await run("ip", ["netns", "add", NAMESPACE]);
    await run("ip", ["link", "add", HOST_LINK, "type", "veth", "peer", "name", PEER_LINK]);
    await run("ip", ["link", "set", PEER_LINK, "netns", NAMESPACE]);
    await run("ip", ["addr", "add", `${HOST_ADDRESS}/30`, "dev", HOST_LINK]);
    await run("ip", ["link", "set", HOST_LINK, "up"]);
    await run("ip", ["netns", "exec", NAMESPACE, "ip", "addr", "add", `${PEER_ADDRESS}/30`, "dev", PEER_LINK]);
    await run("ip", ["netns", "exec", NAMESPACE, "ip", "link", "set", PEER_LINK, "up"]);
    await run("ip", ["netns", "exec", NAMESPACE, "ip", "link", "set", "lo", "up"]);
    // A byte relay from the veth address to the server on loopback.
    const upstream = new URL(db.dsn!);
    relay = createServer((client) => {
      const server = connect(Number(upstream.port || 5432), upstream.hostname);
      for (const socket of [client, server]) {
        sockets.add(socket);
        socket.on("error", () => undefined);
        socket.on("close", () => (sockets.delete(socket), client.destroy(), server.destroy()));
      }
      client.pipe(server);
      server.pipe(client);
    });
    await new Promise<void>((resolve, reject) => relay!.once("error", reject).listen(RELAY_PORT, HOST_ADDRESS, resolve));
  });

  afterAll(async () => {
    for (const p of processes) p.child.kill("SIGKILL");
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => (relay ? relay.close(resolve) : resolve(undefined)));
    await run("ip", ["link", "del", HOST_LINK]).catch(() => undefined);
    await run("ip", ["netns", "del", NAMESPACE]).catch(() => undefined);
    await db?.close();
  });

  it("the cut-off worker's job is re-picked after the heartbeat timeout; its late outcome changes nothing", async () => {
    const pgq = new PgQueuer(db.driver, { settings: db.settingsOptions, tracing: false });
    const n = sqlNames(db.settings);
    const dsnThroughLink = (() => {
      const url = new URL(db.dsn!);
      url.hostname = HOST_ADDRESS;
      url.port = String(RELAY_PORT);
      return url.toString();
    })();
    const cutOff = spawnChaos(db, { PGQ_TEST_HEARTBEAT: String(HEARTBEAT) }, { prefix: ["ip", "netns", "exec", NAMESPACE], dsn: dsnThroughLink });
    processes.push(cutOff);
    await within(cutOff.ready, 30_000, "namespaced worker ready");
    const id = await pgq.queries.enqueue("block", "cut mid-job");
    await within(cutOff.waitForLine(new RegExp(`^picked ${id}$`)), 20_000, "namespaced worker picks the job");

    await run("ip", ["link", "set", HOST_LINK, "down"]);
    const rescuer = spawnChaos(db, { PGQ_TEST_HEARTBEAT: String(HEARTBEAT), PGQ_TEST_BLOCK_MS: "0" });
    processes.push(rescuer);
    await rescuer.ready;
    await waitUntil(async () => (await terminalCounts(db)).get(id) === 1, { timeout: 60_000, message: "job re-picked and finished on the host" });
    const runs = await db.driver.query<{ pid: number; started: Date; finished: Date | null }>({
      text: `SELECT pid, started, finished FROM ${executionsTable(db)} WHERE job_id = $1 ORDER BY started`,
      values: [id],
    });
    expect(runs.map((r) => r.pid)).toEqual([expect.any(Number), rescuer.child.pid]);
    // Re-picked only once the cut-off worker's heartbeat had gone stale.
    expect(runs[1]!.started.getTime() - runs[0]!.started.getTime()).toBeGreaterThanOrEqual(HEARTBEAT);

    await run("ip", ["link", "set", HOST_LINK, "up"]);
    cutOff.child.kill("SIGTERM");
    expect(await within(cutOff.exited, 120_000, "cut-off worker finishes its late job and stops")).toBe(0);
    // Its handler completed after the link returned (so its outcome write came after B's).
    const [late] = await db.driver.query<{ finished: Date | null }>({
      text: `SELECT finished FROM ${executionsTable(db)} WHERE job_id = $1 AND pid <> $2`,
      values: [id, rescuer.child.pid!],
    });
    expect(late!.finished).not.toBeNull();

    const log = await db.driver.query<{ status: string; created: Date }>({
      text: `SELECT status::text AS status, created FROM ${n.queueTableLog} WHERE job_id = $1 ORDER BY id`,
      values: [id],
    });
    expect(log.map((row) => row.status)).toEqual(["queued", "picked", "picked", "successful"]);
    expect(log[3]!.created.getTime()).toBeLessThan(late!.finished!.getTime());
    expect(await queueLeft(db)).toEqual({});
    expect(await stopAll([rescuer])).toEqual([0]);
  });
});
