/**
 * A one-value cache with a time to live, for scrape-time reads: a Prometheus server (or
 * several) scraping often must not turn into one database round trip per scrape and metric.
 * Concurrent callers share one in-flight refresh; a failed refresh is not cached, and every
 * caller waiting on it sees the error (CATALOGUE BUF-8).
 *
 * @module
 */

/** See the module documentation. */
export class TtlCache<T> {
  readonly #ttl: number;
  readonly #load: () => Promise<T>;
  #value: { readonly value: T; readonly expires: number } | undefined;
  #loading: Promise<T> | undefined;

  /**
   * @param ttl milliseconds a loaded value stays fresh, counted from when the load finished.
   * @param load produces a fresh value.
   */
  constructor(ttl: number, load: () => Promise<T>) {
    this.#ttl = ttl;
    this.#load = load;
  }

  /** The cached value while fresh, else a new one (shared with concurrent callers). */
  get(): Promise<T> {
    if (this.#value && performance.now() < this.#value.expires) return Promise.resolve(this.#value.value);
    this.#loading ??= this.#load()
      .then((value) => {
        this.#value = { value, expires: performance.now() + this.#ttl };
        return value;
      })
      .finally(() => {
        this.#loading = undefined;
      });
    return this.#loading;
  }
}
