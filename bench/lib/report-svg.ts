/** benchmarks.svg: p50/p95 latency per scenario on a log scale, as hand-written SVG. */
import { fmt } from './report-markdown.js';
import type { BenchResults } from './results.js';

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderSvg(results: BenchResults): string {
  const scenarios = results.scenarios;
  const width = 1000;
  const left = 290;
  const right = 110;
  const top = 92;
  const rowHeight = 46;
  const bar = 15;
  const plotWidth = width - left - right;
  const height = top + scenarios.length * rowHeight + 62;
  const values = scenarios
    .flatMap((s) => [s.load.latencyMs.p50, s.load.latencyMs.p95, s.unloaded.p50])
    .filter((v) => Number.isFinite(v) && v > 0);
  const minDecade = Math.floor(Math.log10(Math.max(0.1, Math.min(...values))));
  const maxDecade = Math.ceil(Math.log10(Math.max(...values)));
  const x = (value: number) =>
    left + ((Math.log10(Math.max(value, 10 ** minDecade)) - minDecade) / (maxDecade - minDecade)) * plotWidth;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
  );
  out.push('<title>Latency under load: p50 and p95 per benchmark scenario</title>');
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(
    `<text x="20" y="30" font-size="19" font-weight="bold" fill="#111">Latency under load: p50 and p95 per scenario (ms, log scale)</text>`,
  );
  const s = results.settings;
  out.push(
    `<text x="20" y="52" font-size="12.5" fill="#555">${escapeXml(`${s.connections} connections, ${s.durationSeconds} s each; simulator latency ${s.upstreamLatencyMs} ms per upstream call; ${results.machine.cores} cores (${results.machine.cpu}); ${results.generatedAt.slice(0, 10)}`)}</text>`,
  );
  // legend
  const legendY = 72;
  out.push(
    `<rect x="${left}" y="${legendY - 10}" width="14" height="10" fill="#2563eb"/><text x="${left + 20}" y="${legendY}" font-size="12" fill="#333">p50</text>`,
  );
  out.push(
    `<rect x="${left + 60}" y="${legendY - 10}" width="14" height="10" fill="#93c5fd"/><text x="${left + 80}" y="${legendY}" font-size="12" fill="#333">p95</text>`,
  );
  out.push(
    `<rect x="${left + 120}" y="${legendY - 10}" width="14" height="10" fill="#ea580c"/><text x="${left + 140}" y="${legendY}" font-size="12" fill="#333">p50 alternative</text>`,
  );
  out.push(
    `<rect x="${left + 250}" y="${legendY - 10}" width="14" height="10" fill="#fdba74"/><text x="${left + 270}" y="${legendY}" font-size="12" fill="#333">p95 alternative</text>`,
  );
  out.push(
    `<line x1="${left + 390}" y1="${legendY - 12}" x2="${left + 390}" y2="${legendY + 2}" stroke="#111" stroke-width="2" stroke-dasharray="3,2"/><text x="${left + 398}" y="${legendY}" font-size="12" fill="#333">critical path</text>`,
  );
  out.push(
    `<circle cx="${left + 492}" cy="${legendY - 4}" r="4.5" fill="#ffffff" stroke="#111" stroke-width="1.5"/><text x="${left + 502}" y="${legendY}" font-size="12" fill="#333">p50 unloaded (1 connection)</text>`,
  );
  // grid
  const plotBottom = top + scenarios.length * rowHeight;
  for (let decade = minDecade; decade <= maxDecade; decade++) {
    for (const multiple of [1, 2, 5]) {
      const value = multiple * 10 ** decade;
      if (value > 10 ** maxDecade) continue;
      const gx = x(value);
      const major = multiple === 1;
      out.push(
        `<line x1="${gx.toFixed(1)}" y1="${top - 6}" x2="${gx.toFixed(1)}" y2="${plotBottom}" stroke="${major ? '#cbd5e1' : '#eef2f7'}" stroke-width="1"/>`,
      );
      out.push(
        `<text x="${gx.toFixed(1)}" y="${plotBottom + 18}" font-size="11" fill="${major ? '#333' : '#888'}" text-anchor="middle">${value >= 1 ? value : value.toFixed(1)}</text>`,
      );
    }
  }
  out.push(
    `<text x="${left + plotWidth / 2}" y="${plotBottom + 40}" font-size="12" fill="#333" text-anchor="middle">latency (ms, log scale)</text>`,
  );
  scenarios.forEach((scenario, index) => {
    const y = top + index * rowHeight;
    const alternative = scenario.group === 'alternative';
    if (index > 0 && alternative && scenarios[index - 1]?.group !== 'alternative') {
      out.push(`<line x1="20" y1="${y - 2}" x2="${width - 20}" y2="${y - 2}" stroke="#94a3b8" stroke-width="1"/>`);
    }
    const title = `${scenario.id}. ${scenario.label}`;
    const subtitle = `${fmt(scenario.load.requestsPerSecond)} req/s · ${fmt(scenario.upstreamCallsPerOp, 1)} upstream/op · ${fmt(scenario.cpuMsPerRequest, 1)} ms CPU`;
    out.push(
      `<text x="${left - 10}" y="${y + 16}" font-size="13" font-weight="bold" fill="#111" text-anchor="end">${escapeXml(title)}</text>`,
    );
    out.push(
      `<text x="${left - 10}" y="${y + 32}" font-size="11" fill="#555" text-anchor="end">${escapeXml(subtitle)}</text>`,
    );
    const bars: [number, string, number][] = [
      [scenario.load.latencyMs.p50, alternative ? '#ea580c' : '#2563eb', y + 4],
      [scenario.load.latencyMs.p95, alternative ? '#fdba74' : '#93c5fd', y + 4 + bar + 2],
    ];
    const unloadedX =
      Number.isFinite(scenario.unloaded.p50) && scenario.unloaded.p50 > 0 ? x(scenario.unloaded.p50) : 0;
    bars.forEach(([value, color, by], barIndex) => {
      const bx = x(value);
      // Keep the p50 label clear of the unloaded marker when it sits at the end of the bar.
      const labelX = barIndex === 0 && unloadedX > bx - 6 ? Math.max(bx, unloadedX) + 8 : bx + 5;
      out.push(
        `<rect x="${left}" y="${by}" width="${Math.max(1, bx - left).toFixed(1)}" height="${bar}" fill="${color}"/>`,
      );
      out.push(
        `<text x="${labelX.toFixed(1)}" y="${by + bar - 3}" font-size="11.5" fill="#111">${fmt(value)} ms</text>`,
      );
    });
    if (Number.isFinite(scenario.unloaded.p50) && scenario.unloaded.p50 > 0) {
      out.push(
        `<circle cx="${x(scenario.unloaded.p50).toFixed(1)}" cy="${y + 4 + bar / 2}" r="4.5" fill="#ffffff" stroke="#111" stroke-width="1.5"/>`,
      );
    }
    if (scenario.criticalPathMs) {
      const cx = x(scenario.criticalPathMs);
      out.push(
        `<line x1="${cx.toFixed(1)}" y1="${y + 1}" x2="${cx.toFixed(1)}" y2="${y + 4 + 2 * bar + 5}" stroke="#111" stroke-width="2" stroke-dasharray="3,2"/>`,
      );
    }
  });
  out.push(`<line x1="${left}" y1="${top - 6}" x2="${left}" y2="${plotBottom}" stroke="#333" stroke-width="1"/>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
