// A small hand-drawn SVG line chart (no chart library: the console stays a few kB).

export interface Series {
  label: string;
  points: Array<[number, number]>;
  /** A running total to show beside the latest value (e.g. records put since the task started). */
  total?: number;
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

export function LineChart({ title, series, unit }: { title: string; series: Series[]; unit: string }) {
  const w = 480;
  const h = 140;
  const pad = { l: 44, r: 8, t: 8, b: 20 };
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const x0 = Math.min(...xs, Date.now() - 60_000);
  const x1 = Math.max(...xs, x0 + 1);
  const yMax = Math.max(1, ...all.map((p) => p[1]));
  const sx = (x: number): number => pad.l + ((x - x0) / (x1 - x0)) * (w - pad.l - pad.r);
  const sy = (y: number): number => h - pad.b - (y / yMax) * (h - pad.t - pad.b);
  const last = (s: Series): string => {
    const p = s.points[s.points.length - 1];
    const total = s.total === undefined ? '' : ` (${s.total} total)`;
    return (p ? `${fmt(p[1])} ${unit}` : 'no data') + total;
  };
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <svg
        viewBox={`0 0 ${w} ${h}`}
        role="img"
        aria-label={`${title}: ${series.map((s) => `${s.label} ${last(s)}`).join(', ')}`}
      >
        <line x1={pad.l} y1={sy(0)} x2={w - pad.r} y2={sy(0)} class="axis" />
        <line x1={pad.l} y1={sy(yMax)} x2={w - pad.r} y2={sy(yMax)} class="grid" />
        <text x={pad.l - 4} y={sy(yMax) + 4} text-anchor="end" class="tick">
          {fmt(yMax)}
        </text>
        <text x={pad.l - 4} y={sy(0)} text-anchor="end" class="tick">
          0
        </text>
        <text x={w - pad.r} y={h - 4} text-anchor="end" class="tick">
          now
        </text>
        <text x={pad.l} y={h - 4} class="tick">
          −{Math.round((x1 - x0) / 1000)}s
        </text>
        {series.map((s, i) => (
          <polyline
            key={s.label}
            fill="none"
            stroke={COLORS[i % COLORS.length]}
            stroke-width="2"
            points={s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}
          />
        ))}
      </svg>
      <ul class="legend">
        {series.map((s, i) => (
          <li key={s.label}>
            <span class="swatch" style={{ background: COLORS[i % COLORS.length] }} /> {s.label}: {last(s)}
          </li>
        ))}
      </ul>
    </figure>
  );
}

function fmt(n: number): string {
  return n >= 100 ? String(Math.round(n)) : n >= 10 ? n.toFixed(1) : n.toFixed(2).replace(/\.?0+$/, '') || '0';
}
