/** Small self-contained SVG line charts, readable without the dashboard. */
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One line per series over shared x labels; y from 0 to `yMax` (or the data's max). */
export function lineChart(
  title: string,
  xLabels: string[],
  series: Record<string, number[]>,
  yMax?: number,
): string {
  const w = 640;
  const h = 320;
  const pad = 48;
  const all = Object.values(series).flat();
  const top = yMax ?? Math.max(1, ...all);
  const x = (i: number) => pad + (xLabels.length <= 1 ? 0 : (i * (w - 2 * pad)) / (xLabels.length - 1));
  const y = (v: number) => h - pad - (v / top) * (h - 2 * pad);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="11">`,
    `<text x="${w / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    `<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#333"/>`,
    `<line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" stroke="#333"/>`,
    `<text x="${pad - 6}" y="${y(top) + 4}" text-anchor="end">${+top.toFixed(2)}</text>`,
    `<text x="${pad - 6}" y="${h - pad + 4}" text-anchor="end">0</text>`,
  ];
  for (const [i, l] of xLabels.entries())
    out.push(`<text x="${x(i)}" y="${h - pad + 16}" text-anchor="middle">${esc(l)}</text>`);
  Object.entries(series).forEach(([name, vals], k) => {
    const color = COLORS[k % COLORS.length];
    const pts = vals.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts}"/>`);
    out.push(`<text x="${w - pad + 4}" y="${pad + 14 * k}" fill="${color}">${esc(name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
