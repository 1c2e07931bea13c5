/**
 * Typed tasks: an entrypoint defined once with a Standard Schema validator gives producers a
 * typed, validated `enqueue` and workers a typed, validated payload (docs/beyond-pgqueuer.md,
 * Typed tasks). Payloads travel as JSON text, so Python PgQueuer and plain producers can
 * enqueue them too.
 *
 *   producer: input ──validate──▶ output ──JSON──▶ payload bytes (one enqueue statement)
 *   worker:   payload bytes ──JSON.parse──▶ validate ──▶ handler(output, job, context)
 *
 * A payload that fails on the worker side (another producer wrote it, or it is not JSON) is
 * held as `failed` with the issues in its traceback: the handler throws
 * {@link InvalidJobPayloadError}, which the outcome decision always maps to `failed`.
 *
 * @module
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { EnqueueManyOptions, EnqueueOptions, Queries } from "../adapters/persistence/queries.js";
import type { Context, EntrypointHandler, Resources } from "../core/context.js";
import type { EntrypointOptions } from "../core/entrypoint-registry.js";
import { describe } from "../domain/durations.js";
import { InvalidArgumentError, InvalidJobPayloadError, PayloadValidationError, RegistrationError, type PayloadIssue } from "../domain/errors.js";
import type { Job, JobId } from "../domain/types.js";
import { enqueueAndWait, type EnqueueAndWaitOptions, type EnqueueAndWaitResult, type EnqueueAndWaitTarget } from "../enqueue-and-wait.js";
import { isStandardSchema, validateWith } from "./standard-schema.js";

/** Options of {@link defineEntrypoint}: the payload schema plus the entrypoint's usual options. */
export interface TypedEntrypointOptions<S extends StandardSchemaV1, R extends Resources = Resources> extends EntrypointOptions<R> {
  /** Any Standard Schema v1 validator; its output must be JSON-serializable. */
  readonly schema: S;
}

/** The handler of a typed entrypoint: the validated payload first, then the job and context. */
export type TypedHandler<Output, R extends Resources = Resources> = (payload: Output, job: Job, context: Context<R>) => unknown;

/** Where a typed entrypoint registers (a `PgQueuer` or `QueueManager` fits). */
export interface EntrypointHost<R extends Resources = Resources> {
  entrypoint(name: string, options: EntrypointOptions<R>, handler: EntrypointHandler<R>): unknown;
}

/** Options of {@link TypedEntrypoint.enqueueMany}: the batch options plus fields shared by every job. */
export interface TypedEnqueueManyOptions extends EnqueueManyOptions {
  readonly priority?: number;
  readonly executeAfter?: number | Date | null;
  readonly headers?: EnqueueOptions["headers"];
}

/** A typed entrypoint: see {@link defineEntrypoint}. */
export class TypedEntrypoint<S extends StandardSchemaV1, R extends Resources = Resources> {
  /** The entrypoint name jobs are enqueued under. */
  readonly name: string;
  readonly schema: S;
  /** The entrypoint options used by {@link register} (everything but `schema`). */
  readonly options: EntrypointOptions<R>;

  constructor(name: string, options: TypedEntrypointOptions<S, R>) {
    if (typeof name !== "string" || name.length === 0) throw new RegistrationError(`entrypoint name must be a non-empty string, got ${describe(name)}`);
    if (typeof options !== "object" || options === null) throw new InvalidArgumentError("options", `entrypoint '${name}': must be { schema, ... }, got ${describe(options)}`);
    const { schema, ...entrypointOptions } = options;
    if (!isStandardSchema(schema)) throw new InvalidArgumentError("schema", `entrypoint '${name}': must be a Standard Schema v1 validator (zod, valibot, arktype, ...), got ${describe(schema)}`);
    this.name = name;
    this.schema = schema;
    this.options = entrypointOptions;
  }

  /**
   * Validate `input`, then enqueue its output as JSON. Resolves to the job id (null only with
   * `onConflict: "skip"`).
   * @throws PayloadValidationError (an InvalidArgumentError, `setting: "payload"`) listing the
   * issues with their paths, before any SQL.
   */
  async enqueue(queries: Queries, input: StandardSchemaV1.InferInput<S>, options: EnqueueOptions = {}): Promise<JobId | null> {
    const payload = await this.#encode(input, "payload");
    return queries.enqueue(this.name, payload, options);
  }

