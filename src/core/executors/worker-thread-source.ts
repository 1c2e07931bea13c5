/**
 * The program each pool thread runs, as JavaScript source started with `new Worker(source,
 * { eval: true })`.
 *
 * Why a string and not a module file: a worker-thread entry file would have to exist as
 * plain JavaScript wherever the library runs — from `dist/`, from TypeScript sources under
 * tsx, and under the test runner, which transforms modules in memory and cannot hand a `.ts`
 * file to a thread. Source text runs the same everywhere. It speaks the protocol of
 * worker-protocol.ts, and stays small on purpose.
 *
 * workerData: `{ moduleUrl, exportName, typescript }`. TypeScript handler modules are loaded
 * through tsx's `tsImport` (tsx must be resolvable from the working directory); JavaScript
 * ones with a plain `import()`.
 *
 * @module
 */

/** The worker thread's program (CommonJS script text). */
export const WORKER_THREAD_SOURCE = String.raw`"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const { moduleUrl, exportName, typescript } = workerData;
const MAX_CAUSE_DEPTH = 16;

async function loadModule() {
  if (!typescript) return import(moduleUrl);
  let api;
  try {
    api = await import("tsx/esm/api");
  } catch (error) {
    throw new Error("the handler module is TypeScript; loading it in a worker thread needs tsx, which could not be imported from " + process.cwd() + " (install tsx, or point the executor at compiled JavaScript)", { cause: error });
  }
  return api.tsImport(moduleUrl, moduleUrl);
}

async function loadHandler() {
  const namespace = await loadModule();
  let handler = namespace[exportName];
  // A CommonJS module seen through ESM (or tsx's interop) nests its exports under default.
  if (typeof handler !== "function" && namespace.default !== null && typeof namespace.default === "object") {
    handler = namespace.default[exportName];
  }
  if (typeof handler !== "function") {
    throw new TypeError("export " + JSON.stringify(exportName) + " of " + moduleUrl + " is not a function (got " + typeof handler + ")");
  }
  return handler;
}

const loading = loadHandler();
loading.catch(() => undefined);

function serializeError(value, depth, seen) {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) {
    return { name: "NonError", message: typeof value === "string" ? value : "non-error thrown: " + String(value), stack: undefined, properties: {}, cause: undefined };
  }
  seen.add(value);
  const properties = {};
  for (const key of Object.keys(value)) {
    if (key === "name" || key === "message" || key === "stack" || key === "cause") continue;
    const property = value[key];
    if (property === null || typeof property === "string" || typeof property === "number" || typeof property === "boolean") properties[key] = property;
  }
  let cause;
  if (value.cause !== undefined && depth < MAX_CAUSE_DEPTH && !seen.has(value.cause)) {
    cause = serializeError(value.cause, depth + 1, seen);
  }
  return {
    name: typeof value.name === "string" ? value.name : "Error",
    message: typeof value.message === "string" ? value.message : String(value),
    stack: typeof value.stack === "string" ? value.stack : undefined,
    properties,
    cause,
  };
}

function sendError(taskId, phase, error) {
  parentPort.postMessage({ type: "error", taskId, phase, error: serializeError(error, 0, new Set()) });
}

parentPort.on("message", async (message) => {
  const taskId = message.taskId;
  let handler;
  try {
    handler = await loading;
  } catch (error) {
    sendError(taskId, "load", error);
    return;
  }
  let value;
  try {
    const data = message.job;
    const payload = data.payload === null ? null : Buffer.from(data.payload.buffer, data.payload.byteOffset, data.payload.byteLength);
    value = await handler({ ...data, payload });
  } catch (error) {
    sendError(taskId, "run", error);
    return;
  }
  try {
    parentPort.postMessage({ type: "result", taskId, value });
  } catch (error) {
    sendError(taskId, "result", error);
  }
});
`;
