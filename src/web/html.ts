/**
 * HTML building with escaping by default. The `html` tag escapes every interpolated value
 * unless it is already {@link SafeHtml} (the result of another `html` call), so text from the
 * database — payloads, tracebacks, entrypoint names, headers — can only ever appear as text.
 * There is deliberately no "raw string" escape hatch besides {@link trustedHtml}, which only
 * the fixed assets use.
 *
 * @module
 */

/** A fragment of markup that is safe to emit as it is. */
export class SafeHtml {
  readonly #markup: string;

  constructor(markup: string) {
    this.#markup = markup;
  }

  /** The markup. */
  toString(): string {
    return this.#markup;
  }
}

/** What may be interpolated into {@link html}: text (escaped), markup, or lists of them; null/undefined/false render nothing. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escape text for an element body or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ENTITIES[character] ?? character);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join("");
  return escapeHtml(String(value));
}

/** Tagged template: the literal parts are markup, every `${value}` is escaped (see {@link HtmlValue}). */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let markup = strings[0] ?? "";
  values.forEach((value, index) => {
    markup += render(value) + (strings[index + 1] ?? "");
  });
  return new SafeHtml(markup);
}

/** Markup written by this package itself (stylesheet, script): emitted unescaped. */
export function trustedHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** Join fragments (escaping plain strings). */
export function joinHtml(values: readonly HtmlValue[], separator: HtmlValue = ""): SafeHtml {
  const rendered = values.map(render);
  return new SafeHtml(rendered.join(render(separator)));
}
