/**
 * Listener health: send a probe through NOTIFY and wait for it to come back through our own
 * LISTEN. A listener that stops echoing is deaf, and a deaf worker only finds work by polling.
 *
 * @module
 */
import { randomUUID } from "node:crypto";

/** Pending probes, resolved by the event router when their echo arrives. */
export class HealthProbes {
  readonly #pending = new Map<string, () => void>();

  /** Resolve the probe with this id (unknown or finished ids are ignored). */
  echo(id: string): void {
    this.#pending.get(id)?.();
  }

  /**
   * Send one probe with `send` and wait up to `timeout` ms for its echo.
   * @returns whether the echo arrived in time.
   */
  async probe(send: (id: string) => Promise<void>, timeout: number): Promise<boolean> {
    const id = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    const echoed = new Promise<boolean>((resolve) => {
      this.#pending.set(id, () => resolve(true));
      timer = setTimeout(() => resolve(false), timeout);
    });
    try {
      await send(id);
      return await echoed;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
      this.#pending.delete(id);
    }
  }
}
