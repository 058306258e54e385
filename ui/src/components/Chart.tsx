import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: (number | null)[];
  /** CSS variable name holding the colour, e.g. --c1. */
  color: string;
  /** Right-hand axis (e.g. a rate next to a reward). */
  right?: boolean;
  bars?: boolean;
}

export interface Marker {
  /** Epoch ms on a time axis, or the x value on a numeric one. */
  x: number;
  label: string;
  color: string;
}

interface ChartProps {
  /** x values: epoch ms when `time`, plain numbers otherwise. */
  x: number[];
  series: Series[];
  time?: boolean;
  markers?: Marker[];
  height?: number;
  label: string;
  yLabel?: string;
  rightLabel?: string;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

/** A uPlot time-series chart that follows the container width and the light/dark scheme. */
export function Chart(props: ChartProps): JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  // Rebuilt only when the plotted data changes (sig), not on every render.
  const sig = JSON.stringify([props.x, props.series, props.markers, props.time, props.height]);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let plot: uPlot | null = null;
    const build = () => {
      plot?.destroy();
      const fg = cssVar('--muted');
      const grid = cssVar('--grid');
      const xs = props.time ? props.x.map((t) => t / 1000) : props.x;
      const hasRight = props.series.some((s) => s.right);
      const single = xs.length > 0 && xs.every((v) => v === xs[0]);
      const markers = props.markers ?? [];
      const opts: uPlot.Options = {
        width: Math.max(200, el.clientWidth),
        height: props.height ?? 220,
        scales: {
          x: {
            time: !!props.time,
            // One point alone: pad it by a day (or one step) each side; uPlot would span years.
            range: (_u, min, max) => {
              const pad = props.time ? 86_400 : 1;
              return single ? [xs[0]! - pad, xs[0]! + pad] : [min, max];
            },
          },
          y: {},
          ...(hasRight ? { r: {} } : {}),
        },
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        axes: [
          {
            stroke: fg,
            grid: { stroke: grid, width: 1 },
            ticks: { stroke: grid },
            // A numeric x axis counts things (training steps): whole-number ticks only.
            ...(props.time ? {} : { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000] }),
          },
          {
            stroke: fg,
            grid: { stroke: grid, width: 1 },
            ticks: { stroke: grid },
            label: props.yLabel,
            size: 56,
          },
          ...(hasRight
            ? [
                {
                  scale: 'r',
                  side: 1 as const,
                  stroke: fg,
                  grid: { show: false },
                  label: props.rightLabel,
                  size: 56,
                },
              ]
            : []),
        ],
        series: [
          {},
          ...props.series.map((s) => ({
            label: s.label,
            stroke: cssVar(s.color),
            fill: s.bars ? `${cssVar(s.color)}55` : undefined,
            width: 2,
            scale: s.right ? 'r' : 'y',
            spanGaps: false,
            points: { show: xs.length < 40 },
            ...(s.bars ? { paths: uPlot.paths.bars?.({ size: [0.7, 40] }) } : {}),
          })),
        ],
        hooks: {
          // Evolutions and similar events as labelled vertical lines on the x axis.
          draw: [
            (u) => {
              const ctx = u.ctx;
              ctx.save();
              ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
              for (const m of markers) {
                const xv = props.time ? m.x / 1000 : m.x;
                const px = u.valToPos(xv, 'x', true);
                if (px < u.bbox.left || px > u.bbox.left + u.bbox.width) continue;
                ctx.strokeStyle = cssVar(m.color);
                ctx.fillStyle = cssVar(m.color);
                ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
                ctx.lineWidth = devicePixelRatio;
                ctx.beginPath();
                ctx.moveTo(px, u.bbox.top);
                ctx.lineTo(px, u.bbox.top + u.bbox.height);
                ctx.stroke();
                ctx.fillText(m.label, px + 3 * devicePixelRatio, u.bbox.top + 12 * devicePixelRatio);
              }
              ctx.restore();
            },
          ],
        },
      };
      const data: uPlot.AlignedData = [xs, ...props.series.map((s) => s.values)];
      plot = new uPlot(opts, data, el);
    };
    build();
    const ro = new ResizeObserver(() => {
      if (plot && Math.abs(plot.width - el.clientWidth) > 2)
        plot.setSize({ width: Math.max(200, el.clientWidth), height: props.height ?? 220 });
    });
    ro.observe(el);
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    mq.addEventListener('change', build);
    return () => {
      ro.disconnect();
      mq.removeEventListener('change', build);
      plot?.destroy();
    };
  }, [sig]);
  return <div class="chart" ref={box} role="img" aria-label={props.label} />;
}
