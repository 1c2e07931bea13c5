/**
 * Named skips for the behaviour files the in-memory suite reuses: each skipped case is listed
 * by its exact test name with the reason it cannot run in memory. A listed name that matches no
 * case fails the file, so the list cannot silently go stale when a behaviour file changes.
 */
import { afterAll, beforeEach } from "vitest";

/** Skip the named cases (exact `it` titles) of every suite registered in this file. */
export function skipCases(skips: Readonly<Record<string, string>>): void {
  const seen = new Set<string>();
  beforeEach((context) => {
    const name = context.task.name;
    const reason = skips[name];
    if (reason === undefined) return;
    seen.add(name);
    context.skip(`in-memory: ${reason}`);
  });
  afterAll(() => {
    const stale = Object.keys(skips).filter((name) => !seen.has(name));
    if (stale.length > 0) throw new Error(`in-memory skip list names cases that do not exist: ${stale.join(" | ")}`);
  });
}
