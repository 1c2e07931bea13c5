import { describe, expect, it } from "vitest";
import { AbstractEntrypointExecutor, buildExecutor, EntrypointExecutor, type EntrypointExecutorParameters } from "../../src/core/executors/abstract.js";
import { InvalidExecutorFactoryError, PgQueuerError } from "../../src/domain/errors.js";

const parameters: EntrypointExecutorParameters = { name: "ep", func: async () => "done", concurrencyLimit: 0, onFailure: "delete" };

class Custom extends AbstractEntrypointExecutor {
  async execute(): Promise<string> {
    return `custom ${this.parameters.name}`;
  }
}

describe("executorFactory resolution", () => {
  it("defaults to EntrypointExecutor, which calls the handler", async () => {
    const executor = buildExecutor(parameters, undefined);
    expect(executor).toBeInstanceOf(EntrypointExecutor);
    expect(await executor.execute({} as never, {} as never)).toBe("done");
  });

  it("constructs a subclass given as the class itself, with the parameters", async () => {
    const executor = buildExecutor(parameters, Custom);
    expect(executor).toBeInstanceOf(Custom);
    expect(executor.parameters).toBe(parameters);
    expect(await executor.execute({} as never, {} as never)).toBe("custom ep");
  });

  it("calls a factory function with the parameters", () => {
    const seen: unknown[] = [];
    const executor = buildExecutor(parameters, (p: EntrypointExecutorParameters) => {
      seen.push(p);
      return new Custom(p);
    });
    expect(executor).toBeInstanceOf(Custom);
    expect(seen).toEqual([parameters]);
  });

  it("rejects a non-function, a foreign class, and a factory returning a non-executor, naming the entrypoint", () => {
    class NotAnExecutor {
      execute = "no";
    }
    for (const factory of [42, "Custom", {}, NotAnExecutor, () => ({}), () => null]) {
      let error: unknown;
      try {
        buildExecutor(parameters, factory);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(InvalidExecutorFactoryError);
      expect(error).toBeInstanceOf(TypeError);
      expect(error).toBeInstanceOf(PgQueuerError);
      expect((error as Error).message).toContain("'ep'");
    }
  });

  it("lets errors thrown by the factory itself through unchanged", () => {
    const boom = new RangeError("factory broke");
    expect(() =>
      buildExecutor(parameters, () => {
        throw boom;
      }),
    ).toThrow(boom);
  });
});
