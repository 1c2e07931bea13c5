/**
 * The extension state table (`<prefix>pgqueuer_entrypoint_state`): one row per entrypoint that
 * has state shared by every worker. Today that is the paused flag, read by the claim (see
 * `ClaimVariant.pauseFilter` in queue.ts).
 *
 * @module
 */
import type { Settings } from "../domain/settings.js";
import { sqlNames } from "./identifiers.js";
import { jsonList, memoizeBySettings, type SqlStatement } from "./statement.js";

const texts = memoizeBySettings((settings: Settings) => {
  const n = sqlNames(settings);
  return {
    pause: `INSERT INTO ${n.entrypointStateTable} AS state (entrypoint, paused, paused_at, updated)
SELECT name, TRUE, NOW(), NOW() FROM jsonb_array_elements_text($1::jsonb) AS requested(name)
ON CONFLICT (entrypoint) DO UPDATE
SET paused = TRUE,
    -- Pausing a paused entrypoint keeps the time it was first paused.
    paused_at = CASE WHEN state.paused THEN state.paused_at ELSE NOW() END,
    updated = NOW()
RETURNING state.entrypoint`,
    resume: `UPDATE ${n.entrypointStateTable} AS state
SET paused = FALSE, paused_at = NULL, updated = NOW()
WHERE state.entrypoint = ANY (ARRAY(SELECT jsonb_array_elements_text($1::jsonb))) AND state.paused
RETURNING state.entrypoint`,
    listPaused: `SELECT entrypoint, paused_at FROM ${n.entrypointStateTable} WHERE paused ORDER BY entrypoint`,
  };
});

/** Mark the entrypoints paused (upsert); returns a row `{ entrypoint }` per entrypoint. */
export function pauseStatement(settings: Settings, entrypoints: readonly string[]): SqlStatement {
  return { text: texts(settings).pause, values: [jsonList(entrypoints)] };
}

/** Clear the paused flag; returns a row `{ entrypoint }` per entrypoint that was paused. */
export function resumeStatement(settings: Settings, entrypoints: readonly string[]): SqlStatement {
  return { text: texts(settings).resume, values: [jsonList(entrypoints)] };
}

/** Rows `{ entrypoint, paused_at }` of every paused entrypoint, by name. */
export function listPausedStatement(settings: Settings): SqlStatement {
  return { text: texts(settings).listPaused, values: [] };
}
