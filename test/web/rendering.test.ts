/**
 * Pure pieces of the dashboard: escaping, formatters, payload previews, slot folding, charts,
 * and the insight helpers (window clamping, failure rate, counts per entrypoint). No database.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { ThroughputBucket } from "../../src/domain/insights.js";
import type { JobStatus } from "../../src/domain/types.js";
import { sparklineSvg, throughputChartSvg } from "../../src/web/charts.js";
import { formatAge, formatDateTime, formatDuration, formatRate, previewPayload } from "../../src/web/format.js";
import { escapeHtml, html, joinHtml } from "../../src/web/html.js";
import { clampWindow, countsByEntrypoint, DAY, failureRate, HOUR } from "../../src/web/insights.js";
import { noticeText } from "../../src/web/routes.js";
import { foldThroughput, slotTotal } from "../../src/web/series.js";

describe("html escaping", () => {
  it("escapes every interpolated string, keeps nested fragments, drops null/false", () => {
    const name = `<script>alert("x")</script>&'`;
    const fragment = html`<td>${name}</td>${null}${false}${undefined}${[html`<b>${"<i>"}</b>`, 3]}`;
    expect(fragment.toString()).toBe("<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</td><b>&lt;i&gt;</b>3");
  });

  it("escapes inside attributes so a value cannot close the quote", () => {
    expect(html`<a title="${'" onmouseover="x'}">`.toString()).toBe('<a title="&quot; onmouseover=&quot;x">');
    expect(escapeHtml("a&b")).toBe("a&amp;b");
    expect(joinHtml(["<a>", html`<b></b>`], ", ").toString()).toBe("&lt;a&gt;, <b></b>");
  });

  it("never lets a generated string produce a tag (property)", () => {
    fc.assert(fc.property(fc.string(), (text) => !/[<>]/.test(html`${text}`.toString())));
  });
});

describe("formatters", () => {
  it("formats ages in the largest two units (WEB-22)", () => {
    expect(formatAge(null)).toBe("–");
    expect(formatAge(5_000)).toBe("5s");
    expect(formatAge(65_000)).toBe("1m 5s");
    expect(formatAge(3_660_000)).toBe("1h 1m");
    expect(formatAge(90_000_000)).toBe("1d 1h");
    expect(formatAge(-10)).toBe("0s");
  });

  it("formats durations, instants and rates", () => {
    expect(formatDuration(null)).toBe("–");
    expect(formatDuration(250)).toBe("250ms");
    expect(formatDuration(5_500)).toBe("5.50s");
    expect(formatDuration(65_000)).toBe("1m 5s");
    expect(formatDateTime(new Date("2024-03-04T05:06:07.890Z"))).toBe("2024-03-04 05:06:07");
    expect(formatDateTime(null)).toBe("–");
    expect(formatRate(0.123)).toBe("12.3%");
    expect(formatRate(null)).toBe("–");
  });

  it("shows the notice of an action, and ignores anything else", () => {
    expect(noticeText("requeued-1")).toBe("Requeued 1 job.");
    expect(noticeText("deleted-3")).toBe("Deleted 3 jobs.");
    expect(noticeText("canceled-0")).toContain("No job was canceled");
    expect(noticeText("<script>")).toBeNull();
    expect(noticeText(null)).toBeNull();
  });
});

describe("payload preview (WEB-15)", () => {
  it("classifies empty, JSON, text and binary payloads", () => {
    expect(previewPayload(null)).toEqual({ kind: "empty", text: "", truncated: false, size: 0 });
    expect(previewPayload(Buffer.alloc(0)).kind).toBe("empty");
    expect(previewPayload(Buffer.from('{"a":1}'))).toEqual({ kind: "json", text: '{\n  "a": 1\n}', truncated: false, size: 7 });
    expect(previewPayload(Buffer.from("héllo <b>"))).toMatchObject({ kind: "text", text: "héllo <b>" });
    expect(previewPayload(Buffer.from([0xff, 0x00, 0x10]))).toEqual({ kind: "binary", text: "ff 00 10", truncated: false, size: 3 });
  });

  it("truncates long binary to 512 bytes of hex with the total size", () => {
    const preview = previewPayload(Buffer.alloc(600, 0xfe));
    expect(preview.kind).toBe("binary");
    expect(preview.truncated).toBe(true);
    expect(preview.text.endsWith(" … (600 bytes total)")).toBe(true);
    expect(preview.text.split(" … ")[0]?.split(" ")).toHaveLength(512);
  });

  it("truncates long text without mistaking a cut multi-byte character for binary", () => {
    const text = "é".repeat(20); // 40 bytes, cut at an odd byte
    const preview = previewPayload(Buffer.from(text), { textBytes: 11 });
    expect(preview.kind).toBe("text");
    expect(preview.truncated).toBe(true);
    expect(preview.text).toBe(`${"é".repeat(5)} … (40 bytes total)`);
  });
});

const bucket = (iso: string, status: JobStatus, count: number, entrypoint = "a"): ThroughputBucket => ({ bucket: new Date(iso), status, count, entrypoint });

describe("throughput slots and charts (WEB-23..WEB-25, INS-4)", () => {
  const end = new Date("2024-01-01T12:00:00Z");

  it("folds buckets into equal slots, mapping statuses and dropping the rest", () => {
    const slots = foldThroughput(
      [
        bucket("2024-01-01T11:00:00Z", "successful", 2),
        bucket("2024-01-01T11:59:00Z", "exception", 1),
        bucket("2024-01-01T11:59:00Z", "failed", 1),
        bucket("2024-01-01T11:59:00Z", "canceled", 4),
        bucket("2024-01-01T11:30:00Z", "queued", 9),
        bucket("2024-01-01T10:59:00Z", "successful", 7),
        bucket("2024-01-01T11:30:00Z", "successful", 5, "other"),
      ],
      { end, window: HOUR, slots: 60, entrypoint: "a" },
    );
    expect(slots).toHaveLength(60);
    expect(slots[0]).toMatchObject({ successful: 2, errors: 0, canceled: 0 });
    expect(slots[59]).toMatchObject({ successful: 0, errors: 2, canceled: 4 });
    expect(slots.reduce((sum, slot) => sum + slotTotal(slot), 0)).toBe(8);
    expect(slots[59]?.end.getTime()).toBe(end.getTime());
  });

  it("conserves every in-window outcome count (property)", () => {
    const status = fc.constantFrom<JobStatus>("successful", "exception", "canceled", "failed");
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3_600_000 }), status, fc.integer({ min: 1, max: 50 })), { maxLength: 40 }), fc.integer({ min: 1, max: 90 }), (rows, slotCount) => {
        const series = rows.map(([offset, s, count]) => ({ bucket: new Date(end.getTime() - offset), status: s, count, entrypoint: "a" }));
        const slots = foldThroughput(series, { end, window: HOUR, slots: slotCount });
        return slots.reduce((sum, slot) => sum + slotTotal(slot), 0) === rows.reduce((sum, [, , count]) => sum + count, 0);
      }),
    );
  });

  it("draws stacked columns with per-column tooltips, and nothing without data", () => {
    expect(throughputChartSvg(foldThroughput([], { end, window: HOUR, slots: 60 })).toString()).toBe("");
    const svg = throughputChartSvg(foldThroughput([bucket("2024-01-01T11:59:30Z", "successful", 5), bucket("2024-01-01T11:59:30Z", "exception", 2)], { end, window: HOUR, slots: 60 })).toString();
    expect(svg).toContain('<svg class="tchart"');
    expect(svg).toContain('class="successful"');
    expect(svg).toContain('class="errors"');
    expect(svg).not.toContain('class="canceled"');
    expect(svg).toContain("11:59–12:00 UTC · 5 successful · 2 errors · 0 canceled");
  });

  it("draws one bar per sparkline value, and nothing for no values", () => {
    expect(sparklineSvg([]).toString()).toBe("");
    const svg = sparklineSvg([0, 1, 4]).toString();
    expect(svg).toContain('class="sparkline"');
    expect(svg.match(/<rect /g)).toHaveLength(3);
  });
});

describe("insight helpers (INS-1..INS-3)", () => {
  it("clamps windows to [1 s, 24 h], defaulting to 1 h", () => {
    expect(clampWindow(undefined)).toBe(HOUR);
    expect(clampWindow(null)).toBe(HOUR);
    expect(clampWindow(0)).toBe(1_000);
    expect(clampWindow(30 * DAY)).toBe(DAY);
    expect(clampWindow(6 * HOUR)).toBe(6 * HOUR);
  });

  it("computes the failure rate over every outcome, null when nothing finished", () => {
    expect(failureRate([])).toBeNull();
    expect(failureRate([{ entrypoint: "a", status: "queued", totalCount: 4 }])).toBeNull();
    expect(
      failureRate([
        { entrypoint: "a", status: "successful", totalCount: 1 },
        { entrypoint: "a", status: "exception", totalCount: 1 },
      ]),
    ).toBe(0.5);
  });

  it("sums queue sizes per entrypoint by status", () => {
    const counts = countsByEntrypoint([
      { entrypoint: "b", priority: 0, status: "queued", count: 2 },
      { entrypoint: "b", priority: 5, status: "queued", count: 1 },
      { entrypoint: "a", priority: 0, status: "failed", count: 3 },
      { entrypoint: "b", priority: 0, status: "picked", count: 1 },
    ]);
    expect(counts).toEqual([
      { entrypoint: "a", queued: 0, picked: 0, failed: 3 },
      { entrypoint: "b", queued: 3, picked: 1, failed: 0 },
    ]);
  });
});
