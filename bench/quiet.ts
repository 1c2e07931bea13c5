/**
 * The machine is shared: before each scenario run, measure how busy the CPUs are and, when
 * others are using them heavily, wait a while for quiet. The busy share is reported with the
 * results, so a noisy run is visible as such.
 *
 * @module
 */
import os from "node:os";
import { sleep } from "./roles/inbox.js";

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const { user, nice, sys, irq, idle } = cpu.times;
    busy += user + nice + sys + irq;
    total += user + nice + sys + irq + idle;
  }
  return { busy, total };
}

/** Share of all CPUs busy (0–1) over the next `window` ms. */
export async function busyShare(window = 1_000): Promise<number> {
  const before = cpuTimes();
  await sleep(window);
  const after = cpuTimes();
  const total = after.total - before.total;
  return total > 0 ? (after.busy - before.busy) / total : 0;
}

/**
 * Wait (up to `maxWait` ms) until less than `threshold` of the CPUs is busy; resolves to the
 * busy share last measured.
 */
export async function waitForQuiet(threshold: number, maxWait: number): Promise<number> {
  const deadline = performance.now() + maxWait;
  let share = await busyShare();
  while (share > threshold && performance.now() < deadline) share = await busyShare(2_000);
  return share;
}
