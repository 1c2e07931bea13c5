/**
 * Loading the worker factory of `pgq run <module>[:export]`: a `.js`/`.mjs` module, or a
 * TypeScript one (`.ts`/`.mts`, loaded through tsx), resolved against the working directory
 * (CATALOGUE CLI-26). Every problem (no such file, a module that throws while loading, a
 * missing export, an export that is not a function) is an {@link InvalidArgumentError} naming
 * the module, so the CLI prints one line and exits 2.
 *
 * @module
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe } from "../domain/durations.js";
import { InvalidArgumentError } from "../domain/errors.js";

/** A parsed `<module>[:export]`. */
export interface FactorySpec {
  /** The module path as given. */
  readonly module: string;
  /** The export to call (`default` when none is named). */
  readonly exportName: string;
}

/** A factory as exported by the user's module. */
export type LoadedFactory = (...args: unknown[]) => unknown;

const EXPORT_NAME = /^[A-Za-z_$][\w$]*$/;
const TYPESCRIPT = /\.(c|m)?tsx?$/i;
const CANDIDATE_EXTENSIONS = ["", ".ts", ".mts", ".js", ".mjs", "/index.ts", "/index.js"];

/** Split `path/to/module.ts:createWorker` into module and export (Windows drive letters are kept). */
export function parseFactorySpec(spec: string): FactorySpec {
  const colon = spec.lastIndexOf(":");
  if (colon > 1 || (colon === 1 && !/^[A-Za-z]$/.test(spec.slice(0, 1)))) {
    const exportName = spec.slice(colon + 1);
    const module = spec.slice(0, colon);
    if (!EXPORT_NAME.test(exportName)) {
      throw new InvalidArgumentError("module", `'${exportName}' in ${JSON.stringify(spec)} is not an export name; use <module>[:export], e.g. ./worker.ts:createWorker`);
    }
    return { module, exportName };
  }
  if (spec.trim() === "" || spec.endsWith(":")) throw new InvalidArgumentError("module", `expected <module>[:export], got ${JSON.stringify(spec)}`);
  return { module: spec, exportName: "default" };
}

/** Find the module file: the path as given, or with a usual extension added. */
export function resolveModulePath(module: string, cwd: string): string {
  const base = isAbsolute(module) ? module : resolve(cwd, module);
  for (const extension of CANDIDATE_EXTENSIONS) {
    const candidate = `${base}${extension}`;
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new InvalidArgumentError("module", `cannot find module '${module}' (looked for ${displayPath(base, cwd)} with ${CANDIDATE_EXTENSIONS.filter(Boolean).join(", ")})`);
}

/**
 * Load the factory named by `spec`.
 * @throws InvalidArgumentError naming the module for every problem.
 */
export async function loadFactory(spec: string, cwd: string = process.cwd()): Promise<LoadedFactory> {
  const { module, exportName } = parseFactorySpec(spec);
  const path = resolveModulePath(module, cwd);
  if (TYPESCRIPT.test(path)) await enableTypeScript(module);
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new InvalidArgumentError("module", `cannot load '${module}': ${reason}`, { cause: error });
  }
  if (!(exportName in namespace)) {
    const exported = Object.keys(namespace).filter((name) => name !== "__esModule");
    throw new InvalidArgumentError(
      "module",
      `'${module}' has no export '${exportName}' (${exported.length === 0 ? "it exports nothing" : `it exports: ${exported.join(", ")}`}); name one with ${module}:<export>`,
    );
  }
  const factory = namespace[exportName];
  if (typeof factory !== "function") {
    throw new InvalidArgumentError("module", `export '${exportName}' of '${module}' is not a factory function (got ${describe(factory)}); export a function that returns a PgQueuer`);
  }
  return factory as LoadedFactory;
}

/** Whether this process already compiles TypeScript on import (the CLI runs from its sources via tsx). */
function typeScriptEnabled(): boolean {
  return import.meta.url.endsWith(".ts") || process.execArgv.some((argument) => argument.includes("tsx"));
}

let registration: Promise<void> | undefined;

async function enableTypeScript(module: string): Promise<void> {
  if (typeScriptEnabled()) return;
  registration ??= (async () => {
    try {
      const api = (await import("tsx/esm/api")) as { register: () => unknown };
      api.register();
    } catch (error) {
      registration = undefined;
      throw new InvalidArgumentError("module", `cannot load the TypeScript module '${module}': tsx is not installed (npm install --save-dev tsx), or compile it to JavaScript first`, { cause: error });
    }
  })();
  await registration;
}

function displayPath(path: string, cwd: string): string {
  const shown = relative(cwd, path);
  return shown.startsWith("..") ? path : `./${shown}`;
}
