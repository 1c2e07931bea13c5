/**
 * ISO-8601 durations for the MCP tools' window arguments (CATALOGUE MCP-10): `PT1H`, `PT30M`,
 * `P1D`, `P2DT3H30M15S`, `PT0.5S`, case-insensitive. Assistants write these reliably; a bare
 * number would leave the unit to guesswork.
 *
 * @module
 */
import { InvalidArgumentError } from "../domain/errors.js";

const PATTERN = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;
const UNITS = [7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000] as const;

/**
 * Milliseconds of an ISO-8601 duration; null for `undefined`, null or `""` (no filter).
 * @throws InvalidArgumentError naming `field`: `Cannot parse duration: ...` or `Duration must be positive`.
 */
export function parseIsoDuration(value: string | null | undefined, field: string): number | null {
  if (value === undefined || value === null || value.trim() === "") return null;
  const text = value.trim();
  const match = PATTERN.exec(text);
  // "P" and "PT" alone match the pattern with every part empty: not a duration.
  if (match === null || /^PT?$/i.test(text) || /T$/i.test(text)) {
    throw new InvalidArgumentError(field, `Cannot parse duration: ${JSON.stringify(value)} (expected ISO-8601 such as PT1H, PT30M, P1D)`);
  }
  const milliseconds = UNITS.reduce((total, unit, index) => total + Number(match[index + 1] ?? 0) * unit, 0);
  if (milliseconds <= 0) throw new InvalidArgumentError(field, `Duration must be positive, got ${JSON.stringify(value)}`);
  return milliseconds;
}
