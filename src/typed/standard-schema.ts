/**
 * Running a Standard Schema v1 validator (zod, valibot, arktype, ...) and turning its issues
 * into this library's {@link PayloadIssue}s (message plus a plain path of keys).
 *
 * @module
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { PayloadIssue } from "../domain/errors.js";

/** The validation's outcome: the schema's output, or the issues it reported. */
export type Validation<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: PayloadIssue[] };

/** Validate `value` with `schema` (sync or async validators alike). */
export async function validateWith<S extends StandardSchemaV1>(schema: S, value: unknown): Promise<Validation<StandardSchemaV1.InferOutput<S>>> {
  const result = await schema["~standard"].validate(value);
  if (result.issues === undefined) return { ok: true, value: result.value as StandardSchemaV1.InferOutput<S> };
  return { ok: false, issues: result.issues.map(toPayloadIssue) };
}

/** Whether `value` looks like a Standard Schema v1 (has `~standard` with version 1 and `validate`). */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const standard = (value as { "~standard"?: { version?: unknown; validate?: unknown } } | null | undefined)?.["~standard"];
  return typeof standard === "object" && standard !== null && standard.version === 1 && typeof standard.validate === "function";
}

function toPayloadIssue(issue: StandardSchemaV1.Issue): PayloadIssue {
  const path = (issue.path ?? []).map((segment) => {
    const key = typeof segment === "object" && segment !== null ? segment.key : segment;
    return typeof key === "number" ? key : String(key);
  });
  return { message: issue.message, path };
}