  /**
   * Validate every input (all of them, before any SQL), then enqueue them in one statement.
   * @throws PayloadValidationError naming the first bad input (`inputs[2]`) and its issues.
   */
  async enqueueMany(queries: Queries, inputs: readonly StandardSchemaV1.InferInput<S>[], options: TypedEnqueueManyOptions = {}): Promise<(JobId | null)[]> {
    if (!Array.isArray(inputs)) throw new InvalidArgumentError("inputs", `must be an array, got ${describe(inputs)}`);
    const { priority, executeAfter, headers, ...batch } = options;
    const payloads: string[] = [];
    for (const [index, input] of inputs.entries()) payloads.push(await this.#encode(input, `inputs[${index}]`));
    return queries.enqueueMany(
      payloads.map((payload) => ({ entrypoint: this.name, payload, priority, executeAfter, headers })),
      batch,
    );
  }

  /**
   * Validate `input`, enqueue it and wait for the job to finish (see `enqueueAndWait`).
   * The result is the stored JSON when the entrypoint was defined with `storeResult: true`.
   */
  async enqueueAndWait(target: EnqueueAndWaitTarget, input: StandardSchemaV1.InferInput<S>, options: EnqueueAndWaitOptions = {}): Promise<EnqueueAndWaitResult> {
    const payload = await this.#encode(input, "payload");
    return enqueueAndWait(target, this.name, payload, options);
  }

  /**
   * Register the handler on `host` (usually `pgq`) under this name and options. The handler
   * receives the validated payload; an invalid one holds the job as `failed` with the issues.
   */
  register(host: EntrypointHost<R>, handler: TypedHandler<StandardSchemaV1.InferOutput<S>, R>): void {
    if (typeof handler !== "function") throw new InvalidArgumentError("handler", `entrypoint '${this.name}': must be a function (payload, job, context) => ..., got ${describe(handler)}`);
    host.entrypoint(this.name, this.options, async (job, context) => handler(await this.decode(job), job, context));
  }

  /**
   * The validated payload of a claimed job.
   * @throws InvalidJobPayloadError when it is missing, not JSON, or fails the schema.
   */
  async decode(job: Job): Promise<StandardSchemaV1.InferOutput<S>> {
    if (job.payload === null) throw new InvalidJobPayloadError(this.name, [{ message: "the job has no payload (expected JSON)", path: [] }]);
    let parsed: unknown;
    try {
      parsed = JSON.parse(job.payload.toString("utf8"));
    } catch (error) {
      throw new InvalidJobPayloadError(this.name, [{ message: `not JSON: ${error instanceof Error ? error.message : String(error)}`, path: [] }], { cause: error });
    }
    const validation = await validateWith(this.schema, parsed);
    if (!validation.ok) throw new InvalidJobPayloadError(this.name, validation.issues);
    return validation.value;
  }

  /** Validate and JSON-encode one input; `setting` names it in the error. */
  async #encode(input: unknown, setting: string): Promise<string> {
    const validation = await validateWith(this.schema, input);
    if (!validation.ok) throw new PayloadValidationError(setting, this.name, validation.issues);
    let text: string | undefined;
    let problem: PayloadIssue | undefined;
    try {
      text = JSON.stringify(validation.value);
    } catch (error) {
      problem = { message: `the schema's output is not JSON-serializable: ${error instanceof Error ? error.message : String(error)}`, path: [] };
    }
    if (text === undefined) throw new PayloadValidationError(setting, this.name, [problem ?? { message: "the schema's output is not JSON-serializable", path: [] }]);
    return text;
  }
}

/**
 * Define a typed entrypoint: `schema` validates payloads, the other options are those of
 * `pgq.entrypoint` (`storeResult`, `onFailure`, `timeout`, ...).
 *
 * ```ts
 * const sendEmail = defineEntrypoint("send_email", { schema: z.object({ to: z.email() }) });
 * sendEmail.register(pgq, async ({ to }) => mailer.send(to));
 * await sendEmail.enqueue(pgq.queries, { to: "a@example.com" });
 * ```
 * @throws InvalidArgumentError when `schema` is not a Standard Schema v1 validator.
 */
export function defineEntrypoint<S extends StandardSchemaV1, R extends Resources = Resources>(name: string, options: TypedEntrypointOptions<S, R>): TypedEntrypoint<S, R> {
  return new TypedEntrypoint(name, options);
}
