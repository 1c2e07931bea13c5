/**
 * Entry point of every child process the orchestrator (bench/run.ts) forks: receives one
 * task over IPC, runs it, reports the result, and exits.
 *
 * @module
 */
import type { ChildTask } from "./protocol.js";
import { Inbox } from "./roles/inbox.js";

const inbox = new Inbox();

async function perform(task: ChildTask): Promise<void> {
  switch (task.kind) {
    case "enqueue": {
      const { runEnqueue } = await import("./roles/producer.js");
      return inbox.send({ type: "result", result: await runEnqueue(task) });
    }
    case "steady-producer": {
      const { runSteadyProducer } = await import("./roles/producer.js");
      return inbox.send({ type: "result", result: await runSteadyProducer(task, inbox) });
    }
    case "latency-producer": {
      const { runLatencyProducer } = await import("./roles/producer.js");
      return inbox.send({ type: "result", result: await runLatencyProducer(task) });
    }
    case "worker": {
      const { runWorker } = await import("./roles/worker.js");
      return inbox.send({ type: "result", result: await runWorker(task, inbox) });
    }
    case "pglite-drain": {
      const { runPGliteDrain } = await import("./roles/pglite.js");
      return inbox.send({ type: "result", result: await runPGliteDrain(task) });
    }
  }
}

process.once("message", (task: ChildTask) => {
  perform(task).then(
    // Exit explicitly: a library may keep timers alive after stop(); `--cpu-prof` still writes on exit.
    () => process.exit(0),
    async (error: unknown) => {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      await inbox.send({ type: "error", message }).catch(() => undefined);
      process.exit(1);
    },
  );
});
