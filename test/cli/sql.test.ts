/**
 * `pgq sql ...`: SQL on stdout without a connection, and the same text applied by psql.
 */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { openDriver } from "../../src/adapters/connect.js";
import { selectedBackends, TEST_DSN, uniqueName } from "../support/backends.js";
import { BIN, childEnv, createTarget, ROOT, runPgq, show } from "./support.js";

/** A server nobody listens on: `pgq sql` must not even try it. */
const UNREACHABLE = { PGQUEUER_DSN: "postgres://postgres@127.0.0.1:1/none" };

describe("pgq sql (no connection)", () => {
  it("prints the install script, ending in one newline, with statements at column 0", async () => {
    const result = await runPgq(null, ["sql", "install"], { env: UNREACHABLE });
    expect(result.code, show(result)).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout.startsWith("CREATE TYPE")).toBe(true);
    expect(result.stdout.endsWith(";\n")).toBe(true);
    expect(result.stdout.endsWith(";\n\n")).toBe(false);
    expect(result.stdout).toContain("\n\nCREATE TABLE");
    expect(result.stdout).not.toContain("-----");
    // Deterministic across runs.
    const again = await runPgq(null, ["sql", "install"], { env: UNREACHABLE });
    expect(again.stdout).toBe(result.stdout);
  }, 60_000);

  it("honours --durability, --prefix, --schema and --no-create-schema", async () => {
    const volatile = await runPgq(null, ["sql", "install", "--durability", "volatile"]);
    expect(volatile.stdout).toContain("CREATE UNLOGGED TABLE");

    const named = await runPgq(null, ["--prefix", "acme_", "--schema", "myschema", "sql", "install"]);
    expect(named.code, show(named)).toBe(0);
    expect(named.stdout).toMatch(/^CREATE SCHEMA IF NOT EXISTS "?myschema"?;/);
    expect(named.stdout).toMatch(/"?myschema"?\."?acme_pgqueuer"?/);

    const bare = await runPgq(null, ["--schema", "myschema", "sql", "install", "--no-create-schema"]);
    expect(bare.stdout).not.toContain("CREATE SCHEMA");
  }, 60_000);

  it("prints uninstall, upgrade, durability and autovac scripts", async () => {
    const uninstall = await runPgq(null, ["sql", "uninstall"], { env: UNREACHABLE });
    expect(uninstall.code, show(uninstall)).toBe(0);
    expect(uninstall.stdout.split("\n").filter((line) => line !== "").every((line) => line.startsWith("DROP"))).toBe(true);

    const upgrade = await runPgq(null, ["sql", "upgrade"], { env: UNREACHABLE });
    expect(upgrade.stdout).toContain("ALTER TABLE");
    const narrow = await runPgq(null, ["sql", "upgrade", "--no-widen-id"], { env: UNREACHABLE });
    expect(narrow.stdout.length).toBeLessThan(upgrade.stdout.length);

    const durability = await runPgq(null, ["sql", "durability", "volatile"], { env: UNREACHABLE });
    expect(durability.stdout).toContain("SET UNLOGGED");

    const autovac = await runPgq(null, ["sql", "autovac"], { env: UNREACHABLE });
    expect(autovac.stdout).toContain("autovacuum_vacuum_scale_factor");
    const rollback = await runPgq(null, ["sql", "autovac", "--rollback"], { env: UNREACHABLE });
    expect(rollback.stdout).toContain("RESET");
  }, 90_000);

  it("rejects a bad prefix and an unknown durability as usage errors", async () => {
    const prefix = await runPgq(null, ["--prefix", "bad-prefix", "sql", "install"]);
    expect(prefix.code).toBe(2);
    expect(prefix.stderr).toMatch(/^pgq: prefix: /);
    expect(prefix.stdout).toBe("");

    const durability = await runPgq(null, ["sql", "durability", "sometimes"]);
    expect(durability.code).toBe(2);
    expect(durability.stderr.trim().split("\n")).toHaveLength(1);
  }, 60_000);
});

/** `pgq <args> | psql -v ON_ERROR_STOP=1`, with pipefail: resolves with the pipeline's exit code. */
function pipeToPsql(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const quoted = args.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(" ");
  const script = `set -o pipefail; '${process.execPath}' '${BIN}' ${quoted} | psql '${TEST_DSN}' -X -q -v ON_ERROR_STOP=1 -f -`;
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", script], { cwd: ROOT, env: childEnv(), stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

// PostgreSQL only: psql connects over the network and cannot reach a PGlite data directory.
describe.skipIf(!selectedBackends().includes("postgres"))("pgq sql | psql [postgres]", () => {
  it("applies install, upgrade and uninstall cleanly on an empty schema, and pgq verify agrees", async () => {
    const target = await createTarget("postgres");
    const schema = target.schema!;
    try {
      let piped = await pipeToPsql(["--schema", schema, "sql", "install"]);
      expect(piped.code, piped.stderr).toBe(0);
      let verify = await runPgq(target, ["verify", "--expect", "present"]);
      expect(verify.code, show(verify)).toBe(0);

      piped = await pipeToPsql(["--schema", schema, "sql", "upgrade"]);
      expect(piped.code, piped.stderr).toBe(0);
      piped = await pipeToPsql(["--schema", schema, "sql", "durability", "balanced"]);
      expect(piped.code, piped.stderr).toBe(0);
      piped = await pipeToPsql(["--schema", schema, "sql", "autovac"]);
      expect(piped.code, piped.stderr).toBe(0);

      piped = await pipeToPsql(["--schema", schema, "sql", "uninstall"]);
      expect(piped.code, piped.stderr).toBe(0);
      verify = await runPgq(target, ["verify", "--expect", "absent"]);
      expect(verify.code, show(verify)).toBe(0);
    } finally {
      await target.cleanup();
    }
  }, 120_000);

  it("fails the pipeline when the script does not apply (ON_ERROR_STOP)", async () => {
    // Installing twice: the second script hits existing objects, and psql stops.
    const schema = uniqueName("pgqcli");
    try {
      expect((await pipeToPsql(["--schema", schema, "sql", "install"])).code).toBe(0);
      const second = await pipeToPsql(["--schema", schema, "sql", "install"]);
      expect(second.code).not.toBe(0);
      expect(second.stderr).toMatch(/already exists/);
    } finally {
      const opened = await openDriver({ dsn: TEST_DSN }, {});
      await opened.driver.execute({ text: `DROP SCHEMA IF EXISTS "${schema}" CASCADE` });
      await opened.driver.close();
    }
  }, 120_000);
});
