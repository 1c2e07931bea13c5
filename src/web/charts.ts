/**
 * Charts as inline SVG, rendered on the server: no chart library, no script, readable with
 * JavaScript disabled. Colours come from the stylesheet through class names (CATALOGUE WEB-23,
 * WEB-25). Every column carries a `<title>`, which browsers show as a tooltip.
 *
 * @module
 */
import { formatDateTime } from "./format.js";
import { html, joinHtml, type SafeHtml } from "./html.js";
import { slotTotal, type ThroughputSlot } from "./series.js";

const CHART_WIDTH = 600;
const CHART_HEIGHT = 160;

/** `11:59–12:00 UTC · 5 successful · 2 errors · 1 canceled` */
function slotTitle(slot: ThroughputSlot): string {
  const time = (date: Date): string => formatDateTime(date).slice(11, 16);
  return `${time(slot.start)}–${time(slot.end)} UTC · ${slot.successful} successful · ${slot.errors} errors · ${slot.canceled} canceled`;
}

/**
 * A stacked column chart of outcomes per slot (successful at the bottom, then errors, then
 * canceled); an empty fragment when every slot is empty.
 */
export function throughputChartSvg(slots: readonly ThroughputSlot[]): SafeHtml {
  const highest = Math.max(0, ...slots.map(slotTotal));
  if (highest === 0) return html``;
  const width = CHART_WIDTH / slots.length;
  const scale = (CHART_HEIGHT - 4) / highest;
  const columns = slots.map((slot, index) => {
    let top = CHART_HEIGHT;
    const bars = (["successful", "errors", "canceled"] as const).map((series) => {
      const count = slot[series];
      if (count === 0) return html``;
      const height = Math.max(1, count * scale);
      top -= height;
      return html`<rect class="${series}" x="${(index * width + 0.5).toFixed(2)}" y="${top.toFixed(2)}" width="${Math.max(1, width - 1).toFixed(2)}" height="${height.toFixed(2)}"></rect>`;
    });
    const hit = html`<rect class="hit" x="${(index * width).toFixed(2)}" y="0" width="${width.toFixed(2)}" height="${CHART_HEIGHT}"></rect>`;
    return html`<g><title>${slotTitle(slot)}</title>${hit}${bars}</g>`;
  });
  const total = slots.reduce((sum, slot) => sum + slotTotal(slot), 0);
  return html`<svg class="tchart" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" preserveAspectRatio="none" role="img" aria-label="${`${total} jobs finished; peak ${highest} per slot`}">${columns}</svg>`;
}

/** A small column chart of counts; an empty fragment for no values. */
export function sparklineSvg(values: readonly number[]): SafeHtml {
  if (values.length === 0) return html``;
  const highest = Math.max(0, ...values);
  const width = 3;
  const height = 20;
  const bars = values.map((value, index) => {
    const barHeight = highest === 0 ? 0 : Math.max(value > 0 ? 1 : 0, (value / highest) * height);
    return html`<rect x="${index * width}" y="${(height - barHeight).toFixed(2)}" width="${width - 0.5}" height="${barHeight.toFixed(2)}"><title>${value}</title></rect>`;
  });
  const total = values.reduce((sum, value) => sum + value, 0);
  return html`<svg class="sparkline" viewBox="0 0 ${values.length * width} ${height}" role="img" aria-label="${`${total} outcomes`}">${joinHtml(bars)}</svg>`;
}
