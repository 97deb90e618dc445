/**
 * A small SVG area chart of the recent values. It is an image with a text alternative (latest and
 * highest value); the card around it shows the numbers as text too, so nothing is only a line.
 */
export function Sparkline({
  values,
  label,
  format,
  width = 240,
  height = 44,
}: {
  values: ReadonlyArray<number | null>;
  /** What the values are, e.g. "Requests per second". */
  label: string;
  format: (v: number) => string;
  width?: number;
  height?: number;
}) {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const max = known.length > 0 ? Math.max(...known) : 0;
  const top = max > 0 ? max : 1;
  const n = values.length;
  const x = (i: number) => (n <= 1 ? width : (i / (n - 1)) * width);
  const y = (v: number) => height - 2 - (v / top) * (height - 4);

  // Runs of known values become separate segments: a gap (no data) is not drawn as zero.
  const segments: Array<Array<[number, number]>> = [];
  let run: Array<[number, number]> = [];
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      if (run.length) segments.push(run);
      run = [];
    } else run.push([x(i), y(v)]);
  });
  if (run.length) segments.push(run);

  const line = (pts: Array<[number, number]>) =>
    pts.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${px.toFixed(1)},${py.toFixed(1)}`).join(' ');
  const area = (pts: Array<[number, number]>) =>
    `${line(pts)} L${pts[pts.length - 1]![0].toFixed(1)},${height} L${pts[0]![0].toFixed(1)},${height} Z`;

  const latest = known.length > 0 ? known[known.length - 1]! : null;
  const description =
    known.length === 0
      ? `${label}: no data yet`
      : `${label} over the last ${n} samples: latest ${format(latest!)}, highest ${format(max)}`;

  return (
    <svg
      className="sparkline"
      role="img"
      aria-label={description}
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      width="100%"
      height={height}
    >
      <title>{description}</title>
      <line className="sparkline__base" x1="0" x2={width} y1={height - 1} y2={height - 1} />
      {segments.map((pts, i) =>
        pts.length === 1 ? (
          <circle key={i} className="sparkline__dot" cx={pts[0]![0]} cy={pts[0]![1]} r="2" />
        ) : (
          <g key={i}>
            <path className="sparkline__area" d={area(pts)} />
            <path className="sparkline__line" d={line(pts)} />
          </g>
        ),
      )}
    </svg>
  );
}
